"""Notebook hygiene: what a learner opens in Jupyter or Colab is clean, and the lesson keeps to the lesson.

The rules: no control characters; exercise solutions hidden in Jupyter (and folded on the
site); claim cells tagged and asserting; no widget self-tests in the lessons (the unit tests
drive the sliders); every model trained through `train_or_load`, with no hand-built key and
no lambda; nothing taught that is not used; and chapter 1's hand-written loop is what the
package's `fit` runs.
"""

import ast
import copy
import json
import re
from pathlib import Path

import pytest
import torch

from aecourse import as_float, batches, bce_loss, fit, progress
from aecourse.models import Autoencoder

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*/*.ipynb"))
IDS = [nb.parent.name for nb in NOTEBOOKS]


def cells(nb_path: Path) -> list[dict]:
    return json.loads(nb_path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def python(code: str) -> str:
    """A cell's code with IPython's %magics and !shell lines made `pass`, so that `ast` can parse it."""
    return "\n".join(line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
                     for line in code.splitlines())


def code_of(nb_path: Path) -> str:
    return "\n\n".join(python(source(c)) for c in cells(nb_path) if c["cell_type"] == "code")


def solution_cells(nb_path: Path) -> list[dict]:
    """The code cells between a `{solution-start}` and its `{solution-end}`."""
    inside, found = False, []
    for cell in cells(nb_path):
        text = source(cell)
        if cell["cell_type"] == "markdown":
            start, end = text.rfind("{solution-start}"), text.rfind("{solution-end}")
            if start >= 0 or end >= 0:
                inside = start > end
        elif inside:
            found.append(cell)
    return found


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_no_control_characters(nb_path):
    for i, cell in enumerate(cells(nb_path)):
        bad = sorted({hex(ord(ch)) for ch in source(cell) if ord(ch) < 32 and ch not in "\n\t"} |
                     {hex(ord(ch)) for ch in source(cell) if ord(ch) == 127})
        assert not bad, f"{nb_path.name} cell {i} holds control characters {bad} (a '\\a' in a string?)"


CODE_COLUMNS = 80  # the site's code column: a longer line scrolls sideways (issue 17)


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_code_fits_the_column(nb_path):
    """Every line of code a reader sees fits 80 characters; only an address that cannot be broken is longer."""
    long = [f"cell {i}: {line.strip()[:60]}... ({len(line)} characters)"
            for i, cell in enumerate(cells(nb_path)) if cell["cell_type"] == "code"
            for line in source(cell).split("\n") if len(line) > CODE_COLUMNS and "://" not in line]
    assert not long, f"{nb_path.name} has {len(long)} code lines over {CODE_COLUMNS} characters: {long[:5]}"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_solutions_are_hidden_in_jupyter_too(nb_path):
    found = solution_cells(nb_path)
    assert len(found) >= 3, f"{nb_path.name}: expected the exercises' solution cells"
    for cell in found:
        assert cell.get("metadata", {}).get("jupyter", {}).get("source_hidden") is True, \
            f"{nb_path.name}: a solution cell is in plain view in Jupyter: {source(cell)[:60]!r}"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_claim_cells_are_tagged_hidden_and_assert(nb_path):
    claims = [c for c in cells(nb_path) if "claim" in c.get("metadata", {}).get("tags", [])]
    assert claims, f"{nb_path.name} has no claim cells"
    for cell in claims:
        assert "hide-input" in cell["metadata"]["tags"]
        assert "assert " in source(cell), f"a claim cell that asserts nothing: {source(cell)[:60]!r}"
    tags = {t for c in cells(nb_path) for t in c.get("metadata", {}).get("tags", [])}
    assert "check" not in tags, "claim cells are tagged `claim` (`check_*` names the exercise checks)"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_lessons_do_not_test_the_slider_widget(nb_path):
    """Driving a slider (set, image, png) is the unit tests' job (tests/test_package.py)."""
    for cell in cells(nb_path):
        hit = re.search(r"\b\w*slider\w*\.(set|image|png)\b", source(cell))
        assert hit is None, f"{nb_path.name}: a widget self-test in the lesson: {hit.group(0)}"


def _calls(tree, name):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == name]


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_models_are_trained_through_train_or_load_without_hand_built_keys(nb_path):
    code = code_of(nb_path)
    assert "load_or_train" not in code and "CONFIG" not in code, "a hand-built cache key"
    tree = ast.parse(code)
    calls = _calls(tree, "train_or_load")
    assert calls or "pretrain_layers(" in code, f"{nb_path.name} trains no model through train_or_load"
    for call in calls:
        lambdas = [n for n in ast.walk(call) if isinstance(n, ast.Lambda)]
        assert not lambdas, f"{nb_path.name}: a lambda in train_or_load(...) (line {call.lineno}); name the function"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_what_a_chapter_writes_it_uses(nb_path):
    """No dead taught code: every function and class a chapter defines is used in the chapter."""
    tree = ast.parse(code_of(nb_path))
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
           {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not defined - used, f"{nb_path.name} defines but never uses {sorted(defined - used)}"


def _chapter_1_train():
    """Chapter 1's `train`, run from the notebook's own text."""
    code = next(source(c) for c in cells(NOTEBOOKS[0]) if "def train(" in source(c))
    taught = code[code.index("def train("):].split("\n\n\n")[0]
    namespace = {"torch": torch, "batches": batches, "as_float": as_float, "progress": progress}
    exec(taught, namespace)  # noqa: S102
    return namespace["train"]


def test_chapter_1_loop_is_what_fit_runs():
    """The loop chapter 1 writes out and the package's `fit` take the same steps: the same losses, the same weights."""
    train = _chapter_1_train()
    x = (torch.rand(300, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 255).to(torch.uint8)
    torch.manual_seed(0)
    by_hand = Autoencoder(4)
    packaged = copy.deepcopy(by_hand)
    torch.manual_seed(1)
    history_by_hand = train(by_hand, bce_loss, x, epochs=3, batch_size=64, lr=2e-3)
    torch.manual_seed(1)
    history_packaged = fit(packaged, bce_loss, x, epochs=3, batch_size=64, lr=2e-3, progress=False)
    assert len(history_by_hand) == len(history_packaged) == 3
    assert history_by_hand == pytest.approx(history_packaged, rel=1e-5)
    for p, q in zip(by_hand.parameters(), packaged.parameters(), strict=True):
        assert torch.allclose(p, q, atol=1e-5), "the chapter's loop and fit end with different weights"
    assert not by_hand.training and not packaged.training
    assert history_by_hand[-1] < history_by_hand[0]


def test_the_reconstruction_loss_is_written_once():
    """Chapter 1 teaches `bce_loss`, the package keeps the same code (tests/test_config.py), the rest import it."""
    places = [*NOTEBOOKS, *(ROOT / "src").rglob("*.py"), *(ROOT / "scripts").glob("*.py"),
              *(ROOT / "benchmarks").glob("*.py")]
    pattern = re.compile(r"binary_cross_entropy\((\w+)\((\w+)\), \2\)")
    writers = sorted(str(p.relative_to(ROOT)) for p in places if pattern.search(p.read_text()))
    assert writers == ["book/01-autoencoder/autoencoder.ipynb", "src/aecourse/losses.py"], writers


def test_the_cover_script_trains_with_chapter_1s_own_function(tmp_path, monkeypatch):
    import importlib.util
    from types import SimpleNamespace

    monkeypatch.setenv("AECOURSE_CHECKPOINTS", str(tmp_path))
    spec = importlib.util.spec_from_file_location("make_cover", ROOT / "scripts" / "make_cover.py")
    cover = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cover)
    x = (torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 255).to(torch.uint8)
    autoencoder = cover.chapter_1_autoencoder(data=SimpleNamespace(x_train=x), device="cpu",
                                              profile=SimpleNamespace(batch_size=32), EPOCHS=1)
    model = autoencoder(2)
    assert isinstance(model, Autoencoder) and model.latent_dim == 2 and len(model.history) == 1
    assert len(list(tmp_path.glob("*.pt"))) == 1
    again = autoencoder(2)  # the same training: loaded, not trained again
    assert again.history == model.history and len(list(tmp_path.glob("*.pt"))) == 1
