"""Classic PyTorch tutorial programs, written once and run twice (on torch and on tinygraph
imported as torch) with equal float64 losses, metrics and final weights: a DQN with a replay
memory and a target network, a character-level RNN that classifies names, and an n-gram
language model and CBOW over word_to_ix dictionaries (the BiLSTM-CRF tagger is in
test_pytorch_programs_classics11.py). Data and initial weights come from NumPy, so both
runs start equal; the only randomness inside a program is Python's `random`, seeded the same
for both."""

from __future__ import annotations

import random
from collections import deque, namedtuple

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph

Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))


class ReplayMemory:
    """A bounded deque of transitions, sampled with Python's random."""

    def __init__(self, capacity):
        self.memory = deque([], maxlen=capacity)

    def push(self, *args):
        self.memory.append(Transition(*args))

    def sample(self, batch_size):
        return random.sample(self.memory, batch_size)

    def __len__(self):
        return len(self.memory)


class Chain:
    """Walk a line of 6 cells; reward 1 at the right end. Deterministic."""

    def __init__(self):
        self.pos = 0

    def reset(self):
        self.pos = 0
        return self.observe()

    def observe(self):
        obs = np.zeros(6)
        obs[self.pos] = 1.0
        return obs

    def step(self, action):
        self.pos = min(max(self.pos + (1 if action == 1 else -1), 0), 5)
        done = self.pos == 5
        return self.observe(), (1.0 if done else -0.05), done


def dqn(torch):
    """Deep Q-learning: epsilon-greedy actions from a seeded random, a replay memory of
    namedtuple Transitions, the batch built with zip(*), a non-final mask, gather,
    max(1).values.detach(), smooth_l1_loss, clip_grad_value_, and the target net kept by
    soft updates and a hard load_state_dict copy."""
    nn, F = torch.nn, torch.nn.functional
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    random.seed(3)

    class DQN(nn.Module):
        def __init__(self, n_obs, n_actions):
            super().__init__()
            self.layer1 = nn.Linear(n_obs, 16)
            self.layer2 = nn.Linear(16, 16)
            self.layer3 = nn.Linear(16, n_actions)

        def forward(self, x):
            x = F.relu(self.layer1(x))
            x = F.relu(self.layer2(x))
            return self.layer3(x)

    torch.set_default_dtype(torch.float64)
    try:
        policy_net = DQN(6, 2).to(device)
        target_net = DQN(6, 2).to(device)
    finally:
        torch.set_default_dtype(torch.float32)
    randomize(torch, policy_net, 4)
    target_net.load_state_dict(policy_net.state_dict())
    optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-2, amsgrad=True)
    memory = ReplayMemory(200)
    gamma, tau, batch_size = 0.9, 0.1, 8
    env = Chain()
    losses, returns = [], []
    steps_done = 0

    def select_action(state):
        nonlocal steps_done
        eps = 0.05 + 0.85 * np.exp(-steps_done / 30)
        steps_done += 1
        if random.random() > eps:
            with torch.no_grad():
                return policy_net(state).max(1).indices.view(1, 1)
        return torch.tensor([[random.randrange(2)]], device=device, dtype=torch.long)

    def optimize_model():
        if len(memory) < batch_size:
            return
        transitions = memory.sample(batch_size)
        batch = Transition(*zip(*transitions))
        non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)),
                                      device=device, dtype=torch.bool)
        non_final_next = torch.cat([s for s in batch.next_state if s is not None])
        state_batch = torch.cat(batch.state)
        action_batch = torch.cat(batch.action)
        reward_batch = torch.cat(batch.reward)
        state_action_values = policy_net(state_batch).gather(1, action_batch)
        next_state_values = torch.zeros(batch_size, device=device, dtype=torch.float64)
        with torch.no_grad():
            next_state_values[non_final_mask] = target_net(non_final_next).max(1).values
        expected = (next_state_values * gamma) + reward_batch
        criterion = nn.SmoothL1Loss()
        loss = criterion(state_action_values, expected.unsqueeze(1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
        optimizer.step()
        losses.append(loss.item())

    for _episode in range(6):
        state = torch.tensor(env.reset(), dtype=torch.float64, device=device).unsqueeze(0)
        total = 0.0
        for _t in range(12):
            action = select_action(state)
            observation, reward, done = env.step(action.item())
            total += reward
            reward = torch.tensor([reward], device=device, dtype=torch.float64)
            next_state = None if done else torch.tensor(
                observation, dtype=torch.float64, device=device).unsqueeze(0)
            memory.push(state, action, next_state, reward)
            state = next_state
            optimize_model()
            target_state = target_net.state_dict()
            policy_state = policy_net.state_dict()
            for key in policy_state:
                target_state[key] = policy_state[key] * tau + target_state[key] * (1 - tau)
            target_net.load_state_dict(target_state)
            if done:
                break
        returns.append(total)
    with torch.no_grad():
        greedy = policy_net(torch.eye(6, dtype=torch.float64)).argmax(1).tolist()
    return losses, returns + greedy, {**weights(policy_net),
                                      **{"target." + k: v for k, v in weights(target_net).items()}}


def name_classifier(torch):
    """Classify names by language with a hand-written RNN cell (torch.cat of input and hidden,
    LogSoftmax, NLLLoss, manual SGD through p.data.add_), one-hot letters by index assignment,
    topk for the guess; then the same with nn.RNN on a (seq, 1, letters) tensor."""
    nn = torch.nn
    letters = "abcdefghijklmnopqrstuvwxyz'"
    n_letters = len(letters)
    data = {"English": ["smith", "jones", "brown", "white"],
            "Italian": ["rossi", "bianchi", "romano", "ricci"],
            "Japanese": ["sato", "suzuki", "takahashi", "tanaka"]}
    categories = list(data)

    def line_to_tensor(line):
        tensor = torch.zeros(len(line), 1, n_letters, dtype=torch.float64)
        for li, letter in enumerate(line):
            tensor[li][0][letters.find(letter)] = 1
        return tensor

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, input, hidden):
            hidden = torch.tanh(self.i2h(torch.cat((input, hidden), 1)))
            return self.softmax(self.h2o(hidden)), hidden

        def init_hidden(self):
            return torch.zeros(1, self.hidden_size, dtype=torch.float64)

    rnn = RNN(n_letters, 12, len(categories)).double()
    randomize(torch, rnn, 5)
    criterion = nn.NLLLoss()
    pairs = [(c, n) for c in categories for n in data[c]]
    order = np.random.default_rng(6).permutation(len(pairs) * 2) % len(pairs)
    losses, guesses = [], []
    for i in order:
        category, name = pairs[i]
        category_tensor = torch.tensor([categories.index(category)], dtype=torch.long)
        line_tensor = line_to_tensor(name)
        hidden = rnn.init_hidden()
        rnn.zero_grad()
        for k in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[k], hidden)
        loss = criterion(output, category_tensor)
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-0.05)
        losses.append(loss.item())
        top_n, top_i = output.topk(1)
        guesses.append(top_i[0].item())

    class Recurrent(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(n_letters, 10)
            self.h2o = nn.Linear(10, len(categories))
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, line_tensor):
            rnn_out, hidden = self.rnn(line_tensor)
            return self.softmax(self.h2o(hidden[0]))

    model = Recurrent().double()
    randomize(torch, model, 7)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for i in order:
        category, name = pairs[i]
        output = model(line_to_tensor(name))
        loss = criterion(output, torch.tensor([categories.index(category)]))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 3)
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        confusion = torch.zeros(len(categories), len(categories))
        for category, name in pairs:
            guess = model(line_to_tensor(name)).topk(2, 1, True)[1][0][0].item()
            confusion[categories.index(category)][guess] += 1
        confusion = confusion / confusion.sum(1, keepdim=True)
    return losses, guesses + confusion.flatten().tolist(), {
        **weights(rnn), **{"nn." + k: v for k, v in weights(model).items()}}


