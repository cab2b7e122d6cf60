"""Planted answers for the self-checks of chapters 5 and 6 and of the closing page (chapter 9): each check
passes the notebook's solution and a right answer written differently, and fails wrong, raising and nan answers
with a message that says what to look at."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from test_exercises_ch5_ch6 import _chapter_6_model
from test_exercises_ch9 import TABLE, TASKS, Blur, Copier
from test_exercises_shared import Unreadable, verdict_of
from torch import nn
from torch.distributions import Normal, kl_divergence

from aecourse import PCA, as_float, mse, psnr
from aecourse.exercises import chapter5, chapter6, chapter9
from aecourse.losses import kl_to_prior
from aecourse.noise import corrupt


# chapter 5: the KL term --------------------------------------------------------------------------
def my_kl(mu, logvar):  # the notebook's solution
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)


class KL:  # a callable object wrapping the chapter's kl_to_prior
    def __call__(self, mu, logvar):
        return kl_to_prior(mu, logvar)


def with_sigma(mu, logvar):  # another formula: through sigma, over the last dimension
    sigma = torch.exp(0.5 * logvar)
    return 0.5 * (mu ** 2 + sigma ** 2 - 1 - 2 * torch.log(sigma)).sum(-1)


@pytest.mark.parametrize("answer, ok, words", [
    (my_kl, True, "zero exactly at the prior"),
    (with_sigma, True, "Correct"),
    (lambda mu, lv: my_kl(mu.double(), lv.double()).numpy(), True, "Correct"),  # float64, NumPy
    (lambda mu, lv: my_kl(mu, lv).unsqueeze(1), True, "Correct"),  # (6, 1): one value per row still
    (lambda mu, lv: my_kl(mu, lv).tolist(), True, "Correct"),  # a Python list
    (lambda mu, lv: -my_kl(mu, lv), False, "sign is flipped"),
    (lambda mu, lv: 2 * my_kl(mu, lv), False, "factor 1/2"),
    (lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp() - 1 - lv).mean(1), False, "averaged over the code dimensions"),
    (lambda mu, lv: 0.5 * (mu.pow(2) + lv - 1 - lv.exp()).sum(1), False, "swapped"),
    (lambda mu, lv: 0.5 * (mu.pow(2) + (0.5 * lv).exp() - 1 - lv).sum(1), False, "uses sigma"),
    (lambda mu, lv: 0.5 * (lv.exp() - 1 - lv).sum(1), False, "mu is missing"),
    (lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp() - 1 - lv).sum(0), False, "not 0 (the rows)"),  # wrong axis
    (lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp() - 1 - lv), False, "sum over the code dimensions"),
    (lambda mu, lv: my_kl(mu, lv).sum(), False, "reduced over the rows"),
    (lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp() - 1 - lv.log()).sum(1), False, "my_kl returned nan"),
    (lambda mu, lv: my_kl(mu, lv) + (mu == 0).all(), False, "prior to itself"),
    (lambda mu, lv: kl_divergence(Normal(mu, torch.exp(0.5 * lv)), Normal(0.0, 1.0)).sum(1), False,
     "torch.distributions"),
    (kl_to_prior, False, "kl_to_prior"),
    (KL(), False, "kl_to_prior"),
    (lambda mu, lv: my_kl(mu, lv)[10], False, "my_kl raised IndexError"),
    (lambda mu, lv: None, False, "returned None"),
    (None, False, "pass your function itself, my_kl"),
])
def test_kl(answer, ok, words, capsys):
    result, out = verdict_of(chapter5.check_kl, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 5: the reparameterisation ------------------------------------------------------------------
def sample(mu, logvar):  # the notebook's solution
    # sigma = exp(logvar / 2)
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def through_std(mu, logvar):  # sqrt(exp(logvar)), torch.randn, float64
    std = torch.sqrt(torch.exp(logvar))
    return mu.double() + std.double() * torch.randn(mu.shape, dtype=torch.float64, device=mu.device)


def fixed_seed(mu, logvar):
    torch.manual_seed(0)
    return sample(mu, logvar)


def right_spread_wrong_gradient(mu, logvar):  # the right draws, but the gradient to logvar is 1 everywhere
    return mu + (torch.exp(0.5 * logvar) * torch.randn_like(mu)).detach() + (logvar - logvar.detach())


@pytest.mark.parametrize("answer, ok, words", [
    (sample, True, "gradients reach mu and logvar"),
    (lambda mu, lv: mu + torch.randn_like(mu) * lv.mul(0.5).exp(), True, "Correct"),
    (through_std, True, "Correct"),  # float64, sqrt(exp(logvar)), torch.randn
    (lambda mu, lv: mu + torch.exp(lv) * torch.randn_like(mu), False, "the variance"),
    (lambda mu, lv: mu + torch.sqrt(lv) * torch.randn_like(mu), False, "sample returned nan"),
    (lambda mu, lv: torch.normal(mu, torch.exp(0.5 * lv)), False, "torch.normal"),
    (lambda mu, lv: mu.detach() + torch.exp(0.5 * lv) * torch.randn_like(mu), False, "does not reach mu"),
    (lambda mu, lv: mu + torch.randn_like(mu), False, "does not reach logvar"),  # logvar ignored
    (lambda mu, lv: mu + 0 * lv + torch.randn_like(mu), False, "does not reach logvar"),
    (lambda mu, lv: mu + torch.exp(0.5 * lv) * torch.randn_like(mu) * 2, False, "it should be sigma"),
    (lambda mu, lv: mu + torch.exp(0.5 * lv) * torch.randn(mu.shape[1], device="cpu"), False, "same eps"),
    (lambda mu, lv: mu + torch.exp(0.5 * lv) * torch.randn(len(mu), 1, device="cpu"), False, "share their noise"),
    (fixed_seed, False, "every call"),
    (lambda mu, lv: lv + torch.exp(0.5 * mu) * torch.randn_like(mu), False, "centred on mu"),  # arguments swapped
    (right_spread_wrong_gradient, False, "gradient reaching logvar"),
    (lambda mu, lv: Normal(mu, torch.exp(0.5 * lv)).rsample(), False, "rsample"),
    (lambda mu, lv: (mu + torch.exp(0.5 * lv) * torch.randn_like(mu)).detach().numpy(), False, "no gradient"),
    (lambda mu, lv: mu @ lv, False, "sample raised RuntimeError"),
    (lambda mu, lv: None, False, "returned None"),
    (None, False, "pass your function itself, sample"),
])
def test_reparameterize(answer, ok, words, capsys):
    result, out = verdict_of(chapter5.check_reparameterize, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 5: interpolation ---------------------------------------------------------------------------
def interpolate(z0, z1, steps):  # the notebook's solution
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return (1 - t) * z0 + t * z1


@pytest.mark.parametrize("answer, ok, words", [
    (interpolate, True, "for 2, 5 and 9 steps"),
    (lambda a, b, n: torch.stack([a + (b - a) * i / (n - 1) for i in range(n)]), True, "Correct"),
    (lambda a, b, n: [a + (b - a) * i / (n - 1) for i in range(n)], True, "Correct"),  # a list of tensors
    (lambda a, b, n: np.linspace(a.numpy(), b.numpy(), n), True, "Correct"),  # NumPy, float64
    (lambda a, b, n: torch.stack([a + (b - a) * i / n for i in range(n)]), False, "the last z1"),
    (lambda a, b, n: interpolate(a, b, 5), False, "interpolate(z0, z1, 2) returned shape (5, 3)"),  # steps ignored
    (lambda a, b, n: interpolate(b, a, n), False, "from z1 to z0"),
    (lambda a, b, n: interpolate(a, b, n).T, False, "shape (3, 5)"),
    (lambda a, b, n: a + torch.linspace(0, 1, n).unsqueeze(1) ** 2 * (b - a), False, "evenly spaced"),
    (lambda a, b, n: torch.zeros(n, len(a)), False, "first code should be z0"),
    (lambda a, b, n: interpolate(a, b, n) / 0, False, "returned nan"),
    (lambda a, b, n: interpolate(a, b, n) + a[len(a)], False, "interpolate raised IndexError"),
    (lambda a, b, n: None, False, "returned None"),
    (None, False, "pass your function itself, interpolate"),
])
def test_interpolation(answer, ok, words, capsys):
    result, out = verdict_of(chapter5.check_interpolation, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 5: spherical interpolation -----------------------------------------------------------------
def slerp(z0, z1, steps):  # the notebook's solution
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    cos = z0 @ z1 / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1, 1))  # the angle between the codes
    return (torch.sin((1 - t) * omega) * z0
            + torch.sin(t * omega) * z1) / torch.sin(omega)


def slerp_by_rotation(z0, z1, steps):
    """Right, written differently: NumPy, float64, z0 turned towards the part of z1 at right angles to it."""
    a, b = z0.numpy().astype(np.float64), z1.numpy().astype(np.float64)
    u = b - (a @ b) / (a @ a) * a  # the part of z1 at right angles to z0
    omega = math.atan2(np.linalg.norm(u) * np.linalg.norm(a), a @ b)
    out = []
    for t in np.linspace(0, 1, steps):
        # on the arc: the length changes along with the angle, as slerp's weights give it
        w0 = math.sin((1 - t) * omega) / math.sin(omega)
        w1 = math.sin(t * omega) / math.sin(omega)
        out.append(list(w0 * a + w1 * b))
    return out  # a list of lists


def slerp_unnormalised(z0, z1, steps):
    """Wrong: the angle from the dot product alone (right only for codes at right angles)."""
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    omega = torch.arccos(z0 @ z1)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


@pytest.mark.parametrize("answer, ok, words", [
    (slerp, True, "for 2, 5 and 9 steps"),
    (slerp_by_rotation, True, "Correct"),
    (lambda a, b, n: interpolate(a, b, n), False, "the straight line"),
    (lambda a, b, n: slerp(b, a, n), False, "from z1 to z0"),
    (lambda a, b, n: slerp(a / a.norm(), b / b.norm(), n), False, "length 1"),
    (lambda a, b, n: (lambda line: line / line.norm(dim=1, keepdim=True) * torch.linspace(
        a.norm(), b.norm(), n).unsqueeze(1))(interpolate(a, b, n)), False, "the straight line's direction"),
    (lambda a, b, n: slerp(a, b, n) * 2, False, "should be sin((1 - t) omega)"),
    (lambda a, b, n: slerp(a, b, 5), False, "slerp(z0, z1, 2) returned shape (5, 4)"),  # steps ignored
    (slerp_unnormalised, False, "returned nan"),
    (lambda a, b, n: slerp(a, b[:2], n), False, "slerp raised RuntimeError"),
    (lambda a, b, n: None, False, "returned None"),
    (slerp(torch.ones(3), torch.arange(3.0), 5), False, "pass your function itself, slerp"),
])
def test_slerp(answer, ok, words, capsys):
    result, out = verdict_of(chapter5.check_slerp, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 5: a Gaussian for each digit ------------------------------------------------------------------
def class_gaussians(codes, labels):  # the notebook's solution
    means, covs = [], []
    for digit in range(10):
        own = codes[labels == digit]  # this digit's codes
        means.append(own.mean(0))
        covs.append(torch.cov(own.T))  # torch.cov wants one row per variable
    return torch.stack(means), torch.stack(covs)


def class_gaussians_numpy(codes, labels):
    """Right, written differently: NumPy, float64, lists, the covariance divided by n."""
    z, y = codes.numpy().astype(np.float64), labels.numpy()
    means = [z[y == c].mean(axis=0) for c in range(10)]
    covs = [np.cov(z[y == c], rowvar=False, bias=True) for c in range(10)]
    return means, covs


@pytest.mark.parametrize("answer, ok, words", [
    (class_gaussians, True, "full covariance"),
    (class_gaussians_numpy, True, "Correct"),
    (lambda z, y: (class_gaussians(z, y)[0], torch.cov(z.T).expand(10, -1, -1)), False, "of all the codes"),
    (lambda z, y: (class_gaussians(z, y)[0], torch.diag_embed(torch.stack([z[y == c].var(0) for c in range(10)]))),
     False, "variances alone"),
    (lambda z, y: (class_gaussians(z, y)[0], torch.stack([torch.cov(z[y == c]) for c in range(10)])),
     False, "codes.T"),  # rows as the variables: (n, n) matrices of uneven size
    (lambda z, y: (z.mean(0).expand(10, -1), class_gaussians(z, y)[1]), False, "mean of all the codes"),
    (lambda z, y: class_gaussians(z, y.flip(0)), False, "each digit's codes"),  # the labels of other codes
    (lambda z, y: class_gaussians(z, y)[1], False, "not two things"),
    (lambda z, y: (class_gaussians(z, y)[0], class_gaussians(z, y)[1].log()), False, "covariances are nan"),
    (lambda z, y: class_gaussians(z, y[:10]), False, "class_gaussians raised"),
    (class_gaussians(torch.randn(30, 2), torch.arange(30) % 10), False, "pass your function itself"),
])
def test_class_gaussians(answer, ok, words, capsys):
    result, out = verdict_of(chapter5.check_class_gaussians, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 5: the noise prediction ---------------------------------------------------------------------
SHRINKING = {0.0: (0.33, 4.5), 0.5: (0.2, 5.8), 1.0: (np.float64(0.12), 6.9)}


@pytest.mark.parametrize("prediction, under_noise, ok, words", [
    ("shrinks", SHRINKING, True, "it shrinks"), (" Shrinks ", SHRINKING, True, "Correct"),
    (np.str_("shrinks"), SHRINKING, True, "Correct"),
    ("grows", SHRINKING, False, "the run says it shrinks"), ("smaller", SHRINKING, False, "one of 'grows'"),
    (None, SHRINKING, False, "got None"), (float("nan"), SHRINKING, False, "got nan"),
    (["shrinks"], SHRINKING, False, "got ['shrinks']"),
    ("shrinks", {0.0: (0.33, 4.5), 1.0: (float("nan"), 6.9)}, False, "cells above again"),
])
def test_chapter_5_noise_prediction(prediction, under_noise, ok, words, capsys):
    result, out = verdict_of(chapter5.check_noise_prediction, prediction, under_noise, capsys=capsys)
    assert result is ok and words in out


# chapter 6: a code that is a feature map --------------------------------------------------------------
class FullyConvAutoencoder(nn.Module):  # the notebook's solution
    """(1, 28, 28) -> 16 x 14 x 14 -> 32 x 7 x 7 -> channels x 7 x 7 -> ... -> (1, 28, 28)."""

    def __init__(self, channels=1):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, channels, kernel_size=1))  # the code: a map
        self.decoder = nn.Sequential(
            nn.Conv2d(channels, 32, kernel_size=1), nn.ReLU(),
            nn.ConvTranspose2d(32, 16, kernel_size=3, stride=2, padding=1,
                               output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, kernel_size=3, stride=2, padding=1,
                               output_padding=1), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


class WithUpsampling(nn.Module):
    """Right, written differently: kernel 5 convolutions, the channel mixing as a Linear over the channel axis,
    an upsample-then-convolve decoder, a forward that names its steps."""

    def __init__(self, channels=1):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 8, 5, stride=2, padding=2), nn.Tanh(),
                                     nn.Conv2d(8, 16, 5, stride=2, padding=2), nn.Tanh(),
                                     Channels(16, channels))
        self.decoder = nn.Sequential(nn.Upsample(scale_factor=4), nn.Conv2d(channels, 1, 3, padding=1))

    def forward(self, x):
        code = self.encoder(x)
        return self.decoder(code)


class Channels(nn.Module):
    """A Linear layer applied at every position: a 1 x 1 convolution written by hand."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.linear = nn.Linear(c_in, c_out)

    def forward(self, x):
        return self.linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class PlacedBias(FullyConvAutoencoder):
    """Wrong: a bias for every position of the code map, so the map no longer moves with the digit."""

    def __init__(self, channels=1):
        super().__init__(channels)
        self.encoder.append(AddPlaced(channels))


