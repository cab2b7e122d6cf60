"""Train a model, or load it if that very training ran before: the checkpoint cache.

A checkpoint is ``{"state_dict", "history", "seconds", "key"}`` written atomically (to a temporary
file, then renamed), so an interrupted run never leaves a half-written file under the
final name. It is read back with ``weights_only=True``. A file that is corrupt, was made
for another configuration, or does not fit the model is reported and retrained, never a
crash; a rejected file is checked before anything is copied, so the model is left untouched.
A checkpoint that cannot be written (read-only folder, full disk) is a warning naming the
path: the trained model is kept and used, and only the next run trains again.
"""

import contextlib
import hashlib
import os
import time
import warnings
from pathlib import Path

import torch

from .fingerprint import training_key
from .progress import wrapped
from .train import fit


def checkpoint_dir() -> Path:
    return Path(os.environ.get("AECOURSE_CHECKPOINTS") or Path.home() / ".cache" / "aecourse" / "checkpoints")


def checkpoint_path(key: str) -> Path:
    """Where the checkpoint of the training described by `key` lives: a file named by the key's hash."""
    return checkpoint_dir() / f"{hashlib.sha1(key.encode()).hexdigest()[:20]}.pt"


def save_checkpoint(path: Path, model: torch.nn.Module, history: list[float], key: str,
                    seconds: float = float("nan")) -> bool:
    """Write the checkpoint (`seconds`: how long the training took); on failure warn, naming the path
    and the reason, and return False."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"state_dict": state, "history": [float(h) for h in history], "seconds": float(seconds),
                    "key": key}, tmp)
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


def try_load(path: Path, model: torch.nn.Module, key: str) -> dict | None:
    """``{"history", "seconds"}`` saved with the weights if `path` holds a usable checkpoint for `model`
    and `key` (the weights are then loaded into `model`), else None."""
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
    return {"history": list(saved.get("history", [])), "seconds": float(saved.get("seconds", float("nan")))}


def train_or_load(model: torch.nn.Module, loss_fn, *tensors: torch.Tensor, epochs: int, batch_size: int,
                  lr: float = 1e-3, seed: int = 0, desc: str | None = None, progress: bool = True,
                  verbose: bool = True) -> torch.nn.Module:
    """Train `model` as ``fit(model, loss_fn, *tensors, ...)`` would, or load the result of that same training.

    The checkpoint is found by what the training received (`aecourse.fingerprint`): the
    model with its starting weights, the loss, the data, `epochs`, `batch_size`, `lr`, `seed`
    and the code of `fit`. Change any of them and the model is trained anew; `desc`,
    `progress` and `verbose` only change what is shown. The batches are drawn from a
    generator seeded with `seed` and the caller's random state is left as it was, so loading
    and training leave the notebook's later random numbers the same. Returns `model`, in eval
    mode, with its per-epoch training loss as ``model.history`` and the seconds its training
    took as ``model.seconds`` (measured when it was trained, also when it is loaded).
    """
    desc = desc or type(model).__name__
    key = training_key(model, loss_fn, tensors, fit, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    path = checkpoint_path(key)
    saved = try_load(path, model, key)
    if saved is not None:
        history, seconds = saved["history"], saved["seconds"]
        if verbose:
            print(wrapped(f"{desc}: loaded from the checkpoint cache ({path.name})"))
    else:
        device = next(model.parameters()).device
        start = time.perf_counter()
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(seed)
            history = fit(model, loss_fn, *tensors, epochs=epochs, batch_size=batch_size, lr=lr, desc=desc,
                          progress=progress)
        seconds = time.perf_counter() - start  # fit reads the loss back every epoch: the device has finished
        save_checkpoint(path, model, history, key, seconds)
    model.eval()
    model.history, model.seconds = history, seconds
    return model
