"""Planted answers for the self-checks of chapters 3 and 4: each check passes the notebook's solution and a right
answer written differently, and fails wrong, raising and nan answers with a message that says what to look at."""

import copy
import functools
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from test_exercises_shared import Unreadable, verdict_of
from torch import nn

from aecourse import as_float, mse, predict, psnr
from aecourse.exercises import chapter3, chapter4
from aecourse.metrics import mse_per_image
from aecourse.models import StackedAutoencoder, new_layers
from aecourse.noise import CORRUPTIONS, corrupt, masking_noise


# chapter 3: masking noise -----------------------------------------------------------------------
def mask(x, fraction):  # the notebook's solution
    return x * (torch.rand_like(x) >= fraction)


class Masker:  # a callable object wrapping the chapter's masking_noise
    def __call__(self, x, fraction):
        return masking_noise(x, fraction)


def fixed_seed(x, fraction):
    torch.manual_seed(0)
    return mask(x, fraction)


@pytest.mark.parametrize("answer, ok, words", [
    (mask, True, "drawn anew for every pixel, image and call"),
    (lambda x, f: torch.where(torch.rand_like(x) < f, 0.0, x), True, "Correct"),
    (lambda x, f: x * torch.bernoulli(torch.full_like(x, 1 - f)), True, "Correct"),
    (lambda x, f: torch.from_numpy(x.numpy() * (np.random.rand(*x.shape) >= f)), True, "Correct"),  # float64, NumPy
    (lambda x, f: mask(x, f).flatten(1), True, "Correct"),  # (B, 784): the same numbers
    (lambda x, f: x.mul_(torch.rand_like(x) >= f), False, "in place"),
    (lambda x, f: x * (torch.rand_like(x) < f), False, "the wrong way round"),
    (lambda x, f: x * (torch.rand_like(x[:1]) >= f), False, "every image"),  # one mask for the batch
    (lambda x, f: x * (torch.rand(len(x), 1, 1, 28) >= f), False, "rows or columns"),
    (fixed_seed, False, "every call"),
    (lambda x, f: x * (torch.rand_like(x) >= 0.3), False, "with fraction 0.7"),  # the argument ignored
    (lambda x, f: F.dropout(x, f), False, "stay exactly as they were"),  # kept pixels scaled up
    (lambda x, f: masking_noise(x, f), False, "masking_noise"),
    (lambda x, f: CORRUPTIONS["masking"](x, f), False, "masking_noise"),  # a table lookup
    (Masker(), False, "masking_noise"),  # a callable object
    (functools.partial(corrupt, kind="masking"), False, "corrupt"),
    (lambda x, f: mask(x, f) * float("nan"), False, "mask returned nan"),
    (lambda x, f: x[0, 0, 0, 5 * 28], False, "mask raised IndexError"),
    (lambda x, f: None, False, "mask returned None"),
    (None, False, "pass your function itself, mask"),
])
def test_masking(answer, ok, words, capsys):
    result, out = verdict_of(chapter3.check_masking, answer, capsys=capsys)
    assert result is ok and words in out


def test_checks_leave_the_learners_random_stream_alone(capsys):
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    chapter3.check_masking(fixed_seed)  # even an answer that seeds the generator itself
    chapter3.check_psnr(lambda a, b: psnr(a, b) * 0)
    chapter3.check_dae_loss(sp_loss)
    chapter4.check_classifier(make_classifier, LAYERS)  # builds a head (random weights) three times
    assert torch.equal(torch.rand(3), expected)


# chapter 3: the denoising loss --------------------------------------------------------------------
def sp_loss(model, x):  # the notebook's solution
    return F.binary_cross_entropy(model(corrupt(x, "salt_and_pepper", 0.2)), x)


def own_salt_and_pepper(model, x):  # the noise and the BCE written out, the images flattened
    u = torch.rand_like(x)
    noisy = torch.where(u < 0.1, torch.zeros_like(x), torch.where(u < 0.2, torch.ones_like(x), x))
    out = model(noisy.flatten(1).double()).clamp(1e-7, 1 - 1e-7)
    target = x.flatten(1).double()
    return -(target * out.log() + (1 - target) * (1 - out).log()).mean()


