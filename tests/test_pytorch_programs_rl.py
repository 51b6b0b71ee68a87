"""Reinforcement-learning and latent-variable PyTorch programs written once and run twice, on
torch and on tinygraph imported as torch, with the same float64 losses and weights: REINFORCE
on a small gridworld (a policy MLP, ``Categorical(logits=...)``, normalized discounted returns,
an entropy bonus, Adam), a batched contextual bandit with a learned baseline and a Bernoulli
"pass" head, a Gaussian policy trained with PPO's clipped objective and a KL penalty, a
VAE whose encoder gives ``Normal(mu, sigma)`` (reparameterized with external noise, so both
runs draw the same numbers), and an actor-critic PPO whose actor is a
``MultivariateNormal(action_mean, diag_embed(action_var))`` with a learned variance, and a
mixture density network (``MixtureSameFamily``) on Bishop's inverse problem. Actions
are chosen from NumPy-drawn uniforms by the inverse CDF of ``probs`` or from NumPy noise, so
both runs take the same actions."""

from __future__ import annotations

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


class GridWorld:
    """A 4x4 grid: start in a corner, +1 for reaching the opposite one, a small cost per step
    and for bumping into a wall (plain Python, no framework)."""

    moves = [(-1, 0), (1, 0), (0, -1), (0, 1)]

    def reset(self):
        self.row, self.col = 0, 0
        return self.row * 4 + self.col

    def step(self, action):
        dr, dc = self.moves[action]
        row, col = self.row + dr, self.col + dc
        reward = -0.05
        if 0 <= row < 4 and 0 <= col < 4:
            self.row, self.col = row, col
        else:
            reward -= 0.1
        done = (self.row, self.col) == (3, 3)
        return self.row * 4 + self.col, reward + (1.0 if done else 0.0), done


def reinforce_gridworld(torch):
    """REINFORCE with an entropy bonus: one episode per update."""
    nn = torch.nn
    from_distributions = torch.distributions
    policy = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 4)).double()
    randomize(torch, policy, 0)
    optimizer = torch.optim.Adam(policy.parameters(), lr=0.01)
    env, rng, gamma = GridWorld(), np.random.default_rng(1), 0.9
    losses, episode_returns = [], []
    for _ in range(12):
        state, log_probs, entropies, rewards = env.reset(), [], [], []
        for _ in range(14):
            x = torch.zeros(16, dtype=torch.float64)
            x[state] = 1.0
            dist = from_distributions.Categorical(logits=policy(x))
            assert dist.batch_shape == () and dist.event_shape == ()
            cdf = torch.cumsum(dist.probs, dim=-1)
            action = min(int((cdf < rng.random()).sum().item()), 3)
            log_probs.append(dist.log_prob(torch.tensor(action)))
            entropies.append(dist.entropy())
            state, reward, done = env.step(action)
            rewards.append(reward)
            if done:
                break
        returns, running = [], 0.0
        for reward in reversed(rewards):
            running = reward + gamma * running
            returns.insert(0, running)
        returns = torch.tensor(returns, dtype=torch.float64)
        episode_returns.append(returns[0].item())
        returns = (returns - returns.mean()) / (returns.std() + 1e-8)
        loss = -(torch.stack(log_probs) * returns).sum() - 0.01 * torch.stack(entropies).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, episode_returns, weights(policy)


