"""Load the checkpoint if it exists, otherwise train, and save it for the next run.

A checkpoint is ``{"state_dict", "history", "key"}`` written atomically (to a temporary
file, then renamed), so an interrupted run never leaves a half-written file under the
final name. It is read back with ``weights_only=True``. A file that is corrupt, was made
for another configuration, or does not fit the model is reported and retrained, never a
crash; a rejected file is checked before anything is copied, so the model is left untouched.
A checkpoint that cannot be written (read-only folder, full disk) is a warning naming the
path: the trained model is kept and used, and only the next run trains again.
"""

import contextlib
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import torch


def checkpoint_dir() -> Path:
    return Path(os.environ.get("AECOURSE_CHECKPOINTS") or Path.home() / ".cache" / "aecourse" / "checkpoints")


# Bumped when the package's training changes what the same configuration produces (2: fit skips
# the ragged last batch), so that models cached by older code are retrained, not reused.
TRAINING_VERSION = 2


def _key(model: torch.nn.Module, config: dict) -> str:
    """What a checkpoint must match: the architecture, the training configuration and the training code."""
    return json.dumps({"model": repr(model), "config": config, "training": TRAINING_VERSION}, sort_keys=True,
                      default=str)


def save_checkpoint(path: Path, model: torch.nn.Module, history: list[float], key: str) -> bool:
    """Write the checkpoint; on failure warn, naming the path and the reason, and return False."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"state_dict": state, "history": [float(h) for h in history], "key": key}, tmp)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as err:
        with contextlib.suppress(OSError):  # a partly written temporary file is removed
            tmp.unlink(missing_ok=True)
        warnings.warn(f"could not save the checkpoint to {path} ({err}); carrying on with the trained model, "
                      "which will be retrained next run.", stacklevel=3)
        return False
    return True


def _mismatch(state, expected: dict) -> str | None:
    """Why the saved `state` does not fit the model whose state_dict is `expected`, or None if it does."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        return "no state_dict of tensors"
    missing, extra = sorted(expected.keys() - state.keys()), sorted(state.keys() - expected.keys())
    if missing or extra:
        return f"missing {missing[:3]}, unexpected {extra[:3]}"
    for name, want in expected.items():
        if state[name].shape != want.shape:
            return f"{name}: saved {tuple(state[name].shape)}, model {tuple(want.shape)}"
    return None


def try_load(path: Path, model: torch.nn.Module, key: str) -> list[float] | None:
    """The saved history if `path` holds a usable checkpoint for `model` and `key`, else None."""
    if not path.exists():
        return None
    device = next(model.parameters()).device
    try:
        saved = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # truncated, not a zip, not a torch file, unsafe content, ...
        warnings.warn(f"{path}: unreadable checkpoint ({type(err).__name__}); retraining.", stacklevel=3)
        return None
    if not isinstance(saved, dict) or saved.get("key") != key:
        warnings.warn(f"{path}: checkpoint was made for another model or configuration; retraining.",
                      stacklevel=3)
        return None
    why = _mismatch(saved.get("state_dict"), model.state_dict())  # checked first: a failed load copies some tensors
    if why is None:
        try:
            model.load_state_dict(saved["state_dict"])
        except (RuntimeError, KeyError, TypeError) as err:
            why = str(err)
    if why is not None:
        warnings.warn(f"{path}: checkpoint does not fit the model ({why[:120]}); retraining.", stacklevel=3)
        return None
    return list(saved.get("history", []))


def load_or_train(name: str, model: torch.nn.Module, train: Callable[[torch.nn.Module], list[float]],
                  config: dict | None = None, verbose: bool = True) -> list[float]:
    """Fill `model` with cached weights, or run ``train(model)`` and cache the result.

    `config` is everything besides the architecture that the weights depend on (profile,
    data, epochs, loss, ...): a checkpoint made with another one is retrained. Returns the
    training-loss history.
    """
    path = checkpoint_dir() / f"{name}.pt"
    key = _key(model, config or {})
    history = try_load(path, model, key)
    if history is not None:
        model.eval()
        if verbose:
            print(f"{name}: loaded from the checkpoint cache ({path})")
        return history
    history = train(model)
    save_checkpoint(path, model, history, key)
    model.eval()
    return history
