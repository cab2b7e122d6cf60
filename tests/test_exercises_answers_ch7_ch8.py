"""Planted answers for the self-checks of chapters 7 and 8: each check passes the notebook's solution and a right
answer written differently, and fails wrong, raising and nan answers with a message that says what to look at."""

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from test_exercises_shared import Unreadable, verdict_of

from aecourse.exercises import chapter7


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
    ("c", GROWS, True, "left without a job"),
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
