"""More classic PyTorch tutorial programs run on torch and on tinygraph imported as torch,
with equal float64 losses, metrics and final weights: time-sequence prediction with two
nn.LSTMCell and L-BFGS, neural style transfer optimising the input image with L-BFGS, a DCGAN
on 8x8 images, and transfer learning (a frozen backbone, a new head, StepLR, the best weights
kept with copy.deepcopy, saved with torch.save and loaded back)."""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def time_sequence(torch):
    """Sine waves predicted by two stacked LSTMCells stepped over chunk(…, dim=1), trained
    with optim.LBFGS and a closure, then asked for future values fed back from its output."""
    nn = torch.nn
    T, L, N = 20, 40, 6
    x = np.empty((N, L), np.int64)
    x[:] = np.array(range(L)) + np.random.default_rng(11).integers(-2 * T, 2 * T, N)[:, None]
    data = np.sin(x / 1.0 / T).astype("float64")

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = nn.LSTMCell(1, 8)
            self.lstm2 = nn.LSTMCell(8, 8)
            self.linear = nn.Linear(8, 1)

        def forward(self, input, future=0):
            outputs = []
            h_t = torch.zeros(input.size(0), 8, dtype=torch.double)
            c_t = torch.zeros(input.size(0), 8, dtype=torch.double)
            h_t2 = torch.zeros(input.size(0), 8, dtype=torch.double)
            c_t2 = torch.zeros(input.size(0), 8, dtype=torch.double)
            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for _i in range(future):
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            return torch.cat(outputs, dim=1)

    input = torch.from_numpy(data[2:, :-1])
    target = torch.from_numpy(data[2:, 1:])
    test_input = torch.from_numpy(data[:2, :-1])
    test_target = torch.from_numpy(data[:2, 1:])
    seq = Sequence()
    seq.double()
    randomize(torch, seq, 12)
    criterion = nn.MSELoss()
    optimizer = torch.optim.LBFGS(seq.parameters(), lr=0.8, max_iter=4)
    losses = []
    for _i in range(3):
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            losses.append(loss.item())
            loss.backward()
            return loss
        optimizer.step(closure)
        with torch.no_grad():
            future = 5
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            losses.append(loss.item())
            y = pred.detach().numpy()
    return losses, y[:, -future:].ravel().tolist(), weights(seq)


