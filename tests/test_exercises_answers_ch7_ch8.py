"""Planted answers for the self-checks of chapters 7 and 8: each check passes the notebook's solution and a right
answer written differently, and fails wrong, raising and nan answers with a message that says what to look at."""

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from test_exercises_shared import Unreadable, verdict_of

from aecourse.exercises import chapter7, chapter8


# chapter 7: TopK by hand -------------------------------------------------------------------------
def top_k(z, k):  # the notebook's solution
    values, indices = z.topk(k, dim=1)
    return torch.zeros_like(z).scatter(1, indices, values)


def by_threshold(z, k):  # another way: keep what is at least the row's k-th largest value
    kth = z.sort(dim=1, descending=True).values[:, k - 1:k]
    return torch.where(z >= kth, z, torch.zeros_like(z))


def in_numpy(z, k):  # NumPy, float64
    z = z.numpy().astype(np.float64)
    out = np.zeros_like(z)
    idx = np.argsort(-z, axis=1)[:, :k]
    np.put_along_axis(out, idx, np.take_along_axis(z, idx, axis=1), axis=1)
    return out


def in_place(z, k):  # right values, but written into the codes it was given
    kth = z.sort(dim=1, descending=True).values[:, k - 1:k]
    z[z < kth] = 0
    return z


def whole_batch(z, k):
    flat = z.flatten()
    top = flat.topk(k)
    return torch.zeros_like(flat).scatter(0, top.indices, top.values).view_as(z)


def magnitudes(z, k):
    idx = z.abs().topk(k, dim=1).indices
    return torch.zeros_like(z).scatter(1, idx, z.gather(1, idx))