@pytest.mark.parametrize("answer, ok, words", [
    (sp_loss, True, "corrupted images"),
    (own_salt_and_pepper, True, "Correct"),
    (lambda m, x: F.binary_cross_entropy(m(corrupt(x, "masking", 0.2)), x), False, "masking noise"),
    (lambda m, x: F.binary_cross_entropy(m(corrupt(x, "gaussian", 0.2)), x), False, "other than 0 and 1"),
    (lambda m, x: F.binary_cross_entropy(m(corrupt(x, "salt_and_pepper", 0.5)), x), False, "50% of the pixels"),
    (lambda m, x: (lambda n: F.binary_cross_entropy(m(n), n))(corrupt(x, "salt_and_pepper", 0.2)), False, "NOISY"),
    (lambda m, x: F.binary_cross_entropy(m(x), x), False, "never given the corrupted images"),
    (lambda m, x: F.binary_cross_entropy(m(corrupt(x, "salt_and_pepper", 0.2, seed=1)), x), False, "every call"),
    (lambda m, x: sp_loss(m, x).item(), False, "without a gradient"),
    (lambda m, x: F.mse_loss(m(corrupt(x, "salt_and_pepper", 0.2)), x), False, "MSE"),
    (lambda m, x: F.binary_cross_entropy(x, m(corrupt(x, "salt_and_pepper", 0.2))), False, "swapped"),
    (lambda m, x: F.binary_cross_entropy(m(corrupt(x, "salt_and_pepper", 0.2)), x, reduction="sum"), False,
     "summed"),
    (lambda m, x: sp_loss(m, x) * float("nan"), False, "sp_loss returned nan"),
    (lambda m, x: corrupt(x, "pepper", 0.2), False, "sp_loss raised ValueError"),
    (lambda m, x: None, False, "call the model"),
    (None, False, "pass your function itself, sp_loss"),
])
def test_dae_loss(answer, ok, words, capsys):
    result, out = verdict_of(chapter3.check_dae_loss, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 3: PSNR by hand --------------------------------------------------------------------------
def my_psnr(x_hat, x):  # the notebook's solution
    err = (x_hat - x).pow(2).flatten(1).mean(1)  # one MSE per image
    return (10 * torch.log10(1 / err)).mean().item()


class PSNR:  # a callable object wrapping the package's psnr
    def __call__(self, a, b):
        return psnr(a, b)


@pytest.mark.parametrize("answer, ok, words", [
    (my_psnr, True, "on two sets of noisy images"),
    (lambda a, b: np.mean(10 * np.log10(1 / ((a.numpy() - b.numpy()) ** 2).reshape(len(a), -1).mean(1))), True,
     "Correct"),  # NumPy, float64
    (lambda a, b: (-10 * torch.log10((b - a).square().mean(dim=(1, 2, 3)))).mean(), True, "Correct"),  # 0-d tensor
    (lambda a, b: my_psnr(b, a), True, "Correct"),  # the arguments swapped: the same error
    (lambda a, b: (10 * torch.log10(1 / (a - b).pow(2).mean())).item(), False, "PSNR of the mean MSE"),
    (lambda a, b: 2 * my_psnr(a, b), False, "twice the right value"),
    (lambda a, b: len(a) * my_psnr(a, b), False, "summed"),
    (lambda a, b: (10 * torch.log(1 / (a - b).pow(2).flatten(1).mean(1))).mean().item(), False, "log10"),
    (lambda a, b: (10 * torch.log10(1 / (a - b).pow(2).mean(0))).mean().item(), False, "wrong axis"),
    (lambda a, b: 23.0, False, "the right value"),  # a constant: the images are drawn anew on every call
    (lambda a, b: my_psnr(a, torch.zeros_like(a)), False, "the right value"),  # the clean images ignored
    (lambda a, b: psnr(a, b), False, "my_psnr calls the package's psnr"),
    (PSNR(), False, "calls the package's psnr"),
    (lambda a, b: (10 * torch.log10(1 / mse_per_image(a, b))).mean().item(), False, "mse_per_image"),
    (lambda a, b: 10 * torch.log10(1 / (a - b).pow(2).flatten(1).mean(1)), False, "16 numbers"),
    (lambda a, b: (10 * torch.log10(-(a - b).pow(2).flatten(1).mean(1))).mean().item(), False, "returned nan"),
    (lambda a, b: 10 / 0, False, "my_psnr raised ZeroDivisionError: division by zero"),
    (lambda a, b: None, False, "returned None"),
    (24.0, False, "pass your function itself, my_psnr, not its result (got a float)"),
])
def test_psnr(answer, ok, words, capsys):
    result, out = verdict_of(chapter3.check_psnr, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 3: transfer -----------------------------------------------------------------------------
torch.manual_seed(0)
DAE = nn.Sequential(nn.Flatten(), nn.Linear(784, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28))).eval()
X_TEST = torch.rand(50, 1, 28, 28, generator=torch.Generator().manual_seed(0))
RUN = mse(predict(DAE, corrupt(X_TEST, "gaussian", 0.5, seed=1)), X_TEST)  # the chapter's table entry


def mse_on(model, kind, level):  # the notebook's solution
    return mse(predict(model, corrupt(X_TEST, kind, level, seed=1)), X_TEST)


@pytest.mark.parametrize("answer, ok, words", [
    (mse_on, True, "times the"),
    (lambda m, kind, level: F.mse_loss(predict(m, corrupt(X_TEST, kind, level, seed=1)), X_TEST), True, "Correct"),
    (lambda m, kind, level: np.float64(mse_on(m, kind, level)), True, "Correct"),
    (lambda m, kind, level: mse(predict(m, corrupt(X_TEST, kind, level)), X_TEST), False, "seed=1"),
    (lambda m, kind, level: (lambda n: mse(predict(m, n), n))(corrupt(X_TEST, kind, level, seed=1)), False, "NOISY"),
    (lambda m, kind, level: mse_on(m, "gaussian", level), False, "the kind you are given"),
    (lambda m, kind, level: mse_on(m, kind, 0.5), False, "the level you are given"),
    (lambda m, kind, level: mse_on(DAE, kind, level), False, "the model you are given"),
    (lambda m, kind, level: mse_on(m, kind, level) * float("nan"), False, "returned nan"),
    (lambda m, kind, level: corrupt(X_TEST, kind, level * 10), False, "mse_on raised ValueError"),
    (lambda m, kind, level: None, False, "returned None"),
    (None, False, "pass your function itself, mse_on"),
])
def test_transfer(answer, ok, words, capsys):
    result, out = verdict_of(chapter3.check_transfer, answer, DAE, X_TEST, RUN, 0.01, capsys=capsys)
    assert result is ok and words in out


def test_transfer_refuses_a_nan_run(capsys):
    assert "cells above again" in verdict_of(chapter3.check_transfer, mse_on, DAE, X_TEST, float("nan"), 0.01,
                                             capsys=capsys)[1]


# chapter 3: the prediction -------------------------------------------------------------------------
MEASURED = {0.0: 0.14, 0.25: 0.08, 0.5: 0.05, 0.75: 0.034}


@pytest.mark.parametrize("guess, errors, ok, words", [
    (0.75, MEASURED, True, "training at 0.75"), (np.float64(0.75), MEASURED, True, "Correct"),
    (torch.tensor(0.75), MEASURED, True, "Correct"), (3 / 4, MEASURED, True, "Correct"),
    (0.5, MEASURED, False, "the best is 0.75"), (0.0, MEASURED, False, "the best is 0.75"),
    (1.0, MEASURED, False, "one of the training levels"), (None, MEASURED, False, "my_guess is None"),
    (float("nan"), MEASURED, False, "my_guess is nan"), ("0.75", MEASURED, False, "the text"),
    (Unreadable(), MEASURED, False, "not a number"), (0.75, {**MEASURED, 0.5: float("nan")}, False, "cells above"),
])
def test_chapter_3_prediction(guess, errors, ok, words, capsys):
    result, out = verdict_of(chapter3.check_prediction, guess, errors, capsys=capsys)
    assert result is ok and words in out


# chapter 4: accuracy ---------------------------------------------------------------------------------
torch.manual_seed(0)
MODEL = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
DATA = SimpleNamespace(x_test=(torch.rand(200, 1, 28, 28) * 255).to(torch.uint8),
                       y_test=torch.randint(0, 10, (200,), device="cpu"))
FIXED = (predict(MODEL, DATA.x_test).argmax(1) == DATA.y_test).float().mean().item()


def accuracy(model, x, y):  # the chapter's function, as the notebook names it
    return (predict(model, x).argmax(1) == y).float().mean().item()


def my_accuracy(model, x, y):  # the notebook's solution
    return (predict(model, x).argmax(1) == y).float().mean().item()


class Accuracy:  # a callable object wrapping the chapter's accuracy
    def __call__(self, model, x, y):
        return accuracy(model, x, y)


def without_predict(model, x, y):  # batches of its own, no gradients, NumPy at the end
    with torch.no_grad():
        hits = sum((model(as_float(x[i:i + 64])).argmax(dim=-1) == y[i:i + 64]).sum().item()
                   for i in range(0, len(x), 64))
    return np.float64(hits / len(y))


@pytest.mark.parametrize("answer, ok, words", [
    (my_accuracy, True, "the chapter's accuracy"),
    (without_predict, True, "Correct"),
    (lambda m, x, y: (predict(m, x).argmax(1) == y).double().mean(), True, "Correct"),  # a 0-d float64 tensor
    (lambda m, x, y: 100 * my_accuracy(m, x, y), False, "percentage"),
    (lambda m, x, y: 1 - my_accuracy(m, x, y), False, "error rate"),
    (lambda m, x, y: (predict(m, x).argmax(1) == y).sum().item(), False, "number of right answers"),
    (lambda m, x, y: (predict(m, x).argmax(0) == y).float().mean().item(), False, "my_accuracy raised RuntimeError"),
    (lambda m, x, y: my_accuracy(MODEL, x, y), False, "use the model, images and labels you are given"),
    (lambda m, x, y: FIXED, False, "on the first 100 test images"),  # a number worked out once
    (lambda m, x, y: accuracy(m, x, y), False, "my_accuracy calls the chapter's accuracy"),
    (Accuracy(), False, "calls the chapter's accuracy"),
    (lambda m, x, y: my_accuracy(m, x, y) * float("nan"), False, "returned nan"),
    (lambda m, x, y: None, False, "returned None"),
    (None, False, "pass your function itself, my_accuracy"),
])
def test_accuracy(answer, ok, words, capsys):
    result, out = verdict_of(chapter4.check_accuracy, answer, MODEL, DATA, capsys=capsys)
    assert result is ok and words in out


# chapter 4: the classifier ----------------------------------------------------------------------------
SIZES = [784, 16, 4]
torch.manual_seed(0)
LAYERS = new_layers(SIZES)
COPIED = copy.deepcopy(LAYERS)  # one copy, made once


def classifier(layers):  # the chapter's function, as the notebook names it
    return nn.Sequential(StackedAutoencoder(copy.deepcopy(layers)).encoder, nn.Linear(4, 10))


def make_classifier(layers):  # the notebook's solution
    encoder = StackedAutoencoder(copy.deepcopy(layers)).encoder
    return nn.Sequential(encoder, nn.Linear(SIZES[-1], 10))


class Classifier(nn.Module):  # another way to write it
    def __init__(self, layers):
        super().__init__()
        self.encoders = nn.ModuleList(copy.deepcopy(layer.encoder) for layer in layers)
        self.head = nn.Linear(4, 10)

    def forward(self, x):
        h = x.reshape(len(x), -1)
        for encoder in self.encoders:
            h = encoder(h)
        return self.head(h)


class Nan(nn.Module):
    def forward(self, x):
        return x * float("nan")


def frozen_everything(layers):
    return make_classifier(layers).requires_grad_(False)


@pytest.mark.parametrize("answer, ok, words", [
    (make_classifier, True, "copies of the pretrained encoders"),
    (Classifier, True, "Correct"),
    (lambda ls: nn.Sequential(nn.Flatten(), *[copy.deepcopy(layer.encoder) for layer in ls], nn.Linear(4, 10)), True,
     "Correct"),
    (lambda ls: nn.Sequential(StackedAutoencoder(ls).encoder, nn.Linear(4, 10)), False, "shares its weights"),
    (lambda ls: nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 4), nn.Linear(4, 10)),
     False, "does not start from the pretrained weights"),
    (lambda ls: nn.Sequential(StackedAutoencoder(COPIED).encoder, nn.Linear(4, 10)), False, "two calls"),
    (lambda ls: make_classifier(LAYERS), False, "ignores the layers it is given"),
    (lambda ls: classifier(ls), False, "calls the chapter's classifier"),
    (lambda ls: nn.Sequential(StackedAutoencoder(copy.deepcopy(ls)).encoder, nn.Linear(4, 5)), False, "10 scores"),
    (frozen_everything, False, "no gradient"),
    (lambda ls: nn.Sequential(make_classifier(ls), Nan()), False, "the network returned nan"),
    (lambda ls: nn.Sequential(StackedAutoencoder(copy.deepcopy(ls)).encoder, nn.Linear(5, 10)), False,
     "the network raised RuntimeError"),
    (lambda ls: ls[5], False, "make_classifier raised IndexError"),
    (lambda ls: make_classifier, False, "should return a network"),
    (lambda ls: None, False, "returned None"),
    (None, False, "pass your function itself, make_classifier"),
])
def test_classifier(answer, ok, words, capsys):
    before = [p.detach().clone() for layer in LAYERS for p in layer.parameters()]
    result, out = verdict_of(chapter4.check_classifier, answer, LAYERS, capsys=capsys)
    assert result is ok and words in out
    after = [p.detach() for layer in LAYERS for p in layer.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True)), "the pretrained layers are left alone"


