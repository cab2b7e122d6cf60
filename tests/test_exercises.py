"""Unit tests of the exercise self-checks (aecourse.exercises), one module per chapter."""

import ast
import copy
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from aecourse import PCA, as_float, exercises, mse
from aecourse.exercises import right, wrong
from aecourse.exercises.chapter1 import check_bce, check_n_params, check_pca_match
from aecourse.exercises.chapter2 import check_rounded_accuracy, check_stack_encoder
from aecourse.exercises.chapter3 import check_dae_loss, check_masking, check_psnr
from aecourse.exercises.chapter4 import check_classifier, check_frozen
from aecourse.exercises.chapter5 import check_interpolation, check_kl, check_reparameterize
from aecourse.exercises.chapter6 import check_conv_out, check_deconv_out
from aecourse.models import StackedAutoencoder
from aecourse.noise import corrupt
from aecourse.pretraining import pretrain_layers

CHAPTER_FILES = sorted(Path(exercises.__file__).parent.glob("chapter*.py"))


# the package ----------------------------------------------------------------------------
def test_right_and_wrong_print_the_verdict_and_return_it(capsys):
    assert right("well done.") is True
    assert capsys.readouterr().out == "Correct: well done.\n"
    assert wrong("try again.") is False
    assert capsys.readouterr().out == "Not yet: try again.\n"


def test_one_short_module_per_chapter_with_its_imports_at_the_top():
    assert [f.stem for f in CHAPTER_FILES] == [f"chapter{n}" for n in range(1, 10)]  # chapters 1-8, the closing page
    for path in CHAPTER_FILES:
        source = path.read_text()
        assert len(source.splitlines()) < 250, f"{path.name} is 250 lines or more"
        for fn in ast.walk(ast.parse(source)):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not inner, f"{path.name}: {fn.name} imports inside the function (line {inner[0].lineno})"


# chapter 1 ------------------------------------------------------------------------------
def test_check_n_params_tells_right_from_wrong(capsys):
    layers = lambda d: [(784, 256), (256, 64), (64, d), (d, 64), (64, 256), (256, 784)]  # noqa: E731
    assert check_n_params(lambda d: sum(m * n + n for m, n in layers(d)))
    assert not check_n_params(lambda d: sum(m * n for m, n in layers(d)))
    assert "biases" in capsys.readouterr().out
    assert not check_n_params(lambda d: None)


def test_check_bce_tells_right_from_wrong(capsys):
    def right(x_hat, x, eps=1e-7):
        x_hat = x_hat.clamp(eps, 1 - eps)
        return -(x * x_hat.log() + (1 - x) * (1 - x_hat).log()).mean()

    assert check_bce(right)
    assert not check_bce(lambda x_hat, x: -(x * x_hat.log() + (1 - x) * (1 - x_hat).log()).mean())
    assert "Clamp" in capsys.readouterr().out
    assert not check_bce(lambda x_hat, x: right(x_hat, x) * 784)
    assert not check_bce(lambda x_hat, x: -right(x_hat, x))


def test_check_pca_match_wants_the_smallest_k():
    torch.manual_seed(0)
    x = torch.rand(60, 28, 28)
    errs = {k: mse(PCA(k).fit(x)(x), as_float(x)) for k in range(1, 8)}
    target = (errs[4] + errs[5]) / 2  # between 4 and 5 components: the answer is 5
    assert check_pca_match(5, x, x, target)
    assert not check_pca_match(4, x, x, target)
    assert not check_pca_match(6, x, x, target)
    assert not check_pca_match(None, x, x, target)


# chapters 2-6 ---------------------------------------------------------------------------
@pytest.mark.parametrize("check, right, wrong", [
    (check_masking, lambda x, f: x * (torch.rand_like(x) >= f), lambda x, f: x.mul_(torch.rand_like(x) >= f)),
    (check_dae_loss,
     lambda m, x: F.binary_cross_entropy(m(corrupt(x, "salt_and_pepper", 0.2)), x),
     lambda m, x: (lambda xn: F.binary_cross_entropy(m(xn), xn))(corrupt(x, "salt_and_pepper", 0.2))),
    (check_psnr, lambda a, b: (10 * torch.log10(1 / (a - b).pow(2).flatten(1).mean(1))).mean().item(),
     lambda a, b: (10 * torch.log10(1 / (a - b).pow(2).mean())).item()),
    (check_kl, lambda mu, lv: 0.5 * (mu ** 2 + lv.exp() - 1 - lv).sum(1),
     lambda mu, lv: 0.5 * (mu ** 2 + lv.exp() - 1 - lv).sum()),
    (check_reparameterize, lambda mu, lv: mu + torch.exp(0.5 * lv) * torch.randn_like(mu),
     lambda mu, lv: mu + torch.exp(lv) * torch.randn_like(mu)),
    (check_interpolation, lambda a, b, n: torch.stack([a + (b - a) * i / (n - 1) for i in range(n)]),
     lambda a, b, n: torch.stack([a + (b - a) * i / n for i in range(n)])),
    (check_conv_out, lambda n, k, s, p: (n + 2 * p - k) // s + 1, lambda n, k, s, p: (n - k) // s + 1),
    (check_deconv_out, lambda n, k, s, p, op: (n - 1) * s - 2 * p + k + op, lambda n, k, s, p, op: n * s),
])
def test_chapter_self_checks_tell_right_from_wrong(check, right, wrong, capsys):
    assert check(right) is True
    assert check(wrong) is False
    assert "Not yet" in capsys.readouterr().out


def test_chapter_2_and_4_checks_on_a_small_stack(tmp_path, monkeypatch):
    monkeypatch.setenv("AECOURSE_CHECKPOINTS", str(tmp_path))
    x = (torch.rand(64, 1, 28, 28) * 255).to(torch.uint8)
    layers = pretrain_layers([784, 16, 4], x, epochs=1, batch_size=128)
    assert check_rounded_accuracy((as_float(x) == 0).float().mean().item(), as_float(x))
    assert not check_rounded_accuracy(0.5, as_float(x))

    def encode(images):
        h = images.flatten(1)
        for layer in layers:
            h = layer.encoder(h)
        return h

    assert check_stack_encoder(encode, layers, as_float(x))
    assert not check_stack_encoder(lambda images: layers[0].encoder(images.flatten(1)), layers, as_float(x))

    def copied(ls):
        return nn.Sequential(StackedAutoencoder(copy.deepcopy(ls)).encoder, nn.Linear(4, 10))

    def shared(ls):
        return nn.Sequential(StackedAutoencoder(ls).encoder, nn.Linear(4, 10))

    assert check_classifier(copied, layers)
    assert not check_classifier(shared, layers)
    clf = nn.Sequential(StackedAutoencoder(copy.deepcopy(layers)).encoder, nn.Linear(4, 10))
    assert not check_frozen(lambda m: None, clf)
    assert check_frozen(lambda m: [p.requires_grad_(False) for p in m[0].parameters()], clf)
