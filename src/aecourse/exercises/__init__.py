"""Self-checks for the exercises, one module per chapter (``aecourse.exercises.chapter1`` ...).

Every check prints its verdict and returns True or False, so a learner sees why an answer is
right or not yet, and a test can assert on the result. Here, shared by every chapter:

* the two verdicts (`right`, `wrong`), and `verdict`, which makes a check end with "Not yet" and
  the message of the first `NotYet` raised inside it;
* reading an answer the way a learner may have written it: `call` runs the learner's function
  (an exception in it, or no function at all, is one plain line), `number`, `whole`, `tensor`
  and `pick` accept a right value in any reasonable form (Python or NumPy numbers, 0-d tensors,
  NumPy arrays, lists, float64, an equivalent shape, a choice in other case) and refuse, saying
  so, what is not one (None, nan and inf, yes/no where a number is asked, text); `close` compares
  with a relative tolerance and is never true for a value that is not finite;
* the two ways a check catches a shortcut the exercise forbids: `forbid` makes the forbidden
  functions raise while the answer runs; `reaches` reads the answer's code for calls to them,
  through helpers, callable objects, partials, bound methods and tables (dicts, lists, tuples);
* one check that chapters 1 and 6 share: a parameter count written as a formula
  (`param_formula_error`), tried on latent sizes drawn anew on every call besides fixed ones.
"""

import dis
import functools
import math
import random
import types
from contextlib import ExitStack, contextmanager
from unittest import mock

import numpy as np
import torch
from torch import nn

from aecourse.progress import wrapped


def right(message: str) -> bool:
    """Print that the answer is correct, and why; return True."""
    print(wrapped("Correct: " + message))
    return True


def wrong(message: str) -> bool:
    """Print what is not right yet; return False."""
    print(wrapped("Not yet: " + message))
    return False


class NotYet(Exception):
    """Raised inside a check (by the helpers below, or by the check) to end it with "Not yet: <message>"."""


def verdict(check):
    """Decorate a check: a `NotYet` raised while it runs becomes its "Not yet" verdict (False).

    The learner's random streams (CPU, and CUDA's where it is in use) are as they were after the check: what
    it draws, and what the answer it runs draws, leaves the notebook's next cells as they would have been.
    """
    @functools.wraps(check)
    def run(*args, **kwargs):
        cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
        with torch.random.fork_rng(devices=cuda):
            try:
                return check(*args, **kwargs)
            except NotYet as err:
                return wrong(str(err))
    return run


class Forbidden(BaseException):
    """Raised when an answer calls what its exercise forbids.

    A BaseException, so that an answer's own ``except Exception`` cannot swallow it."""


def forbid(*targets):
    """A context in which calling any of `targets` ((owner, attribute name) pairs) raises Forbidden."""
    stack = ExitStack()
    for owner, name in targets:
        stack.enter_context(mock.patch.object(owner, name, _refuser(f"{owner.__name__}.{name}")))
    return stack


def _refuser(what: str):
    def refuse(*args, **kwargs):
        raise Forbidden(what)
    return refuse


@contextmanager
def seeded(seed: int | None = None):
    """Run the check's own draws with `seed` (None: a fresh one) and give the learner's random stream back after."""
    with torch.random.fork_rng(devices=[]):
        if seed is None:
            torch.seed()
        else:
            torch.manual_seed(seed)
        yield