# chapter 4: freezing the encoder -----------------------------------------------------------------------
def freeze(model):  # the notebook's solution
    for p in model[0].parameters():
        p.requires_grad_(False)


def detach_encoder(model):  # stops the gradients another way: the encoder's output is detached
    model[0].register_forward_hook(lambda module, inputs, output: output.detach())


def frozen_copy(model):
    model = copy.deepcopy(model)
    freeze(model)
    return model


def all_then_head(model):
    model.requires_grad_(False)
    model[1].requires_grad_(True)
    return model


@pytest.mark.parametrize("answer, ok, words", [
    (freeze, True, "encoder parameters frozen"),
    (lambda m: m[0].requires_grad_(False), True, "Correct"),  # returns model[0]: what counts is the model given
    (detach_encoder, True, "Correct"),
    (all_then_head, True, "Correct"),
    (lambda m: m[0].eval(), False, "eval() does not stop the gradients"),
    (lambda m: m[1].requires_grad_(False), False, "still get gradients"),  # the head frozen instead
    (lambda m: m.requires_grad_(False), False, "the head (model[1]) should stay trainable"),
    (lambda m: None, False, "still get gradients"),  # the exercise cell's placeholder: nothing frozen
    (frozen_copy, False, "frozen copy"),
    (lambda m: m[2].requires_grad_(False), False, "freeze raised IndexError"),
    (lambda m: freeze(m) or m[1].bias.data.fill_(float("nan")), False, "the model returned nan"),
    (lambda m: m[1].weight.register_hook(lambda grad: 1 / 0), False, "backward pass raised ZeroDivisionError"),
    (None, False, "pass your function itself, freeze"),
])
def test_frozen(answer, ok, words, capsys):
    model = classifier(LAYERS)
    result, out = verdict_of(chapter4.check_frozen, answer, model, capsys=capsys)
    assert result is ok and words in out
    assert all(p.grad is None for p in model.parameters()), "the check's own backward pass leaves no gradients"


