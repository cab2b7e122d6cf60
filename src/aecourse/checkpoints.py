"""Load the checkpoint if it exists, otherwise train, and save it for the next run.

A checkpoint is ``{"state_dict", "history", "key"}`` written atomically (to a temporary
file, then renamed), so an interrupted run never leaves a half-written file under the
final name. It is read back with ``weights_only=True``. A file that is corrupt, was made
for another configuration, or does not fit the model is reported and retrained, never a
crash.
"""

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import torch


def checkpoint_dir() -> Path:
    return Path(os.environ.get("AECOURSE_CHECKPOINTS") or Path.home() / ".cache" / "aecourse" / "checkpoints")


def _key(model: torch.nn.Module, config: dict) -> str:
    """What a checkpoint must match: the architecture and the training configuration."""
    return json.dumps({"model": repr(model), "config": config}, sort_keys=True, default=str)


def save_checkpoint(path: Path, model: torch.nn.Module, history: list[float], key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save({"state_dict": state, "history": [float(h) for h in history], "key": key}, tmp)
    os.replace(tmp, path)


def try_load(path: Path, model: torch.nn.Module, key: str) -> list[float] | None:
    """The saved history if `path` holds a usable checkpoint for `model` and `key`, else None."""
    if not path.exists():
        return None
    device = next(model.parameters()).device
    try:
        saved = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # truncated, not a zip, not a torch file, unsafe content, ...
        warnings.warn(f"{path.name}: unreadable checkpoint ({type(err).__name__}); retraining.", stacklevel=3)
        return None
    if not isinstance(saved, dict) or saved.get("key") != key:
        warnings.warn(f"{path.name}: checkpoint was made for another model or configuration; retraining.",
                      stacklevel=3)
        return None
    try:
        model.load_state_dict(saved["state_dict"])
    except (RuntimeError, KeyError, TypeError) as err:
        warnings.warn(f"{path.name}: checkpoint does not fit the model ({str(err)[:80]}); retraining.",
                      stacklevel=3)
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
