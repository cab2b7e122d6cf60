"""Test defaults, shared by the unit tests, the notebooks under nbval and the book build.

Set before anything runs, so the notebook kernels that nbval starts inherit them:
the smoke profile, a fresh checkpoint folder (every run trains for real), and the real
MNIST test files in ../shared/data when that folder is there.
"""

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
os.environ.setdefault("AECOURSE_PROFILE", "smoke")
os.environ.setdefault("AECOURSE_CHECKPOINTS", tempfile.mkdtemp(prefix="aecourse-checkpoints-"))
_shared_raw = ROOT.parent / "shared" / "data" / "MNIST" / "raw"
if _shared_raw.is_dir():
    os.environ.setdefault("AECOURSE_MNIST_RAW", str(_shared_raw))
