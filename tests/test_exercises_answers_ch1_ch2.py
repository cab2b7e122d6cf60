"""Planted answers for the self-checks of chapters 1 and 2: each check passes the notebook's solution and a right
answer written differently, and fails wrong, raising and nan answers with a message that says what to look at."""

import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from test_exercises_ch1_ch2 import LinearAE, _pca_as_linear_ae, budget_runs  # noqa: F401 (a fixture)
from test_exercises_shared import Unreadable, verdict_of
from torch import nn

from aecourse import PCA, as_float, mse, predict
from aecourse.exercises import chapter2
from aecourse.exercises.chapter1 import (
    check_bce,
    check_linear_autoencoder,
    check_n_params,
    check_noise_prediction,
    check_pca_match,
)
from aecourse.exercises.chapter2 import (
    check_layer_probes,
    check_probe_prediction,
    check_rounded_accuracy,
    check_short_budget,
    check_stack_encoder,
)
from aecourse.losses import bce_loss
from aecourse.metrics import linear_probe
from aecourse.models import Autoencoder, StackedAutoencoder, new_layers

SIZES = lambda d: [(784, 256), (256, 64), (64, d), (d, 64), (64, 256), (256, 784)]  # noqa: E731


def n_params(latent_dim):  # the notebook's solution
    layers = [(784, 256), (256, 64), (64, latent_dim), (latent_dim, 64),
              (64, 256), (256, 784)]
    return sum(m * n + n for m, n in layers)


TABLE = {d: n_params(d) for d in (2, 7, 32)}
BUILT = Autoencoder(7)  # the answers for the latent sizes a learner can see the check use


@pytest.mark.parametrize("answer, ok, words", [
    (n_params, True, "129"),
    (lambda d: np.int64(n_params(d)), True, "Correct"),
    (lambda d: float(129 * d + n_params(0)), True, "Correct"),  # another formula, as a float
    (lambda d: torch.tensor(n_params(d)), True, "Correct"),
    (lambda d: sum(m * n for m, n in SIZES(d)), False, "biases"),
    (lambda d: TABLE[d], False, "KeyError"),  # a table of the sizes the check is known to try
    (lambda d: TABLE.get(d), False, "returned None"),
    (lambda d: 439_728, False, "off by"),  # a constant
    (lambda d: sum(p.numel() for p in nn.Linear(784, 256).parameters()) * 0 + n_params(d), False, "builds a model"),
    (lambda d: sum(m.weight.numel() + m.bias.numel() for m in BUILT.modules() if isinstance(m, nn.Linear))
     + 129 * (d - 7), False, "Module.modules"),  # reads a model built before the check
    (lambda d: BUILT.encoder[1].weight.numel() * 0 + n_params(d), False, "Module.__getattr__"),
    (lambda d: 1 / 0, False, "n_params raised ZeroDivisionError"),
    (lambda d: float("nan"), False, "returned nan"),
    (lambda d: n_params(d) + 0.5, False, "returned 435858.5, not a whole number"),
    (lambda d: None, False, "returned None"),
    (None, False, "pass your function itself, n_params"),
], ids=lambda v: "" if callable(v) or v is None else str(v))
def test_n_params(answer, ok, words, capsys):
    result, out = verdict_of(check_n_params, answer, capsys=capsys)
    assert result is ok and words in out


def bce(x_hat, x, eps=1e-7):  # the notebook's solution
    x_hat = x_hat.clamp(eps, 1 - eps)  # log(0) would give -inf
    return -(x * torch.log(x_hat) + (1 - x) * torch.log(1 - x_hat)).mean()


def bce_per_image_flat(x_hat, x):  # another formula: per image over flattened pixels, then the mean
    a, b = x_hat.flatten(1).double().clamp(1e-6, 1 - 1e-6), x.flatten(1).double()
    return float(-(b * a.log() + (1 - b) * torch.log1p(-a)).mean(1).mean())


