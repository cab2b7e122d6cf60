"""Device-agnostic code, checked without a GPU: a static scan of the package, scripts, benchmarks and notebooks.

Code that runs on a CPU can still break on a GPU: ``t.numpy()`` fails on a CUDA tensor, and
``torch.randn(...)`` without a device makes a CPU tensor that later meets CUDA ones. The scan
flags both, naming file and line:

* ``.numpy()`` not right after ``.cpu()`` (``.cpu().numpy()``, ``.detach().cpu().numpy()``,
  ``.cpu().detach().numpy()``), unless the line says ``# cpu tensor`` (a reviewed exception);
* ``torch.randn/rand/randint/randperm/normal/Generator(...)`` with no ``device=`` (for
  ``torch.Generator``, a positional device is fine too). Code meant for the CPU says
  ``device="cpu"``; the ``*_like`` variants follow their input and are fine.
"""

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RANDOM = {"randn", "rand", "randint", "randperm", "normal", "Generator"}


def _method_call(node, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name


def violations(source: str) -> list[str]:
    """'line N: what' for each device-specific call in Python `source`."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        func = node.func
        if func.attr == "numpy" and not node.args:
            inner = func.value.func.value if _method_call(func.value, "detach") else func.value  # .cpu().detach()
            on_cpu = _method_call(inner, "cpu")
            reviewed = any("# cpu tensor" in line for line in lines[node.lineno - 1:node.end_lineno])
            forced = any(k.arg == "force" for k in node.keywords)  # .numpy(force=True) copies to the CPU itself
            if not (on_cpu or reviewed or forced):
                found.append((node.lineno, ".numpy() without .cpu() first (fails on a GPU tensor)"))
        elif func.attr in RANDOM and isinstance(func.value, ast.Name) and func.value.id == "torch":
            has_device = any(k.arg in ("device", None) for k in node.keywords)  # None: **kwargs may carry it
            if not has_device and not (func.attr == "Generator" and node.args):
                found.append((node.lineno, f"torch.{func.attr}(...) without a device (makes a CPU tensor)"))
    return [f"line {n}: {what}" for n, what in sorted(found)]


def notebook_code(cell_source: str) -> str:
    """A code cell as Python: each IPython magic or shell line becomes ``pass`` (line numbers and blocks kept)."""
    lines = cell_source.splitlines()
    return "\n".join(line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
                     for line in lines)


def scan(path: Path) -> list[str]:
    """Every violation in a .py file or in a notebook's code cells, prefixed with where it is."""
    rel = path.relative_to(ROOT)
    if path.suffix == ".py":
        return [f"{rel} {v}" for v in violations(path.read_text())]
    found = []
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            try:
                found += [f"{rel} cell {i} {v}" for v in violations(notebook_code(source))]
            except SyntaxError as err:
                found.append(f"{rel} cell {i} line {err.lineno}: cannot be parsed ({err.msg})")
    return found


FILES = sorted([*ROOT.glob("src/aecourse/*.py"), *ROOT.glob("scripts/*.py"), *ROOT.glob("benchmarks/*.py"),
                *ROOT.glob("book/**/*.ipynb")])
FILES = [p for p in FILES if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts]


# the scanner ----------------------------------------------------------------------------
@pytest.mark.parametrize("code", [
    'y = x.to("cuda").numpy()',
    "y = x.detach().numpy()",
    "y = model(x)\\\n    .numpy()",
    "x = torch.randn(3, 4)",
    "x = torch.rand(\n    3,\n    4,\n)",
    "i = torch.randint(0, 10, (5,))",
    "i = torch.randperm(10, generator=g)",
    "z = torch.normal(0.0, 1.0, size=(3,))",
    "g = torch.Generator()",
    "g = torch.Generator().manual_seed(0)",
])
def test_scanner_flags_device_specific_code(code):
    assert len(violations(code)) == 1, code


@pytest.mark.parametrize("code", [
    "y = x.cpu().numpy()",
    "y = x.detach().cpu().numpy()",
    "y = x.cpu().detach().numpy()",
    "y = x.numpy(force=True)",
    "y = x.numpy()  # cpu tensor",
    "x = torch.randn(3, device=device)",
    'x = torch.rand(\n    3,\n    device="cpu",\n)',
    "x = torch.randn_like(y) + torch.rand_like(y)",
    "g = torch.Generator(device)",
    'g = torch.Generator(device="cpu").manual_seed(0)',
    "i = torch.randperm(10, device=x.device, generator=g)",
    "a = np.random.rand(3)",
])
def test_scanner_accepts_device_agnostic_code(code):
    assert violations(code) == [], code


def test_scanner_names_the_line_and_notebook_magics_are_skipped():
    code = notebook_code("%matplotlib inline\nif colab:\n    !pip list\nimport torch\nx = torch.randn(2)\n")
    assert violations(code) == ["line 5: torch.randn(...) without a device (makes a CPU tensor)"]


# the repository -------------------------------------------------------------------------
def test_the_scan_covers_package_scripts_benchmarks_and_notebooks():
    parts = {p.relative_to(ROOT).parts[0] for p in FILES}
    assert {"src", "scripts", "benchmarks", "book"} <= parts
    assert sum(p.suffix == ".ipynb" for p in FILES) >= 6


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_code_is_device_agnostic(path):
    found = scan(path)
    assert not found, "device-specific code:\n" + "\n".join(found)