# chapter 4: the prediction -----------------------------------------------------------------------------
ACCURACIES = {"network": 0.695, "pixels": np.float64(0.773)}


@pytest.mark.parametrize("guess, accuracies, ok, words", [
    ("pixels", ACCURACIES, True, "'pixels' is ahead"), (" Pixels", ACCURACIES, True, "Correct"),
    (np.str_("pixels"), ACCURACIES, True, "Correct"),
    ("network", ACCURACIES, False, "'pixels' is ahead"), ("pixel", ACCURACIES, False, "one of 'network'"),
    (None, ACCURACIES, False, "got None"), (float("nan"), ACCURACIES, False, "got nan"),
    (["pixels"], ACCURACIES, False, "got ['pixels']"),
    ("pixels", {"network": float("nan"), "pixels": 0.7}, False, "cells above again"),
])
def test_chapter_4_prediction(guess, accuracies, ok, words, capsys):
    result, out = verdict_of(chapter4.check_prediction, guess, accuracies, capsys=capsys)
    assert result is ok and words in out


# chapter 4: the nearest class mean ---------------------------------------------------------------------
def nearest_mean(z_labelled, y_labelled, z):  # the notebook's solution
    means = torch.stack([z_labelled[y_labelled == c].mean(0) for c in range(10)])
    return torch.cdist(z, means).argmin(1)