def contextual_bandit(torch):
    """A batch of contexts per step: a Categorical over three arms, a Bernoulli "pass" head,
    a learned baseline, and the KL to the previous policy as a penalty."""
    nn, F = torch.nn, torch.nn.functional
    Categorical, Bernoulli = torch.distributions.Categorical, torch.distributions.Bernoulli
    kl_divergence = torch.distributions.kl_divergence

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(5, 16)
            self.arms = nn.Linear(16, 3)
            self.skip = nn.Linear(16, 1)
            self.value = nn.Linear(16, 1)

        def forward(self, x):
            h = F.relu(self.body(x))
            return self.arms(h), self.skip(h).squeeze(-1), self.value(h).squeeze(-1)

    model = Policy().double()
    randomize(torch, model, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(3)
    payoff = rng.standard_normal((5, 3))
    losses, stats = [], []
    previous = None
    for _ in range(10):
        contexts = torch.tensor(rng.standard_normal((8, 5)))
        u_arm, u_skip = torch.tensor(rng.random(8)), torch.tensor(rng.random(8))
        logits, skip_logits, baseline = model(contexts)
        arms = Categorical(logits=logits)
        skip = Bernoulli(logits=skip_logits)
        assert arms.batch_shape == (8,) and skip.batch_shape == (8,)
        actions = (torch.cumsum(arms.probs, dim=-1) < u_arm.unsqueeze(-1)).sum(-1).clamp(max=2)
        skipped = (u_skip < skip.probs).double()
        rewards = (contexts @ torch.tensor(payoff)).gather(1, actions.unsqueeze(1)).squeeze(1)
        rewards = torch.where(skipped.bool(), torch.zeros_like(rewards), rewards)
        advantage = rewards - baseline.detach()
        log_prob = arms.log_prob(actions) + skip.log_prob(skipped)
        loss = (-(log_prob * advantage).mean() + F.mse_loss(baseline, rewards)
                - 0.01 * (arms.entropy() + skip.entropy()).mean())
        if previous is not None:
            loss = loss + 0.1 * kl_divergence(Categorical(logits=previous), arms).mean()
        previous = logits.detach()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        stats += [rewards.mean().item(), arms.mode.double().mean().item(),
                  skip.mean.mean().item(), skip.variance.sum().item()]
    return losses, stats, weights(model)


def gaussian_ppo(torch):
    """A Gaussian policy (state-independent log-std as a Parameter) updated with PPO's clipped
    surrogate, an entropy bonus and a KL penalty, several epochs over one batch."""
    nn = torch.nn
    Normal, Independent = torch.distributions.Normal, torch.distributions.Independent
    kl_divergence = torch.distributions.kl_divergence

    class Actor(nn.Module):
        def __init__(self):
            super().__init__()
            self.mu = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
            self.log_std = nn.Parameter(torch.zeros(2, dtype=torch.float64))

        def forward(self, obs):
            return Normal(self.mu(obs), self.log_std.exp())

    actor = Actor().double()
    randomize(torch, actor, 4)
    optimizer = torch.optim.Adam(actor.parameters(), lr=0.005)
    rng = np.random.default_rng(5)
    losses, stats = [], []
    for _ in range(3):
        obs = torch.tensor(rng.standard_normal((16, 4)))
        eps = torch.tensor(rng.standard_normal((16, 2)))
        with torch.no_grad():
            old = actor(obs)
            actions = old.mean + old.stddev * eps  # what rsample does, with our noise
            old_log_prob = old.log_prob(actions).sum(-1)
        advantages = torch.tensor(rng.standard_normal(16))
        advantages = (advantages - advantages.mean()) / advantages.std()
        for _ in range(4):
            dist = actor(obs)
            log_prob = Independent(dist, 1).log_prob(actions)
            ratio = torch.exp(log_prob - old_log_prob)
            surrogate = torch.min(ratio * advantages,
                                  torch.clamp(ratio, 0.8, 1.2) * advantages)
            kl = kl_divergence(old, dist).sum(-1).mean()
            loss = -surrogate.mean() - 0.01 * dist.entropy().sum(-1).mean() + 0.5 * kl
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            stats += [kl.item(), dist.variance.mean().item(), ratio.max().item()]
    return losses, stats, weights(actor)


def vae(torch):
    """A VAE on small vectors: the encoder gives Normal(mu, sigma), z = mu + sigma * eps with
    NumPy noise, a Gaussian decoder scored with Independent(Normal(x_hat, 1), 1).log_prob,
    and the KL to the standard normal prior summed over the latent dims."""
    nn, F = torch.nn, torch.nn.functional
    D = torch.distributions

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 4))
            self.decoder = nn.Sequential(nn.Linear(2, 12), nn.Tanh(), nn.Linear(12, 6))

        def forward(self, x, eps):
            mu, pre_sigma = self.encoder(x).chunk(2, dim=-1)
            q = D.Normal(mu, F.softplus(pre_sigma) + 1e-4)
            z = q.loc + q.scale * eps
            likelihood = D.Independent(D.Normal(self.decoder(z), 1.0), 1)
            prior = D.Normal(torch.zeros_like(mu), torch.ones_like(mu))
            return q, z, likelihood, prior

    model = VAE().double()
    randomize(torch, model, 6)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(7)
    data = torch.tensor(rng.standard_normal((32, 6)) @ rng.standard_normal((6, 6)) * 0.5)
    losses, stats = [], []
    for step in range(6):
        x = data[(step % 4) * 8:(step % 4 + 1) * 8]
        eps = torch.tensor(rng.standard_normal((8, 2)))
        q, z, likelihood, prior = model(x, eps)
        kl = D.kl_divergence(q, prior).sum(-1)
        elbo = likelihood.log_prob(x) - kl
        # the same KL, estimated from the sample: log q(z) - log p(z)
        estimate = (q.log_prob(z) - prior.log_prob(z)).sum(-1)
        loss = -elbo.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        stats += [kl.mean().item(), estimate.mean().item(), q.entropy().sum().item(),
                  q.stddev.mean().item(), likelihood.mean.sum().item()]
    return losses, stats, weights(model)