@pytest.mark.parametrize("answer, ok, words", [
    (top_k, True, "each code keeps its own k largest"),
    (by_threshold, True, "Correct"),
    (in_numpy, True, "Correct"),
    (lambda z, k: top_k(z, k).tolist(), True, "Correct"),  # a nested list
    (in_place, False, "changed the codes it was given"),
    (whole_batch, False, "the whole batch"),
    (magnitudes, False, "largest magnitudes"),
    (lambda z, k: top_k(-z, k) * -1, False, "smallest values"),
    (lambda z, k: (top_k(z, k) != 0).float(), False, "return its value"),
    (lambda z, k: top_k(z.clamp(min=0), k), False, "model's ReLU does that"),
    (lambda z, k: z.topk(k, dim=1).values, False, "shape"),
    (lambda z, k: top_k(z, max(1, k - 1)), False, "differs from keeping each row's k largest"),
    (lambda z, k: top_k(z, k) * float("nan"), False, "nan"),
    (lambda z, k: None, False, "returned None"),
    (lambda z, k: z[10], False, "top_k raised IndexError"),
    (top_k(torch.ones(2, 3), 1), False, "pass your function itself"),
])
def test_top_k(answer, ok, words, capsys):
    result, out = verdict_of(chapter7.check_top_k, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 7: dead units and the size of the code ---------------------------------------------------
GROWS = {256: 2, 512: 25, 1024: 155}


@pytest.mark.parametrize("choice, dead, ok, words", [
    ("c", GROWS, True, "of the 768 units added, 153 stayed dead"),
    (" C ", GROWS, True, "Correct"),
    ("a", GROWS, False, "it grows"),
    ("b", GROWS, False, "it grows"),
    ("b", {256: 100, 1024: 110}, True, "Correct"),
    ("a", {256: 100, 1024: 20}, True, "Correct"),
    ("c", {256: 100, 1024: 20}, False, "it falls"),
    (None, GROWS, False, "write your prediction first"),
    ("d", GROWS, False, "one of 'a', 'b', 'c'"),
    (3, GROWS, False, "one of 'a', 'b', 'c'"),
    (float("nan"), GROWS, False, "one of 'a', 'b', 'c'"),
    (Unreadable(), GROWS, False, "one of 'a', 'b', 'c'"),
    ("c", {256: 2, 1024: float("nan")}, False, "cells above again"),
    ("c", {1024: 155}, False, "cells above again"),
])
def test_dead_prediction(choice, dead, ok, words, capsys):
    result, out = verdict_of(chapter7.check_dead_prediction, choice, dead, capsys=capsys)
    assert result is ok and words in out


# chapter 7: how much is the choice worth? --------------------------------------------------------
def index_bits(m, k):  # the notebook's solution
    return math.log2(math.comb(m, k))


def with_lgamma(m, k):  # factorials through the log-gamma function, in float
    return (math.lgamma(m + 1) - math.lgamma(k + 1) - math.lgamma(m - k + 1)) / math.log(2)


def listing(m, k):  # never finishes for 32 of 1,024: refused before it runs
    return math.log2(sum(1 for _ in itertools.combinations(range(m), k)))


@pytest.mark.parametrize("answer, ok, words", [
    (index_bits, True, "201.6 bits"),
    (with_lgamma, True, "Correct"),
    (lambda m, k: np.log2(float(math.comb(m, k))), True, "Correct"),  # a NumPy float
    (lambda m, k: torch.tensor(index_bits(m, k), dtype=torch.float64), True, "Correct"),
    (lambda m, k: math.log(math.comb(m, k)), False, "in nats"),
    (lambda m, k: math.log2(math.perm(m, k)), False, "ordered choices"),
    (lambda m, k: k * math.log2(m), False, "may repeat a unit"),
    (lambda m, k: float(math.comb(m, k)) if math.comb(m, k) < 1e300 else math.inf, False, "not its log2"),
    (lambda m, k: index_bits(m, k) + 1, False, "log2 of the number of ways"),
    (listing, False, "listing the choices"),
    (lambda m, k: float("nan"), False, "nan"),
    (lambda m, k: None, False, "returned None"),
    (lambda m, k: 1 / 0, False, "ZeroDivisionError"),
    (lambda m, k: "202", False, "the text"),
])
def test_index_bits(answer, ok, words, capsys):
    result, out = verdict_of(chapter7.check_index_bits, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 7: an L1 penalty without the decoder's lengths --------------------------------------------
def plain_l1_loss(model, x, l1=1e-3):  # the notebook's solution
    z = model.encoder(x)
    return F.mse_loss(model.decoder(z), x) + l1 * z.sum(1).mean()


def by_hand(model, x, l1=1e-3):  # written out: squared errors, absolute values, in float64
    z = model.encoder(x).double()
    x_hat = model.decoder(z.float()).double()
    return ((x_hat - x.double()) ** 2).mean() + l1 * z.abs().sum() / len(x)


def weighted(model, x, l1=1e-3):  # the chapter's l1_loss
    z = model.encoder(x)
    lengths = model.decoder[0].weight.norm(dim=0)
    return F.mse_loss(model.decoder(z), x) + l1 * (z * lengths).sum(1).mean()


@pytest.mark.parametrize("answer, ok, words", [
    (plain_l1_loss, True, "columns halved"),
    (by_hand, True, "Correct"),
    (weighted, False, "leave the lengths out"),
    (lambda m, x, l1=1e-3: F.mse_loss(m(x), x) + l1 * m.encoder(x).sum(), False, "summed over the batch"),
    (lambda m, x, l1=1e-3: F.mse_loss(m(x), x) + l1 * m.encoder(x).mean(), False, "averaged over the units"),
    (lambda m, x, l1=1e-3: l1 * m.encoder(x).sum(1).mean(), False, "the MSE is missing"),
    (lambda m, x, l1=1e-3: F.mse_loss(m(x), x), False, "the penalty is missing"),
    (lambda m, x, l1=1e-3: plain_l1_loss(m, x), False, "the l1 argument is ignored"),
    (lambda m, x, l1=1e-3: plain_l1_loss(m, x, l1).item(), False, "one-number tensor"),
    (lambda m, x, l1=1e-3: plain_l1_loss(m, x, l1).detach(), False, "no gradient"),
    (lambda m, x, l1=1e-3: plain_l1_loss(m, x, l1) * float("nan"), False, "nan"),
    (lambda m, x, l1=1e-3: torch.stack([plain_l1_loss(m, x, l1)] * 2), False, "2 numbers"),
    (lambda m, x, l1=1e-3: None, False, "got NoneType"),
    (lambda m, x, l1=1e-3: m.missing, False, "raised AttributeError"),
])
def test_plain_l1(answer, ok, words, capsys):
    result, out = verdict_of(chapter7.check_plain_l1, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 8: the area under the curve -----------------------------------------------------------------
def area(false_alarms, detections):  # the notebook's solution
    x = torch.cat([torch.zeros(1), torch.as_tensor(false_alarms).cpu(), torch.ones(1)])
    y = torch.cat([torch.zeros(1), torch.as_tensor(detections).cpu(), torch.ones(1)])
    return ((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2).sum().item()


def in_a_loop(false_alarms, detections):  # plain Python floats, corners added to lists
    xs = [0.0, *map(float, false_alarms), 1.0]
    ys = [0.0, *map(float, detections), 1.0]
    return sum((xs[i + 1] - xs[i]) * (ys[i + 1] + ys[i]) / 2 for i in range(len(xs) - 1))


def with_numpy_trapz(false_alarms, detections):
    return np.trapezoid(np.r_[0, detections, 1], np.r_[0, false_alarms, 1])


def first_corner_only(false_alarms, detections):  # (0, 0) added, (1, 1) forgotten
    x = torch.cat([torch.zeros(1, dtype=false_alarms.dtype), false_alarms])
    y = torch.cat([torch.zeros(1, dtype=detections.dtype), detections])
    return ((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2).sum().item()


def no_corners(false_alarms, detections):
    x, y = torch.as_tensor(false_alarms), torch.as_tensor(detections)
    return ((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2).sum().item()


def left_rectangles(false_alarms, detections):
    x = torch.cat([torch.zeros(1, dtype=false_alarms.dtype), false_alarms, torch.ones(1, dtype=false_alarms.dtype)])
    y = torch.cat([torch.zeros(1, dtype=detections.dtype), detections, torch.ones(1, dtype=detections.dtype)])
    return ((x[1:] - x[:-1]) * y[:-1]).sum().item()


@pytest.mark.parametrize("answer, ok, words", [
    (area, True, "ties and corners included"),
    (in_a_loop, True, "Correct"),
    (lambda fa, det: torch.tensor(area(fa, det), dtype=torch.float64), True, "Correct"),
    (with_numpy_trapz, False, "add up the trapezoids yourself"),
    (no_corners, False, "corners (0, 0) and (1, 1) are missing"),
    (first_corner_only, False, "the trapezoids under this curve add up to"),
    (left_rectangles, False, "left point"),
    (lambda fa, det: area(det, fa), False, "axes are swapped"),
    (lambda fa, det: area(fa, det) * 0.9, False, "the trapezoids under this curve add up to"),
    (lambda fa, det: float("nan"), False, "nan"),
    (lambda fa, det: None, False, "return the area as a number"),
    (lambda fa, det: fa[10_000], False, "area raised IndexError"),
])
def test_area(answer, ok, words, capsys):
    result, out = verdict_of(chapter8.check_area, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 8: a threshold for a given rate of false alarms -------------------------------------------
def threshold_for(scores, rate):  # the notebook's solution
    ordered = scores.flatten().sort(descending=True).values
    return ordered[int(rate * len(ordered) + 1e-9)].item()


def by_kthvalue(scores, rate):  # another way: the k-th smallest score, in NumPy float64 first
    s = torch.from_numpy(scores.numpy().astype(np.float64))
    return s.kthvalue(len(s) - math.floor(rate * len(s) + 1e-9)).values


@pytest.mark.parametrize("answer, ok, words", [
    (threshold_for, True, "as much of it as the scores allow"),
    (by_kthvalue, True, "Correct"),
    (lambda s, r: torch.quantile(s, 1 - r).item(), False, "count the scores above"),  # wrong on 7 scores
    (lambda s, r: np.quantile(s.numpy(), 1 - r, method="higher"), False, "higher than it needs to be"),
    (lambda s, r: torch.tensor(threshold_for(s, r)), True, "Correct"),  # a 0-d tensor
    (lambda s, r: torch.quantile(s, r).item(), False, "(1 - rate) quantile"),
    (lambda s, r: (s.mean() + 2 * s.std()).item(), False, "bell curve"),
    (lambda s, r: s.min().item() - 1, False, "move it up"),
    (lambda s, r: s.sort(descending=True).values[int(r * len(s))].item(), False, "higher than it needs to be"),
    (lambda s, r: s.max().item(), False, "higher than it needs to be"),
    (lambda s, r: float("nan"), False, "nan"),
    (lambda s, r: None, False, "return the threshold"),
    (lambda s, r: s.sort().values[:2], False, "one threshold"),
    (lambda s, r: s[10_000], False, "threshold_for raised IndexError"),
])
def test_threshold(answer, ok, words, capsys):
    result, out = verdict_of(chapter8.check_threshold, answer, capsys=capsys)
    assert result is ok and words in out


# chapter 8: blank or digit? --------------------------------------------------------------------------
BLANK, DIGITS = torch.full((50,), 23.5), torch.linspace(60, 160, 101)


@pytest.mark.parametrize("choice, blank, digits, ok, words", [
    ("a", BLANK, DIGITS, True, "lower is more likely"),
    ("A ", BLANK, DIGITS, True, "Correct"),
    ("b", BLANK, DIGITS, False, "the blank image is more likely"),
    ("c", BLANK, DIGITS, False, "the blank image is more likely"),
    ("c", torch.full((5,), 112.0), DIGITS, True, "Correct"),
    ("a", torch.full((5,), 200.0), DIGITS, False, "the typical digit is more likely"),
    (None, BLANK, DIGITS, False, "write your prediction first"),
    ("blank", BLANK, DIGITS, False, "one of 'a', 'b', 'c'"),
    (Unreadable(), BLANK, DIGITS, False, "one of 'a', 'b', 'c'"),
    ("a", torch.full((5,), float("nan")), DIGITS, False, "cells above again"),
    ("a", "not run", DIGITS, False, "cells above again"),
])
def test_blank_prediction(choice, blank, digits, ok, words, capsys):
    result, out = verdict_of(chapter8.check_blank_prediction, choice, blank, digits, capsys=capsys)
    assert result is ok and words in out