def nearest_mean_numpy(z_labelled, y_labelled, z):  # squared distances, NumPy, a list of ints
    zl, yl, zq = z_labelled.numpy().astype(np.float64), y_labelled.numpy(), z.numpy()
    means = np.stack([zl[yl == c].mean(0) for c in range(10)])
    return [int(i) for i in ((zq[:, None, :] - means[None]) ** 2).sum(-1).argmin(1)]


def first_ten(z_labelled, y_labelled, z):  # the first code of each digit, not the mean
    means = torch.stack([z_labelled[y_labelled == c][0] for c in range(10)])
    return torch.cdist(z, means).argmin(1)


def means_of(z_labelled, y_labelled):
    return torch.stack([z_labelled[y_labelled == c].mean(0) for c in range(10)])


@pytest.mark.parametrize("answer, ok, words", [
    (nearest_mean, True, "nearest mean"),
    (nearest_mean_numpy, True, "Correct"),
    (lambda zl, yl, z: nearest_mean(zl, yl, z).float().unsqueeze(1), True, "Correct"),  # (n, 1) floats
    (lambda zl, yl, z: torch.cdist(z, means_of(zl, yl)).argmax(1), False, "farthest"),
    (lambda zl, yl, z: (z @ means_of(zl, yl).T).argmax(1), False, "dot product"),
    (lambda zl, yl, z: F.cosine_similarity(z[:, None], means_of(zl, yl)[None], dim=2).argmax(1), False, "cosine"),
    (first_ten, False, "agree with the nearest mean"),
    (lambda zl, yl, z: torch.cdist(z, means_of(zl, yl)), False, "argmin over the 10 distances"),  # distances
    (lambda zl, yl, z: torch.cdist(z, means_of(zl, yl)).argmin(1) / 2, False, "not all digits"),
    (lambda zl, yl, z: nearest_mean(zl, yl, z)[:100], False, "one digit (0-9) per row of z"),
    (lambda zl, yl, z: nearest_mean(zl, yl, z) * float("nan"), False, "returned nan"),
    (lambda zl, yl, z: zl[:, 99], False, "nearest_mean raised IndexError"),
    (lambda zl, yl, z: None, False, "nearest_mean returned None"),
    (nearest_mean(torch.zeros(10, 2), torch.arange(10), torch.zeros(3, 2)), False, "not its result"),
])
def test_nearest_mean(answer, ok, words, capsys):
    result, out = verdict_of(chapter4.check_nearest_mean, answer, capsys=capsys)
    assert result is ok and words in out, out