def ngram_and_cbow(torch):
    """A trigram language model (nn.Embedding looked up through a word_to_ix dict, view((1,
    -1)), log_softmax, NLLLoss, loss summed over an epoch with total_loss += loss.item()), then
    CBOW: the mean of the context embeddings predicts the middle word; nearest words by cosine."""
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(1)
    text = ("we are about to study the idea of a computational process computational "
            "processes are abstract beings that inhabit computers").split()
    vocab = sorted(set(text))
    word_to_ix = {word: i for i, word in enumerate(vocab)}
    ngrams = [([text[i - j - 1] for j in range(2)], text[i]) for i in range(2, len(text))]

    class NGramLanguageModeler(nn.Module):
        def __init__(self, vocab_size, embedding_dim, context_size):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.linear1 = nn.Linear(context_size * embedding_dim, 16)
            self.linear2 = nn.Linear(16, vocab_size)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).view((1, -1))
            out = F.relu(self.linear1(embeds))
            return F.log_softmax(self.linear2(out), dim=1)

    model = NGramLanguageModeler(len(vocab), 5, 2).double()
    randomize(torch, model, 8)
    loss_function = nn.NLLLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _epoch in range(3):
        total_loss = 0
        for context, target in ngrams:
            context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
            model.zero_grad()
            log_probs = model(context_idxs)
            loss = loss_function(log_probs, torch.tensor([word_to_ix[target]],
                                                         dtype=torch.long))
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        losses.append(total_loss)
    probe = model.embeddings.weight[word_to_ix["computational"]]

    class CBOW(nn.Module):
        def __init__(self, vocab_size, embedding_dim):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.proj = nn.Linear(embedding_dim, vocab_size)

        def forward(self, inputs):
            return F.log_softmax(self.proj(self.embeddings(inputs).mean(dim=-2)), dim=-1)

    def make_context_vector(context):
        return torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)

    data = [([text[i - 2], text[i - 1], text[i + 1], text[i + 2]], text[i])
            for i in range(2, len(text) - 2)]
    cbow = CBOW(len(vocab), 6).double()
    randomize(torch, cbow, 9)
    opt = torch.optim.Adam(cbow.parameters(), lr=0.02)
    contexts = torch.stack([make_context_vector(c) for c, _ in data])
    targets = torch.tensor([word_to_ix[t] for _, t in data])
    for _ in range(15):
        opt.zero_grad()
        loss = F.nll_loss(cbow(contexts), targets)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        table = cbow.embeddings.weight
        sims = F.cosine_similarity(table[word_to_ix["process"]].unsqueeze(0), table)
        nearest = sims.argsort(descending=True)[:3].tolist()
        accuracy = (cbow(contexts).argmax(-1) == targets).double().mean().item()
    return losses, nearest + [accuracy] + probe.tolist(), {
        **weights(model), **{"cbow." + k: v for k, v in weights(cbow).items()}}


PROGRAMS = [dqn, name_classifier, ngram_and_cbow]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    same_run(ours, theirs)