class PointMass:
    """A point in the plane pushed toward a target; the reward is minus the distance (plain
    Python floats)."""

    def __init__(self, rng):
        self.rng = rng

    def reset(self):
        self.pos = [float(v) for v in self.rng.uniform(-1, 1, 2)]
        self.target = [float(v) for v in self.rng.uniform(-1, 1, 2)]
        return self.pos + self.target

    def step(self, action):
        self.pos = [p + 0.3 * max(-1.0, min(1.0, a)) for p, a in zip(self.pos, action)]
        distance = sum((p - t) ** 2 for p, t in zip(self.pos, self.target)) ** 0.5
        return self.pos + self.target, -distance


def ppo_multivariate(torch):
    """PPO in the style of the well-known minimal implementations: an actor-critic whose actor
    gives MultivariateNormal(action_mean, cov_mat) with cov_mat = diag_embed(action_var), a
    rollout buffer of tensors, discounted rewards-to-go normalized, K epochs of the clipped
    objective with an MSE critic loss and an entropy bonus, Adam with one group per head. The
    exploration noise is NumPy's, fed through the covariance's Cholesky factor."""
    nn = torch.nn
    MultivariateNormal = torch.distributions.MultivariateNormal

    class ActorCritic(nn.Module):
        def __init__(self, state_dim, action_dim):
            super().__init__()
            self.actor = nn.Sequential(nn.Linear(state_dim, 16), nn.Tanh(),
                                       nn.Linear(16, action_dim), nn.Tanh())
            self.critic = nn.Sequential(nn.Linear(state_dim, 16), nn.Tanh(), nn.Linear(16, 1))
            self.log_std = nn.Parameter(torch.full((action_dim,), -0.5, dtype=torch.float64))

        def distribution(self, state):
            action_mean = self.actor(state)
            action_var = torch.exp(2 * self.log_std).expand_as(action_mean)
            return MultivariateNormal(action_mean, torch.diag_embed(action_var))

        def act(self, state, noise):
            dist = self.distribution(state)
            action = dist.mean + (dist.scale_tril @ noise.unsqueeze(-1)).squeeze(-1)
            return action.detach(), dist.log_prob(action).detach()

        def evaluate(self, states, actions):
            dist = self.distribution(states)
            return dist.log_prob(actions), torch.squeeze(self.critic(states)), dist.entropy()

    policy = ActorCritic(4, 2).double()
    randomize(torch, policy, 8)
    policy.log_std.data.fill_(-0.5)
    optimizer = torch.optim.Adam([
        {"params": policy.actor.parameters(), "lr": 0.003},
        {"params": [policy.log_std], "lr": 0.003},
        {"params": policy.critic.parameters(), "lr": 0.01}])
    rng = np.random.default_rng(9)
    env, gamma, eps_clip = PointMass(rng), 0.95, 0.2
    losses, stats = [], []
    for _ in range(3):
        states, actions, logprobs, rewards, terminals = [], [], [], [], []
        for _ in range(2):
            state = env.reset()
            for t in range(8):
                state_t = torch.tensor(state, dtype=torch.float64)
                noise = torch.tensor(rng.standard_normal(2))
                with torch.no_grad():
                    action, logprob = policy.act(state_t, noise)
                state, reward = env.step(action.tolist())
                states.append(state_t)
                actions.append(action)
                logprobs.append(logprob)
                rewards.append(reward)
                terminals.append(t == 7)
        returns, discounted = [], 0.0
        for reward, terminal in zip(reversed(rewards), reversed(terminals)):
            if terminal:
                discounted = 0.0
            discounted = reward + gamma * discounted
            returns.insert(0, discounted)
        returns = torch.tensor(returns, dtype=torch.float64)
        returns = (returns - returns.mean()) / (returns.std() + 1e-7)
        old_states = torch.squeeze(torch.stack(states, dim=0)).detach()
        old_actions = torch.squeeze(torch.stack(actions, dim=0)).detach()
        old_logprobs = torch.squeeze(torch.stack(logprobs, dim=0)).detach()
        for _ in range(4):
            logprob, value, entropy = policy.evaluate(old_states, old_actions)
            ratios = torch.exp(logprob - old_logprobs)
            advantages = returns - value.detach()
            surr1 = ratios * advantages
            surr2 = torch.clamp(ratios, 1 - eps_clip, 1 + eps_clip) * advantages
            loss = (-torch.min(surr1, surr2) + 0.5 * nn.MSELoss()(value, returns)
                    - 0.01 * entropy)
            optimizer.zero_grad()
            loss.mean().backward()
            optimizer.step()
            losses.append(loss.mean().item())
        stats += [sum(rewards), entropy.mean().item(), ratios.max().item()]
    return losses, stats, weights(policy)