# reading the answer -----------------------------------------------------------------------------
def _kind(value) -> str:
    """'a float', 'a list', 'an int' ...: what a value is, for a message."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _label(fn, name: str) -> str:
    """The learner's own name for `fn` where it has one, else the exercise's."""
    own = getattr(fn, "__name__", None)
    return own if isinstance(own, str) and own.isidentifier() else name


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    text = text[0] if text else ""
    text = text if len(text) <= 160 else text[:157] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def call(fn, name: str, *args, refuse=(), refused: str = "", on: str = "", **kwargs):
    """fn(*args, **kwargs), the learner's function run by a check.

    No function (None, or a value: its result passed instead) and any exception it raises end the
    check with one plain line. With `refuse` ((owner, name) pairs), those are forbidden while it runs
    and calling one ends the check with `refused` (its ``{}`` is what was called).
    """
    if fn is None or not callable(fn):
        got = "" if fn is None else f" (got {_kind(fn)})"
        raise NotYet(f"pass your function itself, {name}, not its result{got}.")
    try:
        with forbid(*refuse):
            return fn(*args, **kwargs)
    except Forbidden as err:
        if refused:
            raise NotYet(refused.format(err)) from None
        raise
    except NotYet:
        raise
    except Exception as err:
        raise NotYet(f"{_label(fn, name)} raised {_one_line(err)}{' ' + on if on else ''}.") from None


NAN_HINT = ": look for a log of 0 or of a negative number, a division by 0, or a square root of a negative number."


def number(value, said: str, *, none: str = ".", nan: str = NAN_HINT, many: str = "") -> float:
    """`value` as one finite float: a Python or NumPy number, a 0-d or one-element tensor or array.

    Otherwise the check ends: "<said> None<none>", "<said> nan<nan>", "<said> True, a yes/no, not a number" ...
    """
    if value is None:
        raise NotYet(f"{said} None{none}")
    if isinstance(value, (bool, np.bool_)):
        raise NotYet(f"{said} {bool(value)}, a yes/no, not a number.")
    if isinstance(value, (str, bytes)):
        raise NotYet(f"{said} the text {value!r}, not a number.")
    if isinstance(value, (torch.Tensor, np.ndarray)):
        size = value.numel() if isinstance(value, torch.Tensor) else value.size
        if size != 1:
            raise NotYet(f"{said} {size:,} numbers (shape {tuple(value.shape)}), where one is wanted{many}.")
        if value.dtype in (torch.bool, np.bool_):
            raise NotYet(f"{said} a yes/no tensor, not a number.")
        value = value.detach().cpu().reshape(()) if isinstance(value, torch.Tensor) else value.reshape(())
    try:
        got = float(value)
    except Exception:  # a list, a dict, a complex number, an object without __float__ or a failing one
        raise NotYet(f"{said} {_kind(value)}, not a number.") from None
    if not math.isfinite(got):
        raise NotYet(f"{said} {got}{nan}")
    return got


def whole(value, said: str, *, none: str = ".", frac: str = ".") -> int:
    """`value` as an int: a whole number in any of the forms `number` accepts (6, np.int64(6), 6.0, tensor(6))."""
    got = number(value, said, none=none, nan=": a count or a size is a whole number.")
    if got != int(got):
        raise NotYet(f"{said} {got!r}, not a whole number{frac}")
    return int(got)


def tensor(value, said: str, like: torch.Tensor, *, reshape: bool = True, keep_grad: bool = False,
           none: str = ".", nan: str = NAN_HINT, shape: str = "") -> torch.Tensor:
    """`value` as a finite tensor with `like`'s shape, dtype and device.

    Accepted: a tensor of any float or integer dtype and device, a NumPy array, a (nested) list of numbers
    or of tensors; with `reshape`, any shape holding as many numbers as `like` ((B, 784) for (B, 1, 28, 28)).
    `keep_grad` keeps the autograd graph (float64 -> float32 keeps it too).
    """
    if value is None:
        raise NotYet(f"{said} None{none}")
    try:
        if isinstance(value, torch.Tensor):
            got = value
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, torch.Tensor) for v in value):
            got = torch.stack([v.to(like.device) for v in value])
        else:
            got = torch.as_tensor(np.asarray(value))
    except Exception:
        raise NotYet(f"{said} {_kind(value)}, not a tensor of numbers{shape}.") from None
    if got.is_complex():
        raise NotYet(f"{said} a {got.dtype} tensor, not real numbers.")
    got = got.to(device=like.device, dtype=like.dtype)
    got = got if keep_grad else got.detach()
    bad = ~torch.isfinite(got.detach())
    if bad.any():
        what = "nan" if got.detach().isnan().any() else "inf"
        raise NotYet(f"{said} {what} (in {int(bad.sum()):,} of its {got.numel():,} values){nan}")
    if got.shape != like.shape:
        if not (reshape and got.numel() == like.numel()):
            raise NotYet(f"{said} shape {tuple(got.shape)}; expected {tuple(like.shape)}{shape}.")
        got = got.reshape(like.shape)
    return got


def _float64(value) -> torch.Tensor:
    """A number or tensor as float64 on the CPU; a Python float never passes through float32 (1e60 stays 1e60)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double()
    return torch.as_tensor(np.asarray(value, dtype=np.float64))