@pytest.mark.parametrize("answer, ok, words", [
    (bce, True, "matches PyTorch"),
    (bce_per_image_flat, True, "Correct"),  # float64, flatten(1), a Python float
    (lambda a, b: np.float64(bce(a, b).item()), True, "Correct"),
    (lambda a, b: -bce(a, b), False, "sign is flipped"),
    (lambda a, b: bce(a, b) * 784, False, "summed over the 784 pixels"),
    (lambda a, b: bce(a, b) * a.numel(), False, "summed over every pixel"),
    (lambda a, b: bce(b, a), False, "arguments are swapped"),
    (lambda a, b: -(b * a.clamp_min(1e-7).log()).mean(), False, "(1 - x) log(1 - x_hat) term is missing"),
    (lambda a, b: -(b * a.log() + (1 - b) * (1 - b).clamp_min(1e-7).log()).mean(), False, "log of the wrong thing"),
    (lambda a, b: bce(a, b) / np.log(10), False, "log10"),
    (lambda a, b: bce(a, b) * 1.01, False, "1.0% above PyTorch's"),  # what differs, said plainly
    (lambda a, b: bce(a, a), False, "PyTorch's"),  # the target ignored
    (lambda a, b: -(b * torch.log(a) + (1 - b) * torch.log(1 - a)).mean(), False, "Clamp"),  # nan at 0 and 1
    (lambda a, b: torch.tensor(0.9), False, "Not yet"),  # a constant: the images are drawn anew on every call
    (lambda a, b: F.binary_cross_entropy_with_logits(torch.logit(a), b), False, "binary_cross_entropy_with_logits"),
    (lambda a, b: nn.BCEWithLogitsLoss()(torch.logit(a, eps=1e-7), b), False, "calls PyTorch's"),
    (lambda a, b: bce_loss(lambda _: a, b), False, "calls PyTorch's"),  # the package's loss, wrapped
    (lambda a, b: -(b * torch.log(a) + (1 - b) * torch.log(1 - a)), False, "3,136 numbers"),  # no mean
    (lambda a, b: torch.log(-a).mean(), False, "returned nan"),
    (lambda a, b: 1 / 0, False, "bce raised ZeroDivisionError"),
    (lambda a, b: None, False, "returned None"),
    (None, False, "pass your function itself"),
])
def test_bce(answer, ok, words, capsys):
    result, out = verdict_of(check_bce, answer, capsys=capsys)
    assert result is ok and words in out


def test_bce_does_not_print_a_number_to_copy_and_changes_its_images(capsys):
    check_bce(lambda a, b: torch.tensor(1.0))
    assert "PyTorch gives" not in capsys.readouterr().out  # only how far off, never the value itself
    values = []
    check_bce(lambda a, b: values.append(a.sum().item()) or bce(a, b))
    check_bce(lambda a, b: values.append(a.sum().item()) or bce(a, b))
    assert values[0] != values[4], "fresh images on every call"


# chapter 1: PCA against the autoencoder ---------------------------------------------------------
@pytest.fixture(scope="module")
def pca_case():
    torch.manual_seed(0)
    x = torch.rand(60, 28, 28)
    errs = {k: mse(PCA(k).fit(x)(x), as_float(x)) for k in range(1, 8)}
    return x, (errs[4] + errs[5]) / 2  # between 4 and 5 components: the answer is 5


@pytest.mark.parametrize("k, ok, words", [
    (5, True, "5 components"), (np.int64(5), True, "Correct"), (torch.tensor(5), True, "Correct"),
    (5.0, True, "Correct"),
    (4, False, "more components"), (6, False, "smallest k"), (784, False, "smallest k"), (0, False, "between 1"),
    (None, False, "k is None"), (float("nan"), False, "k is nan"), (5.5, False, "not a whole number"),
    (True, False, "yes/no"), ("5", False, "the text"), (Unreadable(), False, "not a number"),
    (torch.tensor([5, 6]), False, "2 numbers"),
])
def test_pca_match(pca_case, k, ok, words, capsys):
    x, target = pca_case
    result, out = verdict_of(check_pca_match, k, x, x, target, capsys=capsys)
    assert result is ok and words in out


def test_pca_match_accepts_the_notebooks_loop_and_refuses_a_nan_run(pca_case, capsys):
    x, target = pca_case
    x_test = as_float(x)
    k = 1
    while mse(PCA(k).fit(x)(x), x_test) > target:  # the notebook's solution
        k += 1
    assert verdict_of(check_pca_match, k, x, x, target, capsys=capsys)[0]
    assert "run the chapter's cells above again" in verdict_of(check_pca_match, 5, x, x, float("nan"),
                                                                capsys=capsys)[1]


# chapter 1: the linear autoencoder -------------------------------------------------------------------
@pytest.fixture(scope="module")
def linear_case():
    g = torch.Generator().manual_seed(0)
    basis = torch.rand(10, 784, generator=g)
    x = (torch.rand(200, 10, generator=g) @ basis / 5).clamp(0, 1).reshape(-1, 1, 28, 28)
    pca = PCA(8).fit(x)
    return x, pca, mse(pca(x), as_float(x))