class AddPlaced(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bias = nn.Parameter(torch.randn(1, channels, 7, 7))

    def forward(self, x):
        return x + self.bias


class Pooled(FullyConvAutoencoder):
    """Wrong: the map averaged over its positions."""

    def __init__(self, channels=1):
        super().__init__(channels)
        self.encoder.append(nn.AdaptiveAvgPool2d(1))
        self.decoder.insert(0, nn.Upsample(size=7))


class OneStride(FullyConvAutoencoder):
    """Wrong: one strided convolution, a 14 x 14 map."""

    def __init__(self, channels=1):
        super().__init__(channels)
        self.encoder[2] = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.decoder[2] = nn.Conv2d(32, 16, kernel_size=3, padding=1)


class NoDecoder(nn.Module):
    def __init__(self, channels=1):
        super().__init__()
        self.encoder = nn.Conv2d(1, channels, 4, stride=4)


class Raises(FullyConvAutoencoder):
    def __init__(self, channels=1):
        super().__init__(channels)
        self.encoder[4] = nn.Conv2d(16, channels, kernel_size=1)  # 16 in, where the map has 32 channels


@pytest.mark.parametrize("answer, ok, words", [
    (FullyConvAutoencoder, True, "moves one unit"),
    (WithUpsampling, True, "Correct"),
    (lambda channels: _chapter_6_model()(channels), False, "the code is flat"),
    (PlacedBias, False, "does not move with the digit"),
    (Pooled, False, "no positions left"),
    (OneStride, False, "(1, 14, 14)"),
    (NoDecoder, False, "an encoder and a decoder"),
    (Raises, False, "its encoder raised RuntimeError"),
    (lambda channels: 1 / 0, False, "FullyConvAutoencoder raised ZeroDivisionError"),
    (FullyConvAutoencoder(1), False, "pass the class itself"),
    (None, False, "pass your function itself, FullyConvAutoencoder"),
])
def test_fully_conv(answer, ok, words, capsys):
    result, out = verdict_of(chapter6.check_fully_conv, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 6: sizes as formulas -------------------------------------------------------------------------
def conv_out(n, kernel_size, stride, padding):  # the notebook's solution
    return (n + 2 * padding - kernel_size) // stride + 1


FIXED_SIDES = {(28, 3, 2, 1): 14, (14, 3, 2, 1): 7, (28, 5, 1, 0): 24, (27, 4, 3, 2): 10, (7, 3, 1, 1): 7}


@pytest.mark.parametrize("answer, ok, words", [
    (conv_out, True, "matches PyTorch"),
    (lambda n, k, s, p: math.floor((n + 2 * p - k) / s) + 1, True, "Correct"),
    (lambda n, k, s, p: np.int64(conv_out(n, k, s, p)), True, "Correct"),
    (lambda n, k, s, p: float(conv_out(n, k, s, p)), True, "Correct"),
    (lambda n, k, s, p: torch.div(torch.tensor(n + 2 * p - k), s, rounding_mode="floor") + 1, True, "Correct"),
    (lambda n, k, s, p: (n - k) // s + 1, False, "Pad both sides"),
    (lambda n, k, s, p: (n + p - k) // s + 1, False, "PyTorch gives"),
    (lambda n, k, s, p: (n + 2 * p - k) / s + 1, False, "not a whole number"),
    (lambda n, k, s, p: (n + 2 * p - k) // s, False, "PyTorch gives"),
    (lambda n, k, s, p: (n + 2 * p - s) // k + 1, False, "PyTorch gives"),  # kernel and stride swapped
    (lambda n, k, s, p: FIXED_SIDES[n, k, s, p], False, "conv_out raised KeyError"),  # a table of the fixed cases
    (lambda n, k, s, p: nn.Conv2d(1, 1, k, s, p)(torch.zeros(1, 1, n, n)).shape[-1], False, "measures a layer"),
    (lambda n, k, s, p: nn.Conv1d(1, 1, k, s, p)(torch.zeros(1, 1, n)).shape[-1], False, "measures a layer"),
    (lambda n, k, s, p: F.max_pool2d(torch.zeros(1, 1, n, n), k, s, p if 2 * p <= k else 0).shape[-1], False,
     "max_pool2d"),
    (lambda n, k, s, p: F.pad(torch.zeros(n), (p, p)).unfold(0, k, s).shape[0], False, "unfold"),
    (lambda n, k, s, p: float("nan"), False, "returned nan"),
    (lambda n, k, s, p: True, False, "yes/no"),
    (lambda n, k, s, p: n // (k - 3), False, "conv_out raised ZeroDivisionError"),
    (lambda n, k, s, p: None, False, "returned None"),
    (None, False, "pass your function itself, conv_out"),
])
def test_conv_out(answer, ok, words, capsys):
    result, out = verdict_of(chapter6.check_conv_out, answer, capsys=capsys)
    assert result is ok and words in out
    assert nn.Conv2d(1, 1, 3)(torch.zeros(1, 1, 5, 5)).shape[-1] == 3  # the refusals are gone afterwards
    assert torch.zeros(5).unfold(0, 2, 1).shape == (4, 2)


def deconv_out(n, kernel_size, stride, padding, output_padding):  # the notebook's solution
    return (n - 1) * stride - 2 * padding + kernel_size + output_padding


@pytest.mark.parametrize("answer, ok, words", [
    (deconv_out, True, "output_padding picks"),
    (lambda n, k, s, p, op: np.int64(s * n - s - 2 * p + k + op), True, "Correct"),
    (lambda n, k, s, p, op: (n - 1) * s - 2 * p + k, False, "inverse of conv_out"),  # output_padding forgotten
    (lambda n, k, s, p, op: n * s, False, "PyTorch gives"),
    (lambda n, k, s, p, op: nn.ConvTranspose2d(1, 1, k, s, p, op)(torch.zeros(1, 1, n, n)).shape[-1], False,
     "measures a layer"),
    (lambda n, k, s, p, op: F.interpolate(torch.zeros(1, 1, n, n), scale_factor=s).shape[-1], False, "interpolate"),
    (lambda n, k, s, p, op: float("inf"), False, "returned inf"),
    (lambda n, k, s, p, op: n / (op - op), False, "deconv_out raised ZeroDivisionError"),
    (lambda n, k, s, p, op: None, False, "returned None"),
])
def test_deconv_out(answer, ok, words, capsys):
    result, out = verdict_of(chapter6.check_deconv_out, answer, capsys=capsys)
    assert result is ok and words in out


def n_conv_params(latent_dim):  # the notebook's solution
    convs = ((1 * 16 * 9 + 16) + (16 * 32 * 9 + 32) + (32 * 16 * 9 + 16)
             + (16 * 1 * 9 + 1))
    linears = (1568 * latent_dim + latent_dim) + (latent_dim * 1568 + 1568)
    return convs + linears


CONV_TABLE = {d: n_conv_params(d) for d in (2, 16, 32)}


@pytest.mark.parametrize("answer, ok, words", [
    (n_conv_params, True, "latent sizes fixed and drawn at random"),
    (lambda d: np.int64(3137 * d + n_conv_params(0)), True, "Correct"),  # another formula, NumPy
    (lambda d: n_conv_params(d) - 1568, False, "off by -1,568"),  # a bias forgotten
    (lambda d: CONV_TABLE.get(d), False, "returned None"),  # a table of the fixed latent sizes
    (lambda d: sum(p.numel() for p in _chapter_6_model()(d).parameters()), False, "builds a model"),
    (lambda d: float("nan"), False, "returned nan"),
    (lambda d: [][d], False, "n_conv_params raised IndexError"),
    (None, False, "pass your function itself, n_conv_params"),
])
def test_n_conv_params(answer, ok, words, capsys):
    result, out = verdict_of(chapter6.check_n_conv_params, answer, _chapter_6_model(), capsys=capsys)
    assert result is ok and words in out


PSNR_BY_NOISE = {0.0: (100.0, 20.1), 0.5: (9.4, 19.1), 1.0: (np.float64(6.0), 14.1)}


@pytest.mark.parametrize("at_0, at_1, measured, ok, words", [
    (False, True, PSNR_BY_NOISE, True, "pays only when there is noise"),
    (np.False_, np.True_, PSNR_BY_NOISE, True, "Correct"),
    (torch.tensor(False), torch.tensor([True]), PSNR_BY_NOISE, True, "Correct"),
    (True, True, PSNR_BY_NOISE, False, "at 0 it does not help"),
    (False, False, PSNR_BY_NOISE, False, "at 1 it helps"),
    (None, True, PSNR_BY_NOISE, False, "True or False"), (0, 1, PSNR_BY_NOISE, False, "True or False"),
    ("False", "True", PSNR_BY_NOISE, False, "True or False"), (float("nan"), True, PSNR_BY_NOISE, False, "got nan"),
    (Unreadable(), True, PSNR_BY_NOISE, False, "True or False"), (torch.tensor([True, False]), True, PSNR_BY_NOISE,
                                                                  False, "True or False"),
    (False, True, {0.0: (100.0, float("nan")), 1.0: (6.0, 14.1)}, False, "cells above again"),
    (False, True, {0.5: (9.4, 19.1)}, False, "cells above again"),
])
def test_denoiser_prediction(at_0, at_1, measured, ok, words, capsys):
    result, out = verdict_of(chapter6.check_denoiser_prediction, at_0, at_1, measured, capsys=capsys)
    assert result is ok and words in out


# the closing page (chapter 9): the picks ---------------------------------------------------------------
NAMES = list(TABLE)
SOLUTION = {  # the notebook's solution
    "reconstruct clean digits (lowest MSE)":
        min(NAMES, key=lambda n: TABLE[n]["MSE"]),
    "clean digits with noise_factor 0.5 (highest denoising PSNR)":
        max(NAMES, key=lambda n: TABLE[n]["denoising PSNR"]),
    "classify with 100 labels (highest '100 labels')":
        max(NAMES, key=lambda n: TABLE[n]["100 labels"]),
}


@pytest.mark.parametrize("picks, ok, words", [
    (SOLUTION, True, "each pick is the best"),
    (dict(zip(TASKS, ["ae", " DAE", "dae"], strict=True)), True, "Correct"),  # the names in another case
    (dict(zip(TASKS, ["DAE", "DAE", "DAE"], strict=True)), False, "AE does better"),
    (dict(zip(TASKS, ["AE", "VAE", "DAE"], strict=True)), False, "DAE does better"),
    (dict(zip(TASKS, ["AE", None, "DAE"], strict=True)), False, "no model picked"),
    (dict(zip(TASKS, ["AE", "DAE", "PCA"], strict=True)), False, "one of 'AE'"),
    (dict(zip(TASKS[:2], ["AE", "DAE"], strict=True)), False, "three tasks"),
    (dict(zip(TASKS, ["AE", ["DAE"], "DAE"], strict=True)), False, "got ['DAE']"),  # this used to raise TypeError
    (dict(zip(TASKS, ["AE", float("nan"), "DAE"], strict=True)), False, "got nan"),
    (dict(zip(TASKS, ["AE", Unreadable(), "DAE"], strict=True)), False, "one of 'AE'"),
    ({1: "AE"}, False, "not one of the exercise's"),
    (None, False, "dict of tasks"),
])
def test_picks(picks, ok, words, capsys):
    result, out = verdict_of(chapter9.check_picks, picks, TABLE, capsys=capsys)
    assert result is ok and words in out


def test_picks_refuse_a_nan_table(capsys):
    table = {**TABLE, "VAE": {**TABLE["VAE"], "MSE": float("nan")}}
    assert "cells above again" in verdict_of(chapter9.check_picks, SOLUTION, table, capsys=capsys)[1]


# the closing page (chapter 9): the crossing ---------------------------------------------------------------
@pytest.fixture(scope="module")
def crossing_case():
    x = torch.zeros(50, 1, 28, 28)
    x[:, :, 8:20, 12:16] = 1.0  # a bar: smooth images that a blur barely harms
    return x, chapter9.crossing_level(Copier(), Blur(), x)


def notebook_crossing(ae, dae, x_test):  # the notebook's solution
    for level in np.arange(0, 1.01, 0.05):
        noisy = corrupt(x_test, "gaussian", float(level), seed=3)
        if psnr(dae(noisy), x_test) > psnr(ae(noisy), x_test):
            return round(float(level), 2)


@pytest.mark.parametrize("guess, ok, words", [
    (lambda level: level, True, "within 0.1"),
    (lambda level: np.float32(level), True, "Correct"), (lambda level: torch.tensor(level), True, "Correct"),
    (lambda level: round(level + 0.1, 2) if level <= 0.9 else level - 0.1, True, "Correct"),  # 0.1 away exactly
    (lambda level: level + 0.3 if level < 0.7 else level - 0.3, False, "this run measures"),
    (lambda level: None, False, "write your prediction first"), (lambda level: float("nan"), False, "is nan"),
    (lambda level: 1.5, False, "between 0 and 1"), (lambda level: True, False, "yes/no"),
    (lambda level: str(level), False, "the text"), (lambda level: Unreadable(), False, "not a number"),
])
def test_crossing(crossing_case, guess, ok, words, capsys):
    x, level = crossing_case
    assert notebook_crossing(Copier(), Blur(), x) == level
    result, out = verdict_of(chapter9.check_crossing, guess(level), Copier(), Blur(), x, capsys=capsys)
    assert result is ok and words in out


# the closing page (chapter 9): PCA as a row ---------------------------------------------------------------
@pytest.fixture(scope="module")
def pca_data():
    g = torch.Generator().manual_seed(0)
    data = SimpleNamespace(x_train=(torch.rand(100, 28, 28, generator=g) * 255).to(torch.uint8),
                           x_test=(torch.rand(50, 28, 28, generator=g) * 255).to(torch.uint8))
    x_test = as_float(data.x_test)
    return data, x_test, corrupt(x_test, "gaussian", 0.5, seed=1)


def row(data, x_test, x_noisy, k=32, clean=None, target=None):
    pca = PCA(k).fit(data.x_train)
    return {"MSE": mse(pca.decode(pca.encode(x_test if clean is None else clean)), x_test),
            "denoising PSNR": psnr(pca.decode(pca.encode(x_noisy)), x_test if target is None else target)}


@pytest.mark.parametrize("answer, ok, words", [
    (lambda d, x, xn: lambda: row(d, x, xn), True, "PCA(32)"),  # the notebook's solution
    (lambda d, x, xn: lambda: {"mse": torch.tensor(row(d, x, xn)["MSE"], dtype=torch.float64),
                               "Denoising PSNR": np.float32(row(d, x, xn)["denoising PSNR"])}, True, "Correct"),
    (lambda d, x, xn: lambda: {"MSE": F.mse_loss(PCA(32).fit(d.x_train)(x), x),
                               "denoising PSNR": row(d, x, xn)["denoising PSNR"]}, True, "Correct"),
    (lambda d, x, xn: lambda: row(d, x, xn, k=30), False, "PCA with 32 components"),
    (lambda d, x, xn: lambda: row(d, x, xn, target=xn), False, "against the noisy inputs"),
    (lambda d, x, xn: lambda: row(d, x, xn, clean=xn), False, "noisy digits' reconstructions"),
    (lambda d, x, xn: lambda: dict(zip(["MSE", "denoising PSNR"], reversed(row(d, x, xn).values()), strict=True)),
     False, "swapped"),
    (lambda d, x, xn: lambda: {**row(d, x, xn), "MSE": float("nan")}, False, "pca_row()['MSE'] is nan"),
    (lambda d, x, xn: lambda: {"MSE": 0.01}, False, "keys 'MSE' and 'denoising PSNR'"),
    (lambda d, x, xn: lambda: list(row(d, x, xn).values()), False, "a dict"),
    (lambda d, x, xn: lambda: PCA(0), False, "pca_row raised ValueError"),
    (lambda d, x, xn: lambda: None, False, "a dict"),
    (lambda d, x, xn: None, False, "pass your function itself, pca_row"),
])
def test_pca_row(pca_data, answer, ok, words, capsys):
    data, x_test, x_noisy = pca_data
    result, out = verdict_of(chapter9.check_pca_row, answer(data, x_test, x_noisy), data, x_noisy, capsys=capsys)
    assert result is ok and words in out


# chapter 6: the overlap count of a transposed convolution -----------------------------------------------
def contributions(n, kernel_size, stride, padding):  # the notebook's solution
    side = (n - 1) * stride + kernel_size  # before the padding is cropped
    count = torch.zeros(side, side)
    for i in range(n):
        for j in range(n):
            count[i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size] += 1
    return count[padding:side - padding, padding:side - padding]


def contributions_1d(n, kernel_size, stride, padding):  # one axis, then the outer product: NumPy, ints
    side = (n - 1) * stride + kernel_size
    line = np.zeros(side, dtype=np.int64)
    for i in range(n):
        line[i * stride:i * stride + kernel_size] += 1
    line = line[padding:side - padding]
    return np.outer(line, line).tolist()


def overwrite(n, kernel_size, stride, padding):
    side = (n - 1) * stride + kernel_size
    count = torch.zeros(side, side)
    for i in range(n):
        for j in range(n):
            count[i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size] = 1
    return count[padding:side - padding, padding:side - padding]


def uncropped(n, kernel_size, stride, padding):
    return contributions(n, kernel_size, stride, 0)


def by_layer(n, kernel_size, stride, padding):  # builds the layer
    layer = nn.ConvTranspose2d(1, 1, kernel_size, stride, padding, bias=False)
    nn.init.ones_(layer.weight)
    return layer(torch.ones(1, 1, n, n))[0, 0].detach()


@pytest.mark.parametrize("answer, ok, words", [
    (contributions, True, "match PyTorch's"),
    (contributions_1d, True, "Correct"),
    (lambda n, k, s, p: contributions(n, k, s, p).double().unsqueeze(0), False, "shape (1,"),  # not (m, m)
    (overwrite, False, "every pixel got 1"),
    (uncropped, False, "the padding crops"),
    (lambda n, k, s, p: contributions(n, k, 1, p)[:(n - 1) * s - 2 * p + k, :(n - 1) * s - 2 * p + k], False,
     "expected (13, 13)"),  # the stride ignored
    (lambda n, k, s, p: contributions(n, k, s, p) + torch.eye(len(contributions(n, k, s, p))), False,
     "differ from PyTorch's"),
    (by_layer, False, "builds the layer"),
    (lambda n, k, s, p: F.conv_transpose2d(torch.ones(1, 1, n, n), torch.ones(1, 1, k, k), stride=s,
                                           padding=p)[0, 0], False, "builds the layer"),
    (lambda n, k, s, p: contributions(n, k, s, p) * float("nan"), False, "nan"),
    (lambda n, k, s, p: torch.zeros(2)[n], False, "contributions raised IndexError"),
    (lambda n, k, s, p: None, False, "returned None"),
    (None, False, "pass your function itself, contributions"),
])
def test_contributions(answer, ok, words, capsys):
    result, out = verdict_of(chapter6.check_contributions, answer, capsys=capsys)
    assert result is ok and words in out, out