def mixture_density_network(torch):
    """Bishop's inverse problem: x = y + 0.3 sin(2 pi y) + noise has several y for one x, so
    the network predicts a MixtureSameFamily of three Normals, trained on its negative
    log-likelihood with minibatches from a DataLoader."""
    nn = torch.nn
    D = torch.distributions

    class MDN(nn.Module):
        def __init__(self, hidden=16, k=3):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh())
            self.heads = nn.Linear(hidden, 3 * k)

        def forward(self, x):
            logits, mu, log_sigma = self.heads(self.body(x)).chunk(3, dim=-1)
            mixture = D.Categorical(logits=logits)
            return D.MixtureSameFamily(mixture, D.Normal(mu, torch.exp(log_sigma)))

    rng = np.random.default_rng(10)
    y = rng.uniform(0, 1, (96, 1))
    x = y + 0.3 * np.sin(2 * np.pi * y) + rng.normal(0, 0.05, (96, 1))
    data = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    order = [int(i) for i in rng.permutation(96)]
    loader = torch.utils.data.DataLoader(data, batch_size=32, sampler=order)
    model = MDN().double()
    randomize(torch, model, 11)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    losses, stats = [], []
    for _ in range(4):
        for xb, yb in loader:
            dist = model(xb)
            loss = -dist.log_prob(yb.squeeze(-1)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with torch.no_grad():
        dist = model(torch.linspace(0, 1, 5, dtype=torch.float64).unsqueeze(-1))
        stats += dist.mean.tolist() + dist.stddev.tolist()
        stats += dist.mixture_distribution.probs.flatten().tolist()
    return losses, stats, weights(model)


PROGRAMS = [reinforce_gridworld, contextual_bandit, gaussian_ppo, vae, ppo_multivariate,
            mixture_density_network]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    same_run(ours, theirs)