def close(got, want, rtol: float = 1e-5, atol: float = 0.0) -> bool:
    """|got - want| <= atol + rtol * |want| everywhere, for numbers or tensors of one shape; never for nan or inf."""
    got, want = _float64(got), _float64(want)
    if got.shape != want.shape or not torch.isfinite(got).all():
        return False
    return bool(((got - want).abs() <= atol + rtol * want.abs()).all())


def off(got: float, want: float) -> str:
    """'3.2% above' / '0.4% below': how far `got` is from `want`, without saying `want`."""
    if want == 0:
        return f"{got:+.3g} away from"
    return f"{abs(got / want - 1):.1%} {'above' if got > want else 'below'}"


def slip(got, slips: dict, otherwise: str, rtol: float = 1e-4) -> str:
    """The message of the first of `slips` (message -> the value that slip gives) `got` matches, else `otherwise`."""
    return next((message for message, value in slips.items() if close(got, value, rtol=rtol)), otherwise)


def pick(value, options, said: str):
    """The option `value` names (case, spaces and quotes aside), else the check ends: "<said> should be one of ..."."""
    if isinstance(value, str):
        key = value.strip().strip("\"'").strip().lower()
        for option in options:
            if str(option).lower() == key:
                return option
    raise NotYet(f"{said} should be one of {', '.join(map(repr, options))}; got {value!r}.")


def measured(*values, what: str = "the run's numbers"):
    """The run's numbers, as floats: a check never compares with nan (then the cells above are to be run again)."""
    try:
        got = [float(v) for v in values]
    except Exception:
        raise NotYet(f"{what} are not numbers: run the chapter's cells above again.") from None
    if not all(math.isfinite(v) for v in got):
        raise NotYet(f"{what} include nan or inf: run the chapter's cells above again.")
    return got


class Spy(nn.Module):
    """A stand-in model: it records the last inputs it is given (`seen`, four at most), and its output,
    sigmoid(6 w (x - 1/2)), depends on them and on its one parameter w (0.8), so that a loss of it has a gradient."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(0.8))
        self.seen = []

    def forward(self, x):
        self.seen = [*self.seen[-3:], x.detach().clone()]
        return torch.sigmoid(self.w * (x - 0.5) * 6)


# what an answer's code can reach ------------------------------------------------------------------
def _names(code: types.CodeType) -> set[str]:
    """Every name the code (and the code nested in it) uses: globals, and attributes of what it uses."""
    return set(code.co_names).union(*(_names(c) for c in code.co_consts if isinstance(c, types.CodeType)))


def _global_names(code: types.CodeType) -> set[str]:
    """The names the code reads as globals (``layer.encoder`` reads ``encoder`` as an attribute only)."""
    own = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    return own.union(*(_global_names(c) for c in code.co_consts if isinstance(c, types.CodeType)))


def _home(value) -> str | None:
    """The module the learner's code lives in: that of the answer (or of its class, or its wrapped function)."""
    while isinstance(value, (functools.partial, types.MethodType)):
        value = value.func if isinstance(value, functools.partial) else value.__func__
    if isinstance(value, (types.FunctionType, type)):
        return value.__module__
    return type(value).__module__


def _unwrap(member):
    if isinstance(member, (staticmethod, classmethod)):
        return [member.__func__]
    if isinstance(member, property):
        return [member.fget, member.fset]
    return [member]