def style_transfer(torch):
    """Neural style transfer on a 2x3x12x12 "image": a small conv feature net, ContentLoss and
    StyleLoss modules that record their loss in forward (a gram matrix via view + mm), the net
    rebuilt as an nn.Sequential with the loss modules inserted after chosen layers and trimmed
    after the last one, and the input image optimised with LBFGS, clamped in the closure."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(13)
    content_img = torch.tensor(rng.uniform(0, 1, (1, 3, 12, 12)))
    style_img = torch.tensor(rng.uniform(0, 1, (1, 3, 12, 12)))

    class ContentLoss(nn.Module):
        def __init__(self, target):
            super().__init__()
            self.target = target.detach()

        def forward(self, input):
            self.loss = F.mse_loss(input, self.target)
            return input

    def gram_matrix(input):
        a, b, c, d = input.size()
        features = input.view(a * b, c * d)
        G = torch.mm(features, features.t())
        return G.div(a * b * c * d)

    class StyleLoss(nn.Module):
        def __init__(self, target_feature):
            super().__init__()
            self.target = gram_matrix(target_feature).detach()

        def forward(self, input):
            self.loss = F.mse_loss(gram_matrix(input), self.target)
            return input

    class Normalization(nn.Module):
        def __init__(self, mean, std):
            super().__init__()
            self.mean = torch.tensor(mean).view(-1, 1, 1)
            self.std = torch.tensor(std).view(-1, 1, 1)

        def forward(self, img):
            return (img - self.mean) / self.std

    cnn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True),
                        nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(inplace=True),
                        nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(inplace=True),
                        nn.Conv2d(6, 6, 3, padding=1)).double().eval()
    randomize(torch, cnn, 14)
    normalization = Normalization([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    content_layers, style_layers = ["conv_3"], ["conv_1", "conv_2", "conv_3", "conv_4"]
    content_losses, style_losses = [], []
    model = nn.Sequential(normalization)
    i = 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = f"conv_{i}"
        elif isinstance(layer, nn.ReLU):
            name = f"relu_{i}"
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.MaxPool2d):
            name = f"pool_{i}"
        else:
            raise RuntimeError(f"Unrecognized layer: {layer.__class__.__name__}")
        model.add_module(name, layer)
        if name in content_layers:
            content_loss = ContentLoss(model(content_img).detach())
            model.add_module(f"content_loss_{i}", content_loss)
            content_losses.append(content_loss)
        if name in style_layers:
            style_loss = StyleLoss(model(style_img).detach())
            model.add_module(f"style_loss_{i}", style_loss)
            style_losses.append(style_loss)
    for i in range(len(model) - 1, -1, -1):
        if isinstance(model[i], (ContentLoss, StyleLoss)):
            break
    model = model[:(i + 1)]
    names = [name for name, _ in model.named_children()]
    input_img = content_img.clone()
    input_img.requires_grad_(True)
    model.eval()
    model.requires_grad_(False)
    optimizer = torch.optim.LBFGS([input_img])
    losses = []
    run = [0]
    while run[0] <= 12:
        def closure():
            with torch.no_grad():
                input_img.clamp_(0, 1)
            optimizer.zero_grad()
            model(input_img)
            style_score = sum(sl.loss for sl in style_losses) * 1e4
            content_score = sum(cl.loss for cl in content_losses) * 1.0
            loss = style_score + content_score
            loss.backward()
            run[0] += 1
            losses.extend([style_score.item(), content_score.item()])
            return style_score + content_score
        optimizer.step(closure)
    with torch.no_grad():
        input_img.clamp_(0, 1)
    assert all(p.grad is None for p in cnn.parameters())
    return losses, [len(names)], {"image": input_img.detach().numpy().copy()}


def dcgan(torch):
    """A DCGAN on 8x8 single-channel images: ConvTranspose2d, BatchNorm2d and ReLU in the
    generator, strided Conv2d and LeakyReLU in the discriminator, weights_init applied with
    model.apply by class name, BCELoss with real and fake labels filled in, two Adams with
    betas=(0.5, 0.999), fake.detach() for the discriminator step."""
    nn = torch.nn
    nz, ngf, ndf = 4, 4, 4
    rng = np.random.default_rng(15)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False), nn.Tanh())

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, 1, 2, 1, 0, bias=False), nn.Sigmoid())

        def forward(self, input):
            return self.main(input)

    init_rng = np.random.default_rng(16)

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            with torch.no_grad():
                m.weight.copy_(torch.tensor(init_rng.normal(0.0, 0.02, tuple(m.weight.shape))))
        elif classname.find("BatchNorm") != -1:
            nn.init.constant_(m.weight.data, 1.0)
            nn.init.constant_(m.bias.data, 0)

    netG = Generator().double()
    netG.apply(weights_init)
    netD = Discriminator().double()
    netD.apply(weights_init)
    criterion = nn.BCELoss()
    fixed_noise = torch.tensor(rng.standard_normal((4, nz, 1, 1)))
    real_label, fake_label = 1., 0.
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
    images = np.zeros((16, 1, 8, 8))
    for k in range(16):
        images[k, 0, k % 8, :] = 1.0
        images[k, 0, :, (3 * k) % 8] = 1.0
    images = images * 2 - 1
    losses, d_means = [], []
    for _epoch in range(2):
        for i in range(0, 16, 8):
            real_cpu = torch.tensor(images[i:i + 8])
            b_size = real_cpu.size(0)
            netD.zero_grad()
            label = torch.full((b_size,), real_label, dtype=torch.float64)
            output = netD(real_cpu).view(-1)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()
            noise = torch.tensor(rng.standard_normal((b_size, nz, 1, 1)))
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach()).view(-1)
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()
            netG.zero_grad()
            label.fill_(real_label)
            output = netD(fake).view(-1)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()
            losses += [errD.item(), errG.item()]
            d_means += [D_x, D_G_z1, D_G_z2]
    with torch.no_grad():
        sample = netG(fixed_noise).detach().cpu()
    return losses, d_means + sample.flatten().tolist(), {
        **{"G." + k: v for k, v in weights(netG).items()},
        **{"D." + k: v for k, v in weights(netD).items()}}


def transfer_learning(torch):
    """Fine-tune a "pretrained" backbone: freeze it with requires_grad_(False), replace its
    fc head, optimise only parameters that require grad (filter), StepLR, train/val phases with
    torch.set_grad_enabled, the best weights kept with copy.deepcopy(model.state_dict()),
    saved with torch.save into a buffer, and loaded back."""
    nn = torch.nn
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    rng = np.random.default_rng(17)

    class Backbone(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 3, stride=2, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(6)
            self.relu = nn.ReLU(inplace=True)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(6, 100)

        def forward(self, x):
            x = self.avgpool(self.relu(self.bn1(self.conv1(x))))
            return self.fc(torch.flatten(x, 1))

    model = Backbone().double()
    randomize(torch, model, 18)
    for param in model.parameters():
        param.requires_grad_(False)
    num_ftrs = model.fc.in_features
    model.fc = nn.Linear(num_ftrs, 2).double()
    randomize(torch, model.fc, 19)
    model = model.to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()),
                                lr=0.5, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    X = rng.standard_normal((24, 3, 6, 6))
    y = (X[:, 0].mean(axis=(1, 2)) > X[:, 1].mean(axis=(1, 2))).astype(np.int64)
    X[y == 1, 0] += 0.5
    loaders = {"train": [(torch.tensor(X[i:i + 6]), torch.tensor(y[i:i + 6]))
                         for i in range(0, 18, 6)],
               "val": [(torch.tensor(X[18:]), torch.tensor(y[18:]))]}
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc, losses, accs = 0.0, [], []
    for _epoch in range(4):
        for phase in ["train", "val"]:
            model.train() if phase == "train" else model.eval()
            running_loss, running_corrects, seen = 0.0, 0, 0
            for inputs, labels in loaders[phase]:
                inputs, labels = inputs.to(device), labels.to(device)
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels.data)
                seen += inputs.size(0)
            if phase == "train":
                scheduler.step()
            epoch_loss = running_loss / seen
            epoch_acc = running_corrects.double() / seen
            losses.append(epoch_loss)
            accs.append(epoch_acc.item())
            if phase == "val" and epoch_acc > best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())
    buffer = io.BytesIO()
    torch.save(best_model_wts, buffer)
    buffer.seek(0)
    model.load_state_dict(torch.load(buffer, weights_only=True))
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    return losses, accs + [len(frozen), float(best_acc)], weights(model)


PROGRAMS = [time_sequence, style_transfer, dcgan, transfer_learning]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    same_run(ours, theirs)
