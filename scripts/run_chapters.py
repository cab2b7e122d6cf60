"""Execute the course's chapters in one run profile, one at a time, and print a table of the results.

    python scripts/run_chapters.py --profile gpu            # every chapter of _toc.yml
    python scripts/run_chapters.py --profile cpu 3 5        # chapters 3 and 5 only

Each chapter runs in a fresh kernel, in its own folder, from an empty model cache (a new
temporary ``AECOURSE_CHECKPOINTS`` shared by the chapters of this run, as in a book build;
``--checkpoints DIR`` reuses a folder instead). The executed notebook, outputs and traceback
included, is kept in ``_build/runs/<profile>/``, next to ``summary.md``: chapter, seconds, peak
kernel memory and the result (``ok``, or the failing cell and its error; with ``--keep-going``
every failing cell). Exits 1 if any chapter failed. ``make chapters PROFILE=gpu`` runs it.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]


def chapters() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    paths = [ROOT / f"{entry['file']}.ipynb" for entry in toc["chapters"]]
    return [p for p in paths if p.exists()]


def peak_memory(client: NotebookClient, stop: threading.Event, peak: list[float]) -> None:
    """Poll the kernel's resident memory (GB) until `stop` is set; keep the largest value in peak[0]."""
    try:
        import psutil
    except ImportError:
        return
    while not stop.is_set():
        try:
            pid = client.km.provisioner.process.pid
            peak[0] = max(peak[0], psutil.Process(pid).memory_info().rss / 1e9)
        except Exception:  # the kernel is not up yet, or already gone
            pass
        stop.wait(0.5)


def errors(nb) -> list[str]:
    """'cell N: Error: message' for every code cell of an executed notebook that raised."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                found.append(f"cell {i}: {out['ename']}: {str(out['evalue'])[:200]}")
    return found


def run(path: Path, out_dir: Path, timeout: int, keep_going: bool) -> tuple[float, float, str]:
    """Execute one notebook; save it executed; return (seconds, peak GB, result)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=keep_going,
                            resources={"metadata": {"path": str(path.parent)}})
    stop, peak = threading.Event(), [0.0]
    watcher = threading.Thread(target=peak_memory, args=(client, stop, peak), daemon=True)
    watcher.start()
    start = time.perf_counter()
    crash = None
    try:
        client.execute()
    except CellExecutionError:
        pass  # the failing cell holds the traceback: errors() reads it below
    except Exception as err:  # a timeout, a dead kernel, ...
        crash = f"{type(err).__name__}: {str(err)[:200]}"
    failed = errors(nb) + ([crash] if crash else [])
    result = "ok" if not failed else "FAILED " + "; ".join(failed)
    seconds = time.perf_counter() - start
    stop.set()
    watcher.join()
    nbformat.write(nb, out_dir / path.name)
    return seconds, peak[0], result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default=os.environ.get("AECOURSE_PROFILE") or "cpu",
                        choices=["smoke", "cpu", "gpu"])
    parser.add_argument("--checkpoints", help="model cache to use (default: a new, empty one)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds a cell may run")
    parser.add_argument("--keep-going", action="store_true", help="run every cell after a failing one too")
    parser.add_argument("chapters", nargs="*", type=int, help="chapter numbers (default: all)")
    args = parser.parse_args()

    selected = [p for i, p in enumerate(chapters(), start=1) if not args.chapters or i in args.chapters]
    out_dir = ROOT / "_build" / "runs" / args.profile
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ["AECOURSE_PROFILE"] = args.profile
    os.environ["AECOURSE_CHECKPOINTS"] = args.checkpoints or tempfile.mkdtemp(prefix="aecourse-run-")
    shared_raw = ROOT.parent / "shared" / "data" / "MNIST" / "raw"
    if shared_raw.is_dir():
        os.environ.setdefault("AECOURSE_MNIST_RAW", str(shared_raw))
    print(f"profile {args.profile}, model cache {os.environ['AECOURSE_CHECKPOINTS']}, "
          f"executed notebooks in {out_dir.relative_to(ROOT)}", flush=True)

    rows, results = [], []
    for path in selected:
        seconds, peak, result = run(path, out_dir, args.timeout, args.keep_going)
        results.append(result)
        rows.append(f"| {path.parent.name} | {seconds:.0f} | {peak:.2f} | {result} |")
        print(rows[-1], flush=True)
    table = "\n".join([f"Profile `{args.profile}`:", "", "| chapter | seconds | peak kernel memory (GB) | result |",
                       "|---|---|---|---|", *rows])
    (out_dir / "summary.md").write_text(table + "\n")
    print("\n" + table)
    return 0 if all(result == "ok" for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
