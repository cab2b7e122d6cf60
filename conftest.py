"""Test defaults, shared by the unit tests, the notebooks under nbval and the book build.

Set before anything runs, so the notebook kernels that nbval and the book build start inherit them:
the smoke profile, a fresh checkpoint folder (every run trains for real), the real MNIST test
files in ../shared/data when that folder is there, and an IPython startup file that checks every
figure a kernel renders for legibility (tests/figure_check.py; tests/test_figures.py reads the
report, last of all).
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent
os.environ.setdefault("AECOURSE_PROFILE", "smoke")
# The folders made here are removed when the session ends (a run of make test leaves ~140 MB of models)
_made = []
if "AECOURSE_CHECKPOINTS" not in os.environ:
    _made.append(tempfile.mkdtemp(prefix="aecourse-checkpoints-"))
    os.environ["AECOURSE_CHECKPOINTS"] = _made[-1]
_shared_raw = ROOT.parent / "shared" / "data" / "MNIST" / "raw"
if _shared_raw.is_dir():
    os.environ.setdefault("AECOURSE_MNIST_RAW", str(_shared_raw))

# Every kernel started from here on checks the figures it renders and reports to this file.
_ipython = Path(tempfile.mkdtemp(prefix="aecourse-ipython-"))
_made.append(str(_ipython))
os.environ["AECOURSE_FIGURE_REPORT"] = str(_ipython / "figures.jsonl")
os.environ["IPYTHONDIR"] = str(_ipython)
(_ipython / "profile_default" / "startup").mkdir(parents=True)
(_ipython / "profile_default" / "startup" / "00-aecourse-figure-check.py").write_text(
    f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\nimport figure_check\n"
    "import os\nfigure_check.install(os.environ['AECOURSE_FIGURE_REPORT'])\n")

LAST = "test_figures.py::test_every_figure_the_notebooks_rendered_is_legible"


@pytest.hookimpl(trylast=True)  # after -m and -k have chosen the tests
def pytest_collection_modifyitems(config, items):
    """No notebook runs twice, and the figure report is read after every notebook has run.

    A session that builds the book (tests/test_site.py) runs no chapter a second time under nbval:
    the build executes every chapter with raise_on_error, in kernels that inherit the same
    environment and figure check, so it fails on any cell nbval (lax mode here: outputs are not
    compared) would fail on. `pytest book` or `pytest -m "not slow"` still runs them under nbval,
    a test a cell. The second pass cost make test several minutes.
    """
    if any(item.nodeid.startswith("tests/test_site.py") for item in items):
        built = {(ROOT / f"{entry['file']}.ipynb").resolve() for entry in
                 yaml.safe_load((ROOT / "_toc.yml").read_text())["chapters"]}
        twice = [item for item in items if Path(item.path).resolve() in built]
        if twice:
            config.hook.pytest_deselected(items=twice)
            items[:] = [item for item in items if item not in twice]
    items.sort(key=lambda item: item.nodeid.endswith(LAST))


def pytest_unconfigure(config):
    """Every kernel has finished: the session's checkpoint and IPython folders go."""
    for folder in _made:
        shutil.rmtree(folder, ignore_errors=True)
