"""The shared mechanism of the self-checks (aecourse.exercises): reading an answer, comparing it, finding shortcuts."""

import functools
import math

import numpy as np
import pytest
import torch

import aecourse
from aecourse.exercises import (
    Forbidden,
    NotYet,
    call,
    close,
    forbid,
    measured,
    number,
    pick,
    reachable,
    reaches,
    tensor,
    verdict,
    whole,
)
from aecourse.metrics import psnr
from aecourse.noise import CORRUPTIONS, masking_noise


def verdict_of(check, *args, capsys):
    """(what `check(*args)` returned, its printed words), asserting that it printed one verdict and no traceback.

    Shared with the tests that plant answers in each chapter's checks (test_exercises_answers_*.py)."""
    result = check(*args)
    out = capsys.readouterr().out
    assert result in (True, False), f"{check.__name__} returned {result!r}, not True or False"
    assert out.count("Correct:") + out.count("Not yet:") == 1, out
    assert "Traceback" not in out, out
    assert out.startswith("Correct:" if result else "Not yet:"), out
    return result, " ".join(out.split())  # the verdict wraps at 80 columns: compare its words


class Unreadable:
    """An answer's value that raises when read as a number: a check says so in one line, it does not crash."""

    def __float__(self):
        raise RuntimeError("cannot be read")

    def __index__(self):
        raise RuntimeError("cannot be read")


def message(fn, *args, **kwargs) -> str:
    """The NotYet message `fn(*args)` ends with (the test fails if it returns instead)."""
    with pytest.raises(NotYet) as err:
        fn(*args, **kwargs)
    return str(err.value)


# verdicts ---------------------------------------------------------------------------------------
def test_verdict_turns_not_yet_into_one_not_yet_line_and_false(capsys):
    @verdict
    def check(ok):
        if not ok:
            raise NotYet("look at the sign.")
        return True

    assert check(True) is True
    assert check(False) is False
    assert capsys.readouterr().out == "Not yet: look at the sign.\n"


# running the learner's function ------------------------------------------------------------------
def test_call_runs_the_answer_and_says_in_one_line_what_went_wrong():
    def my_psnr(a, b):
        return a / b

    assert call(my_psnr, "my_psnr", 1, 2) == 0.5
    assert message(call, my_psnr, "my_psnr", 1, 0) == "my_psnr raised ZeroDivisionError: division by zero."
    assert message(call, lambda a, b: a / b, "my_psnr", 1, 0) == "my_psnr raised ZeroDivisionError: division by zero."
    assert message(call, None, "my_psnr", 1, 0) == "pass your function itself, my_psnr, not its result."
    assert message(call, 24.5, "my_psnr") == "pass your function itself, my_psnr, not its result (got a float)."
    long = message(call, lambda: (_ for _ in ()).throw(ValueError("x" * 500 + "\nsecond line")), "f")
    assert "\n" not in long and len(long) < 220


def test_call_maps_a_forbidden_call_to_its_message_and_forbidden_escapes_except_exception():
    def sneaky(x):
        try:
            return torch.sigmoid(x)
        except Exception:  # an answer's own try/except cannot swallow the refusal
            return x

    text = message(call, sneaky, "f", torch.zeros(1), refuse=[(torch, "sigmoid")], refused="f calls {}: no.")
    assert text == "f calls torch.sigmoid: no."
    with pytest.raises(Forbidden), forbid((torch, "sigmoid")):
        call(sneaky, "f", torch.zeros(1))
    assert torch.sigmoid(torch.zeros(1)).item() == 0.5  # the patch is gone


# reading numbers and tensors ----------------------------------------------------------------------
@pytest.mark.parametrize("value", [0.25, np.float64(0.25), np.float32(0.25), torch.tensor(0.25),
                                   torch.tensor([0.25]), torch.tensor(0.25, dtype=torch.float64),
                                   np.array(0.25), torch.tensor(0.25, requires_grad=True)])
def test_number_accepts_a_right_number_in_any_form(value):
    assert number(value, "x is") == 0.25


@pytest.mark.parametrize("value, said", [
    (None, "x is None"), (float("nan"), "x is nan"), (torch.tensor(float("inf")), "x is inf"),
    (np.float64("nan"), "x is nan"), (True, "yes/no"), (np.True_, "yes/no"), ("0.25", "the text"),
    (torch.ones(3), "3 numbers"), ([0.25], "a list"), (object(), "not a number"),
])
def test_number_refuses_what_is_not_one_finite_number(value, said):
    assert said in message(number, value, "x is")


