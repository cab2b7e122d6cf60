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


CLAIM_ANCHOR = re.compile(r'<a id="(claim-[a-z0-9-]+)"></a>')
CLAIM_LINK = re.compile(r"\]\((#claim-[a-z0-9-]+)[ )]")


def claim_anchors(nb_path: Path) -> list[tuple[str, dict]]:
    """(anchor id, the claim cell it marks) for every claim cell, in order; None for a missing anchor."""
    found, previous = [], None
    for cell in cells(nb_path):
        if "claim" in cell.get("metadata", {}).get("tags", []):
            text = source(previous).strip() if previous and previous["cell_type"] == "markdown" else ""
            mark = CLAIM_ANCHOR.fullmatch(text)
            found.append((mark.group(1) if mark else None, cell))
        previous = cell
    return found


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_every_claim_is_linked_from_the_sentence_it_proves(nb_path):
    """Each claim cell has an anchor cell just before it (`<a id="claim-..."></a>`), some sentence on the
    same page links to it (`[✓](#claim-...)`), and no link points at a claim the page does not have."""
    anchors = claim_anchors(nb_path)
    unmarked = [source(cell)[:60] for claim, cell in anchors if claim is None]
    assert not unmarked, f"{nb_path.name}: claim cells without an anchor cell just before them: {unmarked}"
    ids = [claim for claim, _ in anchors]  # each used once in the whole book: the test below
    prose = "\n".join(source(c) for c in cells(nb_path)
                      if c["cell_type"] == "markdown" and not CLAIM_ANCHOR.fullmatch(source(c).strip()))
    linked = {link[1:] for link in CLAIM_LINK.findall(prose)}
    assert not set(ids) - linked, f"{nb_path.name}: no sentence links to {sorted(set(ids) - linked)}"
    assert not linked - set(ids), f"{nb_path.name}: links to claims the page lacks: {sorted(linked - set(ids))}"
    stray = [c for c in cells(nb_path) if c["cell_type"] == "markdown" and CLAIM_ANCHOR.search(source(c))
             and not CLAIM_ANCHOR.fullmatch(source(c).strip())]
    assert not stray, f"{nb_path.name}: a claim anchor inside prose (it marks a claim cell, alone): {stray[:1]}"


def test_claim_ids_are_unique_in_the_book():
    """On the site every page's anchors share one name space (book/_ext/claim_links.py)."""
    ids = [claim for nb in NOTEBOOKS for claim, _ in claim_anchors(nb)]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# A number the run computes is never typed into the prose (issue 17): it is printed by a cell, or the
# sentence says it in words that hold at every budget. What prose may type: settings the code also
# sets, facts of the data, cited results. Each chapter lists those in tests/typed_numbers/<chapter>.json
# ({"the number as typed": "why it is not a result of this run"}).
TYPED_NUMBER = re.compile(r"(?<![\w.,])(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?: ?%|x\b| ?dB\b|×)|-?\d+\.\d+)")
NOT_PROSE = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|`[^`\n]*`|\{cite[:\w]*\}`[^`]*`|\]\([^)]*\)|https?://\S+", re.S)
CODE_FENCES = ("", "{code-block}", "{code}", "{math}", "python", "text", "bash", "console")


def prose_of(markdown: str) -> str:
    """A markdown cell without its code and math: fenced code is dropped, a directive's body (an
    admonition, an exercise, a solution: fences opened with `{name}`) is prose and kept."""
    kept, fences = [], []
    for line in markdown.split("\n"):
        fence = re.match(r"\s*(`{3,}|~{3,})\s*(\S*)", line)
        if fence and fences and fence.group(1) == fences[-1][0] and not fence.group(2):
            fences.pop()  # closes the innermost fence
            continue
        if fence:
            info = fence.group(2).lower()
            fences.append((fence.group(1), info in CODE_FENCES or not info.startswith("{")))
            continue
        if not any(code for _, code in fences) and not line.lstrip().startswith(":"):
            kept.append(line)  # a directive's option lines (`:class: dropdown`) are not prose either
    return NOT_PROSE.sub(" ", "\n".join(kept))


def typed_numbers(nb_path: Path) -> list[tuple[int, str, str]]:
    """(cell, number, context) for each decimal, percentage, ratio or decibel value in the prose."""
    found = []
    for i, cell in enumerate(cells(nb_path)):
        if cell["cell_type"] == "markdown":
            text = prose_of(source(cell))
            for hit in TYPED_NUMBER.finditer(text):
                context = " ".join(text[max(0, hit.start() - 50):hit.end() + 20].split())
                found.append((i, hit.group(1).replace(" ", ""), context))
    return found


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_no_run_dependent_number_is_typed_into_the_prose(nb_path):
    listed_in = ROOT / "tests" / "typed_numbers" / f"{nb_path.parent.name}.json"
    listed = json.loads(listed_in.read_text()) if listed_in.exists() else {}
    assert all(isinstance(why, str) and len(why) > 10 for why in listed.values()), \
        f"{listed_in.name}: every typed number needs its reason"
    typed = typed_numbers(nb_path)
    unexplained = [f"cell {i}: {number!r} in ...{context}..." for i, number, context in typed if number not in listed]
    assert not unexplained, (f"{nb_path.name} types numbers no list explains (print them from the run, or "
                             f"add a setting or cited fact to {listed_in.name}): {unexplained}")
    unused = set(listed) - {number for _, number, _ in typed}
    assert not unused, f"{listed_in.name} explains numbers the page no longer types: {sorted(unused)}"


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


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=IDS)
def test_every_noise_slider_shows_the_clean_input_first(nb_path):
    """A slider frame that corrupts its input shows the clean images as its first row, for reference."""
    tree = ast.parse(code_of(nb_path))
    frames = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    for call in _calls(tree, "slider"):
        frame = frames.get(getattr(call.args[0], "id", None))
        if frame is None or not _calls(frame, "corrupt"):
            continue
        rows = [d for d in ast.walk(frame) if isinstance(d, ast.Dict) and d.keys and d.keys[0] is not None]
        assert rows, f"{nb_path.name}: {frame.name} shows no rows"
        first_key, first_value = rows[0].keys[0], rows[0].values[0]
        label = first_key.value if isinstance(first_key, ast.Constant) else ""
        assert label.startswith("clean") or label == "test digit", \
            f"{nb_path.name}: {frame.name}'s first row is {ast.unparse(first_key)}, not the clean input"
        assert not _calls(first_value, "corrupt"), f"{nb_path.name}: {frame.name}'s first row is corrupted"


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
