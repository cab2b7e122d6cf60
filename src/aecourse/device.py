"""Pick the device every tensor of the course lives on: CUDA, then Apple's MPS, then the CPU."""

import os
import warnings

import torch

_CHOICES = ("cuda", "mps", "cpu")


def get_device(prefer: str | None = None) -> torch.device:
    """Return the best available device.

    `prefer` (or the environment variable ``AECOURSE_DEVICE``) forces one of
    ``cuda``, ``mps`` or ``cpu``. Asking for an accelerator that is not there
    falls back to the CPU with a warning instead of failing.
    """
    prefer = (prefer or os.environ.get("AECOURSE_DEVICE", "")).strip().lower() or None
    if prefer is not None and prefer not in _CHOICES:
        raise ValueError(f"AECOURSE_DEVICE must be one of {', '.join(_CHOICES)}; got {prefer!r}")
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available(),
        "cpu": True,
    }
    if prefer is not None:
        if available[prefer]:
            return torch.device(prefer)
        warnings.warn(f"{prefer} was asked for but is not available here; using the CPU.", stacklevel=2)
        return torch.device("cpu")
    for name in _CHOICES:
        if available[name]:
            return torch.device(name)
    return torch.device("cpu")  # pragma: no cover