# chapter 4: the confident images of self-training --------------------------------------------------------
def confident(probs, per_class):  # the notebook's solution
    top = probs.topk(per_class, dim=0).indices  # (per_class, 10)
    return top.flatten(), torch.arange(10).repeat(per_class)


def confident_loop(probs, per_class):  # one digit at a time, NumPy, lists
    idx, labels = [], []
    for c in range(10):
        best = np.argsort(-probs[:, c].numpy())[:per_class]
        idx += best.tolist()
        labels += [c] * per_class
    return np.array(idx), labels


@pytest.mark.parametrize("answer, ok, words", [
    (confident, True, "surest"),
    (confident_loop, True, "Correct"),
    (lambda p, k: (confident(p, k)[0].double(), confident(p, k)[1].double()), True, "Correct"),  # float64
    (lambda p, k: (confident(p, k)[0], torch.arange(10).repeat_interleave(k)), False, "do not go with them"),
    (lambda p, k: (p.topk(k, dim=0, largest=False).indices.flatten(), torch.arange(10).repeat(k)), False,
     "least confident"),
    (lambda p, k: (p.max(1).values.topk(10 * k).indices, p[p.max(1).values.topk(10 * k).indices].argmax(1)),
     False, "each digit should get"),  # the surest overall
    (lambda p, k: (p.topk(5, dim=0).indices.flatten(), torch.arange(10).repeat(5)), False, "7 a digit, 70 in all"),
    (lambda p, k: (p.topk(k, dim=0).indices.flatten() / 2, torch.arange(10).repeat(k)), False, "whole numbers"),
    (lambda p, k: confident(p, k)[0], False, "not two things"), (lambda p, k: None, False, "returned None, not two"),
    (lambda p, k: (confident(p, k)[0] * float("nan"), confident(p, k)[1]), False, "nan"),
    (lambda p, k: p.topk(k, dim=2), False, "confident raised IndexError"),
    (lambda p, k: (None, None), False, "the indices are None"),
    (None, False, "pass your function itself, confident"),
])
def test_confident(answer, ok, words, capsys):
    result, out = verdict_of(chapter4.check_confident, answer, capsys=capsys)
    assert result is ok and words in out, out