def _children(value, names: set[str], home, root: bool, hops: int):
    """What `value` leads to, each with the names its code uses (to look attributes up by) and module hops."""
    if isinstance(value, functools.partial):
        return [(v, names, hops) for v in (value.func, *value.args, *value.keywords.values())]
    if isinstance(value, types.MethodType):
        return [(value.__func__, names, hops), (value.__self__, names, hops)]
    if isinstance(value, types.FunctionType):
        if not (root or value.__module__ == home):
            return []  # a library's function: only its name counts
        own = _names(value.__code__)
        cells = []
        for cell in value.__closure__ or ():
            try:
                cells.append(cell.cell_contents)
            except ValueError:  # a cell not filled yet
                pass
        found = [value.__globals__[n] for n in _global_names(value.__code__) if n in value.__globals__] + cells
        found += list(value.__defaults__ or ()) + list((value.__kwdefaults__ or {}).values())
        return [(v, own, 0) for v in found]
    if isinstance(value, types.ModuleType):
        return [(getattr(value, n), names, hops + 1) for n in names if hops < 3 and hasattr(value, n)]
    if isinstance(value, dict):
        return [(v, names, hops) for v in list(value.values())[:1000]]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [(v, names, hops) for v in list(value)[:1000]]
    if isinstance(value, (torch.Tensor, np.ndarray, str, bytes, int, float, complex)):
        return []
    if isinstance(value, type):
        if value.__module__ != home:
            return []
        members = [m for c in value.__mro__ if c.__module__ == home for m in vars(c).values()]
        return [(f, names, hops) for m in members for f in _unwrap(m) if f is not None]
    attributes = getattr(value, "__dict__", None)
    if not isinstance(attributes, dict):
        return []
    if type(value).__module__ == home:  # the learner's own object: its class and everything it holds
        return [(type(value), names, hops)] + [(v, names, hops) for v in attributes.values()]
    return [(v, names, hops) for n, v in attributes.items() if n in names]  # a library's: what the code names


def reachable(fn, limit: int = 20000) -> list:
    """Every object `fn` can reach by the names its code uses: globals, closures, default values, modules'
    attributes, the learner's helpers (functions, callable objects, classes), partials, bound methods, and
    the items of dicts, lists and tuples among them. `fn` itself comes first."""
    home, seen, found = _home(fn), set(), []
    todo = [(fn, set(), 0, True)]
    while todo and len(found) < limit:
        value, names, hops, root = todo.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        found.append(value)
        try:
            children = _children(value, names, home, root, hops)
        except Exception:  # an object that refuses to be looked into (a failing __getattr__, a lazy module)
            children = []
        todo.extend((v, n, h, False) for v, n, h in reversed(children))
    return found


def reaches(fn, forbidden) -> list[str]:
    """The functions named in `forbidden` that `fn` calls: by name, through a module, via its own helpers,
    callable objects, partials, bound methods or a table (a dict, list or tuple) that holds them.

    A shortcut check: an exercise that asks for PSNR "by hand" fails if the answer calls `psnr`.
    """
    forbidden = set(forbidden)
    return sorted({v.__name__ for v in reachable(fn) if callable(v) and getattr(v, "__name__", None) in forbidden})


# a parameter count as a formula --------------------------------------------------------------------
def count_params(model_class, latent_dim: int) -> int:
    """The parameters of `model_class(latent_dim)`, built on the meta device (no memory, no random draws)."""
    with torch.device("meta"):
        return sum(p.numel() for p in model_class(latent_dim).parameters())


BUILDING = tuple((nn.Module, name) for name in (  # a formula needs no model: building one, or reading one, is refused
    "__init__", "parameters", "named_parameters", "state_dict", "modules", "named_modules", "children",
    "__getattr__"))  # __getattr__: a built model's layers and weights (model.encoder[1].weight)


def param_formula_error(formula, model_class, dims, name: str, hint: str) -> str | None:
    """Why `formula(latent_dim)` miscounts the parameters of `model_class(latent_dim)`, or None if it never does.

    Tried on `dims` and on two latent sizes drawn anew on every call (a table of answers cannot know them).
    """
    draw = random.Random()
    for d in (*dims, draw.randint(3, 300), draw.randint(301, 1000)):
        truth = count_params(model_class, d)
        try:
            got = call(formula, name, d, refuse=BUILDING, on=f"for latent_dim={d}",
                       refused=f"{name} calls {{}} (it builds a model or counts a model's parameters): write the "
                               "count as a formula of latent_dim, from the layer sizes alone.")
            got = whole(got, f"for latent_dim={d}, {name} returned", none=": write the formula and return it.")
        except NotYet as err:
            return str(err)
        if got != truth:
            return f"for latent_dim={d} you count {got:,} but the model has {truth:,} (off by {got - truth:+,}). {hint}"
    return None