class Flat(nn.Module):
    """The PCA-set linear autoencoder, returning (B, 784): the same numbers as (B, 1, 28, 28)."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x).flatten(1)


class Raising(LinearAE):
    def forward(self, x):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")


def _nan_weights(model):
    with torch.no_grad():
        next(model.parameters()).fill_(float("nan"))
    return model


@pytest.mark.parametrize("make, ok, words", [
    (lambda pca: _pca_as_linear_ae(pca), True, "Six linear layers"),
    (lambda pca: Flat(_pca_as_linear_ae(pca)), True, "Correct"),  # (B, 784) outputs
    (lambda pca: _pca_as_linear_ae(pca).double(), True, "Correct"),  # float64 weights
    (lambda pca: _nan_weights(_pca_as_linear_ae(pca)), False, "nan"),
    (lambda pca: LinearAE(), False, "train it"),
    (lambda pca: pca, False, "nn.Module"),
    (lambda pca: Raising(), False, "linear_ae raised RuntimeError"),
    (lambda pca: None, False, "NoneType"),
])
def test_linear_autoencoder(linear_case, make, ok, words, capsys):
    x, pca, pca_mse = linear_case
    torch.manual_seed(0)
    result, out = verdict_of(check_linear_autoencoder, make(pca), x, pca_mse, capsys=capsys)
    assert result is ok and words in out


# chapter 1: the noise prediction ---------------------------------------------------------------------
@pytest.mark.parametrize("choice, clean, noisy, ok, words", [
    ("b", 0.010, 0.021, True, "2.10 times"), (" B ", 0.010, 0.021, True, "Correct"),
    (np.str_("b"), 0.010, 0.021, True, "Correct"),
    ("a", 0.010, 0.021, False, "you predicted"), ("c", 0.010, 0.021, False, "you predicted"),
    (None, 0.010, 0.021, False, "one of 'a'"), (float("nan"), 0.010, 0.021, False, "got nan"),
    (["b"], 0.010, 0.021, False, "got ['b']"),  # unhashable: this used to raise TypeError
    ("b", 0.010, float("nan"), False, "run the chapter's cells above again"),
    ("b", np.float64(0.010), torch.tensor(0.021), True, "Correct"),  # the run's numbers in other forms
])
def test_noise_prediction(choice, clean, noisy, ok, words, capsys):
    result, out = verdict_of(check_noise_prediction, choice, clean, noisy, capsys=capsys)
    assert result is ok and words in out


# chapter 2: the rounded-pixel score ------------------------------------------------------------------
@pytest.fixture(scope="module")
def x_test():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(50, 1, 28, 28, generator=g)
    return torch.where(x < 0.4, torch.zeros_like(x), x)  # 40% background, 10% grey below 0.5


@pytest.mark.parametrize("score, ok, words", [
    (lambda x: (x == 0).float().mean().item(), True, "background"),  # the notebook's solution
    (lambda x: np.float64((x.numpy() == 0).mean()), True, "Correct"),
    (lambda x: (x == 0).sum() / x.numel(), True, "Correct"),  # a 0-d tensor
    (lambda x: 100 * (x == 0).float().mean().item(), False, "percentage"),
    (lambda x: (x != 0).float().mean().item(), False, "NOT zero"),
    (lambda x: (x.round() == 0).float().mean().item(), False, "below 0.5"),
    (lambda x: (x[0] == 0).float().mean().item() + 0.01, False, "the right share"),
    (lambda x: 0.6, False, "Not yet"),
    (lambda x: None, False, "score is None"),
    (lambda x: float("nan"), False, "score is nan"),
    (lambda x: Unreadable(), False, "not a number"),
])
def test_rounded_accuracy(x_test, score, ok, words, capsys):
    result, out = verdict_of(check_rounded_accuracy, score(x_test), x_test, capsys=capsys)
    assert result is ok and words in out


def test_rounded_accuracy_reads_uint8_images_too(x_test, capsys):
    pixels = (x_test * 255).round().to(torch.uint8).reshape(-1, 28, 28)  # data.x_test as the data holds it
    assert verdict_of(check_rounded_accuracy, (pixels == 0).float().mean().item(), pixels, capsys=capsys)[0]


# chapter 2: encoding through the layers -------------------------------------------------------------
LAYERS = new_layers([784, 16, 4])  # untrained: the check needs no training
STACK = StackedAutoencoder(LAYERS)  # built before the answer runs, sharing the layers
ENCODER = StackedAutoencoder(LAYERS).encoder
COPY = StackedAutoencoder(copy.deepcopy(LAYERS)).encoder


def encode(x):  # the notebook's solution
    h = x.flatten(1)
    for layer in LAYERS:
        h = layer.encoder(h)
    return h


@pytest.mark.parametrize("answer, ok, words", [
    (encode, True, "the same codes"),
    (lambda x: LAYERS[1].encoder(LAYERS[0].encoder(x.reshape(len(x), -1).double().float())).numpy(), True,
     "Correct"),  # NumPy codes, another way to flatten
    (lambda x: encode(x).unsqueeze(1), True, "Correct"),  # (B, 1, 4): the same numbers
    (lambda x: STACK.encoder(x), False, "stack"),  # a stack built before the call
    (lambda x: ENCODER(x), False, "stack"),  # its encoder alone, built before the call
    (lambda x: StackedAutoencoder(LAYERS).encoder(x), False, "stack"),  # built during the call
    (lambda x: nn.Sequential(*[layer.encoder for layer in LAYERS])(x.flatten(1)), False, "stack"),
    (lambda x: COPY(x), False, "copy of the layers"),
    (lambda x: LAYERS[0].encoder(x.flatten(1)), False, "shape"),  # the first layer only
    (lambda x: LAYERS[0].encoder(x.flatten(1))[:, :4], False, "wrong values"),
    (lambda x: LAYERS[1].encoder(LAYERS[0].encoder(x)), False, "encode raised RuntimeError"),  # not flattened
    (lambda x: encode(x) * float("nan"), False, "returned nan"),
    (lambda x: None, False, "returned None"),
    (None, False, "pass your function itself, encode"),
])
def test_stack_encoder(answer, ok, words, capsys):
    x = torch.rand(70, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    before = [p.detach().clone() for layer in LAYERS for p in layer.parameters()]
    result, out = verdict_of(check_stack_encoder, answer, LAYERS, x, capsys=capsys)
    assert result is ok and words in out
    assert all(torch.equal(a, b) for a, b in zip(before, (p for layer in LAYERS for p in layer.parameters()),
                                                 strict=True)), "the check puts the layers back"


# chapter 2: per-layer probes -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def probe_case():
    g = torch.Generator().manual_seed(0)
    prototypes = torch.rand(10, 784, generator=g)

    def draw(n):
        y = torch.arange(n) % 10
        x = (prototypes[y] * 0.3 + torch.rand(n, 784, generator=g) * 0.8).clamp(0, 1)
        return (x * 255).to(torch.uint8).reshape(n, 28, 28), y

    torch.manual_seed(0)
    encoder = nn.Sequential(nn.Flatten(), nn.Sequential(nn.Linear(784, 32), nn.Sigmoid()),
                            nn.Sequential(nn.Linear(32, 4), nn.Sigmoid()), nn.Linear(4, 2))
    (x_train, y_train), (x_test, y_test) = draw(200), draw(100)
    data = SimpleNamespace(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    acc = {k: linear_probe(predict(encoder[:k + 1], data.x_train), data.y_train,  # the notebook's solution
                           predict(encoder[:k + 1], data.x_test), data.y_test)
           for k in (1, 2, 3)}
    return encoder, data, acc


PROBES = {}


@pytest.fixture
def fast_probe(monkeypatch):
    """The check's probes, remembered by their inputs (each takes about a second; the tests plant many answers)."""
    def probe(z_train, y_train, z_test, y_test):
        key = (tuple(z_train.shape), round(z_train.double().sum().item(), 3), round(z_test.double().sum().item(), 3))
        if key not in PROBES:
            PROBES[key] = linear_probe(z_train, y_train, z_test, y_test)
        return PROBES[key]

    monkeypatch.setattr(chapter2, "linear_probe", probe)