# chapter 3: noise of a level drawn for every image ---------------------------------------------------------
def random_level_noise(x, max_level):  # the notebook's solution
    level = max_level * torch.rand(len(x), 1, 1, 1, device=x.device)
    return (x + level * torch.randn_like(x)).clamp(0, 1)


def random_level_numpy(x, max_level):  # NumPy, float64, the levels as a column, (B, 784)
    flat = x.numpy().reshape(len(x), -1).astype(np.float64)
    level = np.random.uniform(0, max_level, size=(len(x), 1))
    return np.clip(flat + level * np.random.randn(*flat.shape), 0, 1)


def seeded_inside(x, max_level):
    torch.manual_seed(0)
    return random_level_noise(x, max_level)


def in_place(x, max_level):
    level = max_level * torch.rand(len(x), 1, 1, 1)
    return x.add_(level * torch.randn_like(x)).clamp_(0, 1)


@pytest.mark.parametrize("answer, ok, words", [
    (random_level_noise, True, "one level per image"),
    (random_level_numpy, True, "Correct"),
    (lambda x, m: CORRUPTIONS["gaussian"](x, m * torch.rand(len(x), 1, 1, 1)), True, "Correct"),  # the package's
    (lambda x, m: (x + m * torch.rand(1) * torch.randn_like(x)).clamp(0, 1), False, "same spread"),  # the batch
    (lambda x, m: (x + m * torch.rand_like(x) * torch.randn_like(x)).clamp(0, 1), False, "same spread"),  # pixels
    (lambda x, m: random_level_noise(x, 0.5), False, "Scale the draw"),  # the argument ignored
    (lambda x, m: (x + m * (0.25 + 0.5 * (torch.rand(len(x), 1, 1, 1) > 0.5)) * torch.randn_like(x)).clamp(0, 1),
     False, "not spread evenly"),  # two levels, m / 4 and 3 m / 4
    (lambda x, m: (x + m * torch.rand(len(x), 1, 1, 1) * 3 ** 0.5 * (2 * torch.rand_like(x) - 1)).clamp(0, 1),
     False, "not Gaussian"),  # uniform noise of the same spread
    (lambda x, m: x + m * torch.rand(len(x), 1, 1, 1) * torch.randn_like(x), False, "clamp them"),
    (seeded_inside, False, "two calls gave the same noise"),
    (in_place, False, "changed the images"),
    (lambda x, m: random_level_noise(x, m) * float("nan"), False, "returned nan"),
    (lambda x, m: random_level_noise(x[0], m), False, "shape"),
    (lambda x, m: x.view(3, -1), False, "random_level_noise raised RuntimeError"),
    (lambda x, m: None, False, "returned None"),
    (None, False, "pass your function itself, random_level_noise"),
])
def test_random_level(answer, ok, words, capsys):
    result, out = verdict_of(chapter3.check_random_level, answer, capsys=capsys)
    assert result is ok and words in out, out