def test_whole_accepts_whole_numbers_in_any_form_and_refuses_fractions():
    assert [whole(v, "n is") for v in (6, np.int64(6), 6.0, torch.tensor(6), np.float32(6))] == [6] * 5
    assert "not a whole number" in message(whole, 6.5, "n is")
    assert "yes/no" in message(whole, True, "n is")


def test_tensor_accepts_numpy_lists_float64_and_an_equivalent_shape():
    like = torch.zeros(2, 1, 2, 2)
    values = torch.arange(8.0).reshape(2, 1, 2, 2)
    for value in (values, values.double(), values.numpy(), values.tolist(), values.reshape(2, 4), list(values)):
        got = tensor(value, "f returned", like)
        assert got.dtype == torch.float32 and got.shape == like.shape and torch.equal(got, values)
    assert "shape (2, 4)" in message(tensor, values.reshape(2, 4), "f returned", like, reshape=False)
    assert "shape (3,)" in message(tensor, [1.0, 2.0, 3.0], "f returned", like)


def test_tensor_says_nan_plainly_and_keeps_the_graph_when_asked():
    bad = torch.tensor([1.0, float("nan"), 2.0])
    said = message(tensor, bad, "f returned", torch.zeros(3), nan=".")
    assert said == "f returned nan (in 1 of its 3 values)."
    assert "returned None" in message(tensor, None, "f returned", torch.zeros(3))
    x = torch.ones(3, requires_grad=True)
    assert tensor(x.double() * 2, "f returned", torch.zeros(3), keep_grad=True).requires_grad


def test_close_is_relative_and_never_true_for_nan():
    assert close(1000.0, 1000.05, rtol=1e-4) and not close(1e-3, 1.05e-3, rtol=1e-4)
    assert not close(float("nan"), float("nan"), rtol=1, atol=1)
    assert not close(torch.tensor([1.0, float("nan")]), torch.tensor([1.0, 1.0]), atol=1e9)
    assert not close(torch.zeros(2), torch.zeros(3))


def test_pick_and_measured():
    assert pick(" B ", {"a": 1, "b": 2}, "choice") == "b" and pick("'pixels'", ["network", "pixels"], "x") == "pixels"
    assert "should be one of 'a', 'b'; got ['b']" in message(pick, ["b"], {"a": 1, "b": 2}, "choice")
    assert measured(np.float64(0.5), torch.tensor(2.0)) == [0.5, 2.0]
    assert "run the chapter's cells above again" in message(measured, 0.5, math.nan)


# the shortcut finder ------------------------------------------------------------------------------
class PSNR:  # a callable object wrapping the package's psnr
    def __call__(self, a, b):
        return psnr(a, b)


class Holder:  # an object that holds the forbidden function as an attribute
    def __init__(self):
        self.fn = masking_noise

    def apply(self, x, f):
        return self.fn(x, f)


TABLE = {"masking": masking_noise}
HELPERS = [lambda a, b: psnr(a, b)]


def test_reaches_follows_callable_objects_bound_methods_tables_defaults_and_partials():
    assert reaches(PSNR(), {"psnr"}) == ["psnr"]
    assert reaches(Holder().apply, {"masking_noise"}) == ["masking_noise"]
    assert reaches(lambda x, f: CORRUPTIONS["masking"](x, f), {"masking_noise"}) == ["masking_noise"]
    assert reaches(lambda x, f: TABLE["masking"](x, f), {"masking_noise"}) == ["masking_noise"]
    assert reaches(lambda x, f: aecourse.noise.CORRUPTIONS["masking"](x, f), {"masking_noise"}) == ["masking_noise"]
    assert reaches(lambda a, b: HELPERS[0](a, b), {"psnr"}) == ["psnr"]
    assert reaches(lambda x, f, noise=masking_noise: noise(x, f), {"masking_noise"}) == ["masking_noise"]
    assert reaches(functools.partial(lambda f, a, b: f(a, b), psnr), {"psnr"}) == ["psnr"]
    assert reaches(lambda a, b: (10 * torch.log10(1 / (a - b).pow(2).flatten(1).mean(1))).mean(), {"psnr"}) == []


def test_reachable_reads_globals_not_attribute_names():
    layer = torch.nn.Linear(2, 2)
    found = reachable(lambda h: h.weight)  # `weight` is an attribute here, not the global below
    assert weight not in found and layer not in found


weight = torch.nn.Linear(3, 3)