@pytest.mark.parametrize("answer, ok, words", [
    (lambda acc: acc, True, "each layer's probe accuracy matches"),
    (lambda acc: [acc[1], acc[2], acc[3]], True, "Correct"),  # a list, layer 1 first
    (lambda acc: {np.int64(k): np.float32(v) for k, v in acc.items()}, True, "Correct"),
    (lambda acc: {str(k): torch.tensor(v) for k, v in acc.items()}, True, "Correct"),
    (lambda acc: {k: acc[k] - 0.01 for k in acc}, True, "Correct"),  # one test image off: the probe's own noise
    (lambda acc: {k: acc[1] for k in acc}, False, "one number"),
    (lambda acc: {1: acc[3], 2: acc[2], 3: acc[1]}, False, "which is layer 3's"),
    (lambda acc: {k: acc[k] - 0.04 for k in acc}, False, "below the probe's accuracy"),
    (lambda acc: {k: 100 * v for k, v in acc.items()}, False, "percentages"),
    (lambda acc: {1: acc[1], 2: acc[2]}, False, "keys 1, 2, 3"),
    (lambda acc: {1: acc[1], 2: float("nan"), 3: acc[3]}, False, "acc[2] is nan"),
    (lambda acc: {1: acc[1], 2: Unreadable(), 3: acc[3]}, False, "not a number"),
    (lambda acc: None, False, "keys 1, 2, 3"),
])
def test_layer_probes(probe_case, fast_probe, answer, ok, words, capsys):
    encoder, data, acc = probe_case
    assert acc[1] - acc[2] > 0.05 and acc[2] - acc[3] > 0.05, "the layers' accuracies are apart"
    result, out = verdict_of(check_layer_probes, answer(acc), encoder, data, capsys=capsys)
    assert result is ok and words in out


