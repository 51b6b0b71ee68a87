"""Sequence tutorials run on torch and on tinygraph imported as torch, with equal float64
losses and weights: the BiLSTM-CRF tagger (the forward algorithm with log_sum_exp written
with max and broadcasting, torch.full((1, n), -10000.), the gold path score and Viterbi
decoding with back-pointers) and the character-level RNN that generates names (category,
input and hidden concatenated, the loss summed over a name's letters from a Python 0,
target.unsqueeze_(-1), manual SGD through p.data.add_, greedy generation)."""

from __future__ import annotations

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def bilstm_crf(torch):
    """A BiLSTM-CRF tagger: emission scores from a bidirectional LSTM, a transition matrix,
    the forward algorithm with log_sum_exp written with max and broadcasting (torch.full((1, n),
    -10000.)), the gold path score, the negative log-likelihood, and Viterbi decoding with
    back-pointers."""
    nn = torch.nn
    START, STOP = "<START>", "<STOP>"

    def argmax(vec):
        _, idx = torch.max(vec, 1)
        return idx.item()

    def prepare_sequence(seq, to_ix):
        return torch.tensor([to_ix[w] for w in seq], dtype=torch.long)

    def log_sum_exp(vec):
        max_score = vec[0, argmax(vec)]
        max_score_broadcast = max_score.view(1, -1).expand(1, vec.size()[1])
        return max_score + torch.log(torch.sum(torch.exp(vec - max_score_broadcast)))

    class BiLSTM_CRF(nn.Module):
        def __init__(self, vocab_size, tag_to_ix, embedding_dim, hidden_dim):
            super().__init__()
            self.hidden_dim = hidden_dim
            self.tag_to_ix = tag_to_ix
            self.tagset_size = len(tag_to_ix)
            self.word_embeds = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim // 2, num_layers=1,
                                bidirectional=True)
            self.hidden2tag = nn.Linear(hidden_dim, self.tagset_size)
            self.transitions = nn.Parameter(torch.randn(self.tagset_size, self.tagset_size))
            self.transitions.data[tag_to_ix[START], :] = -10000
            self.transitions.data[:, tag_to_ix[STOP]] = -10000

        def init_hidden(self):
            return (torch.zeros(2, 1, self.hidden_dim // 2, dtype=torch.float64),
                    torch.zeros(2, 1, self.hidden_dim // 2, dtype=torch.float64))

        def _forward_alg(self, feats):
            init_alphas = torch.full((1, self.tagset_size), -10000., dtype=torch.float64)
            init_alphas[0][self.tag_to_ix[START]] = 0.
            forward_var = init_alphas
            for feat in feats:
                alphas_t = []
                for next_tag in range(self.tagset_size):
                    emit_score = feat[next_tag].view(1, -1).expand(1, self.tagset_size)
                    trans_score = self.transitions[next_tag].view(1, -1)
                    next_tag_var = forward_var + trans_score + emit_score
                    alphas_t.append(log_sum_exp(next_tag_var).view(1))
                forward_var = torch.cat(alphas_t).view(1, -1)
            terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP]]
            return log_sum_exp(terminal_var)

        def _get_lstm_features(self, sentence):
            embeds = self.word_embeds(sentence).view(len(sentence), 1, -1)
            lstm_out, _ = self.lstm(embeds, self.init_hidden())
            return self.hidden2tag(lstm_out.view(len(sentence), self.hidden_dim))

        def _score_sentence(self, feats, tags):
            score = torch.zeros(1, dtype=torch.float64)
            tags = torch.cat([torch.tensor([self.tag_to_ix[START]], dtype=torch.long), tags])
            for i, feat in enumerate(feats):
                score = score + self.transitions[tags[i + 1], tags[i]] + feat[tags[i + 1]]
            return score + self.transitions[self.tag_to_ix[STOP], tags[-1]]

        def _viterbi_decode(self, feats):
            backpointers = []
            init_vvars = torch.full((1, self.tagset_size), -10000., dtype=torch.float64)
            init_vvars[0][self.tag_to_ix[START]] = 0
            forward_var = init_vvars
            for feat in feats:
                bptrs_t, viterbivars_t = [], []
                for next_tag in range(self.tagset_size):
                    next_tag_var = forward_var + self.transitions[next_tag]
                    best_tag_id = argmax(next_tag_var)
                    bptrs_t.append(best_tag_id)
                    viterbivars_t.append(next_tag_var[0][best_tag_id].view(1))
                forward_var = (torch.cat(viterbivars_t) + feat).view(1, -1)
                backpointers.append(bptrs_t)
            terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP]]
            best_tag_id = argmax(terminal_var)
            path_score = terminal_var[0][best_tag_id]
            best_path = [best_tag_id]
            for bptrs_t in reversed(backpointers):
                best_tag_id = bptrs_t[best_tag_id]
                best_path.append(best_tag_id)
            start = best_path.pop()
            assert start == self.tag_to_ix[START]
            best_path.reverse()
            return path_score, best_path

        def neg_log_likelihood(self, sentence, tags):
            feats = self._get_lstm_features(sentence)
            return self._forward_alg(feats) - self._score_sentence(feats, tags)

        def forward(self, sentence):
            return self._viterbi_decode(self._get_lstm_features(sentence))

    training_data = [("the wall street journal reported today that apple corporation made "
                      "money".split(), "B I I I O O O B I O O".split()),
                     ("georgia tech is a university in georgia".split(),
                      "B I O O O O B".split())]
    word_to_ix = {}
    for sentence, _ in training_data:
        for word in sentence:
            if word not in word_to_ix:
                word_to_ix[word] = len(word_to_ix)
    tag_to_ix = {"B": 0, "I": 1, "O": 2, START: 3, STOP: 4}
    model = BiLSTM_CRF(len(word_to_ix), tag_to_ix, 4, 6).double()
    randomize(torch, model, 10)
    with torch.no_grad():
        model.transitions.data[tag_to_ix[START], :] = -10000
        model.transitions.data[:, tag_to_ix[STOP]] = -10000
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-4)
    losses, paths = [], []
    with torch.no_grad():
        score, path = model(prepare_sequence(training_data[0][0], word_to_ix))
        losses.append(score.item())
        paths += path
    for _epoch in range(2):
        for sentence, tags in training_data:
            model.zero_grad()
            sentence_in = prepare_sequence(sentence, word_to_ix)
            targets = torch.tensor([tag_to_ix[t] for t in tags], dtype=torch.long)
            loss = model.neg_log_likelihood(sentence_in, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with torch.no_grad():
        for sentence, _ in training_data:
            score, path = model(prepare_sequence(sentence, word_to_ix))
            losses.append(score.item())
            paths += path
    return losses, paths, weights(model)


def name_generation(torch):
    nn = torch.nn
    letters = "abcdefghijklmnopqrstuvwxyz"
    n_letters = len(letters) + 1  # plus EOS
    data = {"Italian": ["rossi", "bianco"], "Japanese": ["sato", "kato"],
            "English": ["smith", "brown"]}
    categories = list(data)

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.hidden_size = hidden_size
            n_categories = len(categories)
            self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
            self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
            self.o2o = nn.Linear(hidden_size + output_size, output_size)
            self.dropout = nn.Dropout(0.0)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, category, input, hidden):
            input_combined = torch.cat((category, input, hidden), 1)
            hidden = self.i2h(input_combined)
            output = self.i2o(input_combined)
            output_combined = torch.cat((hidden, output), 1)
            output = self.softmax(self.dropout(self.o2o(output_combined)))
            return output, hidden

        def initHidden(self):
            return torch.zeros(1, self.hidden_size, dtype=torch.float64)

    def category_tensor(category):
        tensor = torch.zeros(1, len(categories), dtype=torch.float64)
        tensor[0][categories.index(category)] = 1
        return tensor

    def input_tensor(line):
        tensor = torch.zeros(len(line), 1, n_letters, dtype=torch.float64)
        for li in range(len(line)):
            tensor[li][0][letters.find(line[li])] = 1
        return tensor

    def target_tensor(line):
        letter_indexes = [letters.find(line[li]) for li in range(1, len(line))]
        letter_indexes.append(n_letters - 1)
        return torch.tensor(letter_indexes, dtype=torch.long)

    rnn = RNN(n_letters, 10, n_letters).double()
    randomize(torch, rnn, 140)
    criterion = nn.NLLLoss()
    learning_rate = 0.05
    pairs = [(c, n) for c in categories for n in data[c]]
    losses = []
    for i in np.random.default_rng(141).permutation(len(pairs) * 2) % len(pairs):
        category, line = pairs[i]
        target_line_tensor = target_tensor(line)
        target_line_tensor.unsqueeze_(-1)
        hidden = rnn.initHidden()
        rnn.zero_grad()
        loss = 0
        input_line_tensor = input_tensor(line)
        for li in range(input_line_tensor.size(0)):
            output, hidden = rnn(category_tensor(category), input_line_tensor[li], hidden)
            step_loss = criterion(output, target_line_tensor[li])
            loss += step_loss
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        losses.append(loss.item() / input_line_tensor.size(0))

    def sample(category, start_letter="a", max_length=8):
        with torch.no_grad():
            category_t = category_tensor(category)
            input = input_tensor(start_letter)
            hidden = rnn.initHidden()
            output_name = start_letter
            for _ in range(max_length):
                output, hidden = rnn(category_t, input[0], hidden)
                topv, topi = output.topk(1)
                topi = topi[0][0]
                if topi == n_letters - 1:
                    break
                output_name += letters[topi]
                input = input_tensor(letters[topi])
        return output_name

    names = [sample(c, s) for c in categories for s in "rsk"]
    return losses, [sum(map(ord, n)) for n in names] + [len(n) for n in names], weights(rnn)


PROGRAMS = [bilstm_crf, name_generation]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    same_run(program(tinygraph), program(torch))
