"""Run profiles: one environment variable picks how much data and how many epochs a chapter uses.

``AECOURSE_PROFILE`` = ``smoke`` (CI: a few seconds a model), ``cpu`` (a laptop: a few
minutes a chapter) or ``gpu`` (full data, enough epochs for good figures). Without it the
profile follows the device: ``gpu`` with CUDA or MPS, ``cpu`` otherwise.
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

    def epochs(self, n_train: int, factor: float = 1.0) -> int:
        """Epochs over `n_train` images that spend `factor` times the budget (at least 1).

        The budget is counted in images, not epochs, so a small offline training set gets
        more passes and a model gets about the same number of updates whatever was loaded.
        """
        return max(1, round(self.budget * factor / n_train))


PROFILES = {
    "smoke": Profile("smoke", n_train=5_000, n_test=1_000, budget=100_000, batch_size=128),
    "cpu": Profile("cpu", n_train=20_000, n_test=5_000, budget=300_000, batch_size=128),
    "gpu": Profile("gpu", n_train=60_000, n_test=10_000, budget=1_800_000, batch_size=256),
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
