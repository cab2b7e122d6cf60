"""What a trained model depends on, as text: the checkpoint cache's key.

`training_key` describes one call of `train_or_load` from what it actually received: the
model (its classes, their code and plain settings, its shapes and its starting weights), the loss function (its
code, the values it closes over, the course functions it calls), the optimiser settings, the
batch size, the epochs, the seed, the data (hashed), and the code of the training loop
itself. Two calls share a checkpoint only if all of these agree, so a model cached by older
code, on other data or with other settings is retrained, never reused.
"""

import ast
import dis
import functools
import hashlib
import inspect
import json
import textwrap
import types

import torch

OURS = ("__main__", "aecourse")  # code whose text counts: the notebook's and the course package's


def tensor_digest(*tensors: torch.Tensor) -> str:
    """A SHA-1 of the tensors' shapes, dtypes and values (wherever they live)."""
    h = hashlib.sha1()
    for t in tensors:
        h.update(f"{tuple(t.shape)}{t.dtype}".encode())
        if t.numel():
            h.update(t.detach().contiguous().view(-1).view(torch.uint8).cpu().numpy().tobytes())
    return h.hexdigest()


def _is_ours(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").split(".")[0] in OURS


def _code(code: types.CodeType) -> list:
    """The bytecode, constants (nested code included) and names of a code object: its text, minus line numbers."""
    consts = [_code(c) if isinstance(c, types.CodeType) else sorted(map(repr, c)) if isinstance(c, frozenset)
              else repr(c) for c in code.co_consts]  # a frozenset's order changes from run to run
    return [code.co_code.hex(), consts, list(code.co_names)]


def _text(fn) -> str | list:
    """A function's text: its source as a syntax tree (comments and layout left out), where the source is there.

    The bytecode is only the fallback (a lambda, code with no file): it depends on more than the text. Python
    3.11 compiles `F.f(x)` one way when `F` is imported in the same file (the package) and another when it is
    imported in another cell (a notebook), so the two copies of one function would get two keys.
    """
    if fn.__name__ != "<lambda>":
        try:
            return ast.dump(ast.parse(textwrap.dedent(inspect.getsource(fn))))
        except (OSError, TypeError, SyntaxError):
            pass
    return _code(fn.__code__)


def _names(code: types.CodeType) -> set[str]:
    """The global names a code object and the code nested in it (comprehensions, inner functions) read.

    Only names read as globals: `self.latent_dim` shares its name with a notebook's global `latent_dim`, and
    would put that global in the key of the notebook's copy of a class but not of the package's.
    """
    read = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    return read.union(*(_names(c) for c in code.co_consts if isinstance(c, types.CodeType)))


def _value(v, seen: set):
    """How a value a function uses enters the key."""
    if isinstance(v, torch.nn.Module):
        return describe_model(v)
    if callable(v):
        return describe_function(v, seen)
    if isinstance(v, torch.Tensor):
        return tensor_digest(v)
    if isinstance(v, dict):  # e.g. a table of functions picked by name: each entry counts
        return {repr(k): _value(x, seen) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_value(x, seen) for x in v]
    if isinstance(v, (int, float, str, bool, type(None))):
        return repr(v)
    return type(v).__qualname__  # a module, the data object, ...: named, not described


def describe_function(fn, seen: set | None = None):
    """A function as the key sees it: its code and everything of ours that it reaches.

    For the course's own functions (defined in the notebook or the package), that is the
    name (without the module: a notebook's copy of a package function is the same function), the
    source (`_text`), the default arguments, the values it closes over and, by name, the global
    functions and plain values it uses, followed recursively. Library functions
    (torch, ...) are named only.
    """
    seen = set() if seen is None else seen
    if isinstance(fn, functools.partial):
        return ["partial", describe_function(fn.func, seen), [_value(a, seen) for a in fn.args],
                {k: _value(v, seen) for k, v in sorted(fn.keywords.items())}]
    name = getattr(fn, "__qualname__", type(fn).__qualname__)
    if not _is_ours(fn):
        return f"{getattr(fn, '__module__', '')}.{name}"
    if not inspect.isfunction(fn):  # a class of ours (as in the __class__ cell of a method calling super())
        return name  # named without its module, like the functions; a model's classes are described in full

    if id(fn) in seen:
        return name
    seen.add(id(fn))
    used = {n: fn.__globals__[n] for n in _names(fn.__code__) if n in fn.__globals__}
    return [name, _text(fn), [_value(d, seen) for d in fn.__defaults__ or ()],
            {k: _value(v, seen) for k, v in sorted((fn.__kwdefaults__ or {}).items())},
            [_value(c.cell_contents, seen) for c in fn.__closure__ or ()],
            {n: _value(v, seen) for n, v in sorted(used.items())
             if not isinstance(v, types.ModuleType) and not inspect.isclass(v)}]


def _settings(module: torch.nn.Module) -> dict:
    """A module's own plain settings (numbers, text, flags: ``TopK(k)``'s k), which its printout may not show."""
    return {k: repr(v) for k, v in sorted(vars(module).items())
            if not k.startswith("_") and k != "training" and isinstance(v, (int, float, str, bool, type(None)))}


def describe_model(model: torch.nn.Module) -> list:
    """The architecture (printed), the code and the plain settings of every module of ours in it, and the
    starting weights."""
    classes = {type(m) for m in model.modules() if _is_ours(type(m))}
    code = {c.__qualname__: {k: describe_function(v) for k, v in sorted(vars(c).items()) if inspect.isfunction(v)}
            for c in sorted(classes, key=lambda c: c.__qualname__)}
    settings = {name: _settings(m) for name, m in model.named_modules() if _is_ours(type(m))}
    state = model.state_dict()
    return [repr(model), code, settings, {k: tensor_digest(v) for k, v in state.items()}]


def training_key(model, loss_fn, tensors, training_fn, **settings) -> str:
    """The key of one training: everything above, and `settings` (epochs, batch size, lr, seed, ...)."""
    return json.dumps({"model": describe_model(model), "loss": describe_function(loss_fn),
                       "data": tensor_digest(*tensors), "training": describe_function(training_fn),
                       "settings": settings}, sort_keys=True, default=str)