def test_layer_probes_allow_for_the_probes_own_spread(monkeypatch, capsys):
    """Where a second start of the probe lands elsewhere, an answer as far off as that start passes, and no further."""
    base = {16: 0.9, 8: 0.85, 4: 0.8}  # the layers' accuracies, by code width

    def probe(z_train, y_train, z_test, y_test):
        return base[z_train.shape[1]] + (0.005 if torch.initial_seed() >= 10 else 0.0)  # the check seeds k, 10 + k

    monkeypatch.setattr(chapter2, "linear_probe", probe)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.Linear(16, 8), nn.Linear(8, 4))
    data = SimpleNamespace(x_train=torch.zeros(10, 1, 28, 28), y_train=torch.zeros(10, dtype=torch.long),
                           x_test=torch.zeros(2000, 1, 28, 28), y_test=torch.zeros(2000, dtype=torch.long))
    assert verdict_of(check_layer_probes, {1: 0.905, 2: 0.855, 3: 0.8}, encoder, data, capsys=capsys)[0]
    assert not verdict_of(check_layer_probes, {1: 0.91, 2: 0.85, 3: 0.8}, encoder, data, capsys=capsys)[0]


# chapter 2: the short budget ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def budget_case(budget_runs):  # noqa: F811 (the fixture imported above)
    _, _, short_layers, short_tuned, full_mse, images, before, after = budget_runs
    return short_layers, short_tuned, ("after" if after > before else "before"), full_mse, images


class Broken(nn.Module):
    def __init__(self, like):
        super().__init__()
        self.inner, self.history = copy.deepcopy(like), like.history

    def forward(self, x):
        raise ValueError("shapes differ")


def test_short_budget_answers(budget_case, capsys):
    short_layers, short_tuned, where, full_mse, images = budget_case
    other = "before" if where == "after" else "after"
    assert verdict_of(check_short_budget, short_layers, short_tuned, where, full_mse, images, 8, capsys=capsys)[0]
    assert verdict_of(check_short_budget, tuple(short_layers), short_tuned, f" {where.title()} ", full_mse, images,
                      np.int64(8), capsys=capsys)[0]  # a tuple, the word in another case, a NumPy epoch count
    assert "the run says" in verdict_of(check_short_budget, short_layers, short_tuned, other, full_mse, images, 8,
                                        capsys=capsys)[1]
    nan = copy.deepcopy(short_tuned)
    nan.history = short_tuned.history
    _nan_weights(nan)
    assert "short_tuned returned nan" in verdict_of(check_short_budget, short_layers, nan, where, full_mse, images, 8,
                                                    capsys=capsys)[1]
    assert "short_tuned raised ValueError" in verdict_of(check_short_budget, short_layers, Broken(short_tuned), where,
                                                         full_mse, images, 8, capsys=capsys)[1]
    assert "pretrain_layers returns" in verdict_of(check_short_budget, short_tuned, short_tuned, where, full_mse,
                                                   images, 8, capsys=capsys)[1]
    assert "run the chapter's cells above again" in verdict_of(
        check_short_budget, short_layers, short_tuned, where, {"pretrained only": float("nan"), "fine-tuned": 0.1},
        images, 8, capsys=capsys)[1]


# chapter 2: the probe prediction ------------------------------------------------------------------------
@pytest.mark.parametrize("choice, clean, noisy, ok, words", [
    ("a", 0.872, 0.854, True, "1.8 points"), ("A", np.float64(0.872), torch.tensor(0.854), True, "Correct"),
    ("b", 0.872, 0.854, False, "you predicted"), ("c", 0.872, 0.854, False, "you predicted"),
    (None, 0.872, 0.854, False, "one of 'a'"), (float("nan"), 0.872, 0.854, False, "got nan"),
    ({"a"}, 0.872, 0.854, False, "got {'a'}"), ("a", float("nan"), 0.854, False, "cells above again"),
])
def test_probe_prediction(choice, clean, noisy, ok, words, capsys):
    result, out = verdict_of(check_probe_prediction, choice, clean, noisy, capsys=capsys)
    assert result is ok and words in out
