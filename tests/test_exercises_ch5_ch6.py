"""Chapters 5 and 6: each self-check tells right from wrong and catches the shortcut its exercise forbids."""

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal, kl_divergence

from aecourse.exercises.chapter5 import check_kl, check_noise_prediction, check_reparameterize
from aecourse.exercises.chapter6 import check_conv_out, check_deconv_out, check_denoiser_prediction, check_n_conv_params
from aecourse.losses import kl_to_prior as chapter_kl

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_6 = ROOT / "book" / "06-convolutional-autoencoder" / "convolutional_autoencoder.ipynb"


def _chapter_6_model():
    """Chapter 6's ConvAutoencoder, run from the notebook's own text."""
    cells = ["".join(c["source"]) for c in json.loads(CHAPTER_6.read_text())["cells"] if c["cell_type"] == "code"]
    code = next(c for c in cells if "class ConvAutoencoder(" in c)
    taught = code[code.index("class ConvAutoencoder("):].split("\n\n\n")[0]
    namespace = {"torch": torch, "nn": nn}
    exec(taught, namespace)  # noqa: S102
    return namespace["ConvAutoencoder"]


def _kl_by_hand(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)


def _sample_by_hand(mu, logvar):
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


# chapter 5: the KL term and the sample by hand ---------------------------------------------------
@pytest.mark.parametrize("shortcut", [
    lambda mu, lv: kl_divergence(Normal(mu, torch.exp(0.5 * lv)), Normal(0.0, 1.0)).sum(1),
    lambda mu, lv: torch.distributions.kl.kl_divergence(Normal(mu, torch.exp(0.5 * lv)), Normal(0.0, 1.0)).sum(1),
    lambda mu, lv: -Normal(0.0, 1.0).log_prob(mu).sum(1) * 0 + _kl_by_hand(mu, lv),  # builds a distribution
], ids=["kl_divergence", "torch.distributions.kl", "a Normal on the way"])
def test_kl_by_hand_passes_and_torch_distributions_fail(shortcut, capsys):
    assert check_kl(_kl_by_hand)
    assert not check_kl(shortcut)
    assert "tensor operations" in capsys.readouterr().out
    assert Normal(0.0, 1.0).log_prob(torch.zeros(1)).item() == pytest.approx(-0.9189, abs=1e-4)  # patches gone


def test_kl_check_refuses_the_chapters_own_kl(capsys):
    """The chapter writes kl_to_prior before the exercise: calling it (or aliasing it) is not an answer."""
    def helper(mu, logvar):
        return chapter_kl(mu, logvar)

    assert chapter_kl(torch.zeros(2, 3), torch.zeros(2, 3)).tolist() == [0.0, 0.0]  # the right values
    for shortcut in (chapter_kl, lambda mu, lv: chapter_kl(mu, lv), lambda mu, lv: 1.0 * helper(mu, lv)):
        assert not check_kl(shortcut)
        assert "kl_to_prior" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [
    lambda mu, lv: _kl_by_hand(mu, lv).sum(),  # one number, not one per row
    lambda mu, lv: -_kl_by_hand(mu, lv),
    lambda mu, lv: 2 * _kl_by_hand(mu, lv),
    lambda mu, lv: 0.5 * (mu.pow(2) + lv - 1 - lv.exp()).sum(1),  # logvar and variance swapped
    lambda mu, lv: None,
])
def test_kl_check_tells_wrong_formulas(wrong, capsys):
    assert not check_kl(wrong)
    assert "Not yet" in capsys.readouterr().out


@pytest.mark.parametrize("shortcut, why", [
    (lambda mu, lv: Normal(mu, torch.exp(0.5 * lv)).rsample(), "rsample"),
    (lambda mu, lv: mu + torch.exp(lv) * torch.randn_like(mu), "variance"),
    (lambda mu, lv: torch.normal(mu, torch.exp(0.5 * lv)), "gradient"),
    (lambda mu, lv: mu.detach() + torch.exp(0.5 * lv) * torch.randn_like(mu), "gradient"),
], ids=["rsample", "exp(logvar)", "torch.normal", "detached mu"])
def test_reparameterize_by_hand_passes_and_shortcuts_fail(shortcut, why, capsys):
    assert check_reparameterize(_sample_by_hand)
    capsys.readouterr()
    assert not check_reparameterize(shortcut)
    assert why in capsys.readouterr().out


