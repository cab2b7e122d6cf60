"""Self-checks for the exercises, one module per chapter (``aecourse.exercises.chapter1`` ...).

Every check prints its verdict and returns True or False, so a learner sees why an answer is
right or not yet, and a test can assert on the result. Here: the two verdicts, and the two ways
a check catches a shortcut the exercise forbids: `forbid` makes the forbidden functions raise
while the answer runs; `reaches` reads the answer's code for calls to them. And one check that
chapters 1 and 6 share: a parameter count written as a formula (`param_formula_error`).
"""

import types
from contextlib import ExitStack
from unittest import mock

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


class Forbidden(Exception):
    """Raised when an answer calls what its exercise forbids."""


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


def _names(code: types.CodeType) -> set[str]:
    return set(code.co_names).union(*(_names(c) for c in code.co_consts if isinstance(c, types.CodeType)))


def _targets(value, names: set[str], depth: int = 0) -> list:
    """`value`, or, for a module, what the code can reach in it by the names it uses (submodules too)."""
    if not isinstance(value, types.ModuleType):
        return [value]
    attributes = [getattr(value, n, None) for n in names] if depth < 3 else []
    return [t for a in attributes for t in _targets(a, names, depth + 1)]


def reaches(fn, forbidden, _seen=None) -> list[str]:
    """The functions named in `forbidden` that `fn` calls: by name, through a module, or via its own helpers.

    A shortcut check: an exercise that asks for PSNR "by hand" fails if the answer calls `psnr`.
    """
    seen = set() if _seen is None else _seen
    fn = getattr(fn, "func", fn)  # a functools.partial: its function
    code = getattr(fn, "__code__", None)
    if code is None or id(fn) in seen:
        return []
    seen.add(id(fn))
    names, found = _names(code), {fn.__name__} & set(forbidden)  # a forbidden function under another name
    values = [fn.__globals__.get(n) for n in names] + [c.cell_contents for c in fn.__closure__ or ()]
    for target in (t for v in values for t in _targets(v, names)):
        if callable(target) and getattr(target, "__name__", None) in forbidden:
            found.add(target.__name__)
        elif isinstance(target, types.FunctionType) and target.__module__ == fn.__module__:
            found.update(reaches(target, forbidden, seen))  # the learner's own helpers
    return sorted(found)


def param_formula_error(formula, model_class, dims, name: str, hint: str) -> str | None:
    """Why `formula(latent_dim)` miscounts the parameters of `model_class(latent_dim)`, or None if it never does."""
    for d in dims:
        truth = sum(p.numel() for p in model_class(d).parameters())
        try:  # a formula needs no model: building one, or counting one's parameters, is refused here
            with forbid((nn.Linear, "__init__"), (nn.Module, "parameters"), (nn.Module, "named_parameters"),
                         (nn.Module, "state_dict")):
                got = formula(d)
        except Forbidden as err:
            return (f"{name} calls {err} (it builds a model or counts a model's parameters): "
                    "write the count as a formula of latent_dim, from the layer sizes alone.")
        if got is None:
            return f"{name} returned None: write the formula and return it."
        if got != truth:
            return f"for latent_dim={d} you count {got:,} but the model has {truth:,} (off by {got - truth:+,}). {hint}"
    return None
