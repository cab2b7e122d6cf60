"""Run profiles: one environment variable picks how much data and how many epochs a chapter uses.

``AECOURSE_PROFILE`` = ``smoke`` (CI: a few seconds a model), ``cpu`` (a laptop: a few
minutes a chapter) or ``gpu`` (full data, enough epochs for good figures). Without it the
profile follows the device: ``gpu`` with CUDA or MPS, ``cpu`` otherwise.

A profile changes numbers, never code: how many images, epochs and batches, and how many
points of a sweep (latent sizes, noise levels, ...) are trained. Every chapter runs the same
cells in every profile.
"""

import os
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Profile:
    name: str
    n_train: int  # training images used (at most what was loaded)
    n_test: int  # test images used for the figures and checks
    budget: int  # training images a chapter's main model sees (epochs x training-set size)
    batch_size: int
    max_epochs: int  # passes over a small (offline) training set stop here
    full_grids: bool = True  # False: a sweep trains only its two ends and the values the text uses

    def epochs(self, n_train: int, factor: float = 1.0) -> int:
        """Epochs over `n_train` images that spend `factor` times the budget (at least 1, at most max_epochs).

        The budget is counted in images, not epochs, so a model gets about the same number of
        updates whatever was loaded. Offline, 5,000 images would take the gpu profile's budget
        in 360 passes, which only memorises them: `max_epochs` caps the passes instead.
        """
        return max(1, min(self.max_epochs, round(self.budget * factor / n_train)))

    def grid(self, values, keep=()) -> list:
        """The points of a sweep this profile trains: all of `values`, or (``full_grids`` off)
        the first, the last and those in `keep`, in their order."""
        values = list(values)
        if self.full_grids:
            return values
        return [v for i, v in enumerate(values) if i in (0, len(values) - 1) or v in keep]


PROFILES = {
    "smoke": Profile("smoke", n_train=5_000, n_test=1_000, budget=100_000, batch_size=128, max_epochs=20,
                     full_grids=False),
    "cpu": Profile("cpu", n_train=20_000, n_test=5_000, budget=160_000, batch_size=128, max_epochs=60),
    "gpu": Profile("gpu", n_train=60_000, n_test=10_000, budget=1_800_000, batch_size=256, max_epochs=120),
}


def get_profile(device: torch.device | str | None = None, name: str | None = None) -> Profile:
    """The profile named by `name` or ``AECOURSE_PROFILE``, else the default for `device`."""
    name = (name or os.environ.get("AECOURSE_PROFILE", "")).strip().lower()
    if not name:
        kind = torch.device(device).type if device is not None else "cpu"
        name = "gpu" if kind in ("cuda", "mps") else "cpu"
    if name not in PROFILES:
        raise ValueError(f"AECOURSE_PROFILE must be one of {', '.join(PROFILES)}; got {name!r}")
    return PROFILES[name]