def test_noise_prediction_is_compared_with_the_measured_trend(capsys):
    shrinking = {0.0: (0.33, 4.5), 0.5: (0.2, 5.8), 1.0: (0.12, 6.9)}
    growing = {0.0: (0.2, 4.5), 1.0: (0.3, 4.0)}
    assert check_noise_prediction("shrinks", shrinking)
    assert not check_noise_prediction("grows", shrinking)
    assert "0.33" in capsys.readouterr().out  # the wrong answer is told the measured numbers
    assert check_noise_prediction("grows", growing)
    assert not check_noise_prediction("shrinks", growing)
    assert not check_noise_prediction(None, shrinking)
    assert not check_noise_prediction("smaller", shrinking)


# chapter 6: sizes and parameter counts are formulas -----------------------------------------------
@pytest.mark.parametrize("shortcut", [
    lambda n, k, s, p: nn.Conv2d(1, 1, k, s, p)(torch.zeros(1, 1, n, n)).shape[-1],
    lambda n, k, s, p: F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p).shape[-1],
    lambda n, k, s, p: torch.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p).shape[-1],
], ids=["nn.Conv2d", "F.conv2d", "torch.conv2d"])
def test_conv_out_formula_passes_and_measuring_a_layer_fails(shortcut, capsys):
    assert check_conv_out(lambda n, k, s, p: (n + 2 * p - k) // s + 1)
    assert shortcut(28, 3, 2, 1) == 14  # the right number, the wrong way
    assert not check_conv_out(shortcut)
    assert "formula" in capsys.readouterr().out
    assert nn.Conv2d(1, 1, 3)(torch.zeros(1, 1, 5, 5)).shape[-1] == 3  # the patches are gone afterwards


@pytest.mark.parametrize("shortcut", [
    lambda n, k, s, p, op: nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op)(torch.zeros(1, 1, n, n)).shape[-1],
    lambda n, k, s, p, op: F.conv_transpose2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s,
                                              padding=p, output_padding=op).shape[-1],
], ids=["nn.ConvTranspose2d", "F.conv_transpose2d"])
def test_deconv_out_formula_passes_and_measuring_a_layer_fails(shortcut, capsys):
    assert check_deconv_out(lambda n, k, s, p, op: (n - 1) * s - 2 * p + k + op)
    assert not check_deconv_out(shortcut)
    assert "formula" in capsys.readouterr().out
    assert not check_deconv_out(lambda n, k, s, p, op: (n - 1) * s - 2 * p + k)  # output_padding forgotten


def test_n_conv_params_formula_passes_and_building_the_model_fails(capsys):
    model_class = _chapter_6_model()

    def formula(d):
        convs = (1 * 16 * 9 + 16) + (16 * 32 * 9 + 32) + (32 * 16 * 9 + 16) + (16 * 1 * 9 + 1)
        return convs + (1568 * d + d) + (d * 1568 + 1568)

    assert check_n_conv_params(formula, model_class)
    built = model_class(32)
    shortcuts = [
        lambda d: sum(p.numel() for p in model_class(d).parameters()),  # builds the model
        lambda d: sum(p.numel() for p in built.parameters()) + 3137 * (d - 32),  # counts a built one
    ]
    for shortcut in shortcuts:
        assert shortcut(32) == formula(32)
        assert not check_n_conv_params(shortcut, model_class)
        assert "formula" in capsys.readouterr().out
    assert not check_n_conv_params(lambda d: formula(d) - 1568, model_class)  # a bias forgotten
    assert not check_n_conv_params(lambda d: None, model_class)


def test_denoiser_prediction_is_compared_with_the_measured_psnr(capsys):
    measured = {0.0: (100.0, 20.1), 0.5: (9.4, 19.1), 1.0: (6.0, 14.1)}
    assert check_denoiser_prediction(False, True, measured)
    assert not check_denoiser_prediction(True, True, measured)
    assert "at 0 it does not help" in capsys.readouterr().out
    assert not check_denoiser_prediction(False, False, measured)
    assert not check_denoiser_prediction(None, True, measured)
    assert not check_denoiser_prediction(0, 1, measured)  # numbers are not True or False
    assert check_denoiser_prediction(True, False, {0.0: (20.0, 21.0), 1.0: (15.0, 14.0)})
