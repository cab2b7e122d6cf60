"""scripts/lighthouse.py's table (issue 18): each page against the bibliography measured in the same round.

Lighthouse itself is not run here (it takes minutes a page); `make lighthouse` runs it.
"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("lighthouse", ROOT / "scripts" / "lighthouse.py")
lighthouse = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lighthouse)


def _run(performance, fcp, accessibility=100):
    return {"performance": performance, "fcp": fcp, "lcp": fcp + 0.2, "transferred": 500e3, "images": 100e3,
            "accessibility": accessibility}


def test_a_page_is_compared_with_the_bibliography_round_by_round(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "ch.html").write_text("x" * 2000)
    (tmp_path / f"{lighthouse.FLOOR}.html").write_text("x")
    floor = [_run(100, 1.4), _run(91, 2.7), _run(100, 1.4)]  # the floor's first frame held back in round 2
    page = [_run(95, 1.9), _run(88, 2.9), _run(96, 1.5, accessibility=98)]
    cells = [c.strip() for c in lighthouse.row(tmp_path, "book/ch", page, floor).strip("|").split("|")]
    assert cells[0] == "book/ch" and cells[1] == "2"
    assert cells[4] == "95 (88-96)"  # the median run, and the range
    assert cells[5] == "1.9"  # that run's first contentful paint
    assert cells[7] == "98"  # accessibility: the lowest of the runs, not the median run's
    # the differences, round by round: -5, -3, -4; a comparison of medians would say 95 - 100 = -5
    assert cells[8] == "-4 (-5 to -3)"
    assert cells[9] == "+0.2 (+0.1 to +0.5)"
    floor_cells = lighthouse.row(tmp_path, lighthouse.FLOOR, floor, floor).strip("|").split("|")
    assert len(floor_cells) == len(cells) and floor_cells[-1].strip() == ""


def test_median():
    assert lighthouse.median([3, 1, 2]) == 2
    assert lighthouse.median([4, 1, 2, 3]) == 2.5
