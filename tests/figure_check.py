"""Legibility checks for every figure a chapter renders, run inside the notebook kernels of the tests.

`problems(fig)` lists what a reader would stumble on:

- a minor tick label with text (a log axis adds labels such as 3x10^0 between the ticks the code set);
- two labels of one axis that overlap;
- an axis label (x, y or z) or a title hidden behind another axes, such as a colour bar, or a figure
  title running into the axes below it;
- two texts of the figure that overlap (titles, axis labels, tick labels of neighbouring axes).

`install(report)` makes every rendering of a figure (inline display and `savefig`, which the sliders
use) check it first and append what it finds, as one JSON line, to the file `report`.
conftest.py installs it in every kernel the tests start (nbval and the book build), through an IPython
startup file, and tests/test_figures.py reads the report at the end of the session.
"""

import json
import os
from pathlib import Path

import matplotlib
from matplotlib.backend_bases import FigureCanvasBase

SLACK = 1.0  # pixels: boxes that merely touch do not overlap


def _visible(text) -> bool:
    return text.get_visible() and bool(text.get_text().strip())


def _overlap(a, b) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > SLACK) and (min(a.y1, b.y1) - max(a.y0, b.y0) > SLACK)


def _name(text) -> str:
    return repr(text.get_text().strip()[:40])


def _axis_on(ax) -> bool:
    """Whether `ax` draws its axes (a 3-D axes turns its 2-D frame off and keeps its own switch)."""
    return getattr(ax, "_axis3don", ax.axison)


def _drawn_tick_labels(axis, minor=False) -> list:
    """The tick labels `axis` draws: visible, with text, and at a tick inside the view (matplotlib keeps
    labels for ticks beyond the limits, such as -25 and 50 on a 28-pixel image, and does not draw them)."""
    low, high = sorted(axis.get_view_interval())
    ticks = axis.get_minor_ticks() if minor else axis.get_major_ticks()
    locs = axis.get_minorticklocs() if minor else axis.get_majorticklocs()
    slack = 1e-9 * max(abs(low), abs(high), 1.0)
    return [tick.label1 for tick, loc in zip(ticks, locs, strict=False)
            if low - slack <= loc <= high + slack and _visible(tick.label1)]


def _axes_texts(ax) -> list:
    """(kind, text) of an axes that it draws: its tick labels, axis labels and titles."""
    found = []
    is_3d = hasattr(ax, "zaxis")
    for axis in [ax.xaxis, ax.yaxis] + ([ax.zaxis] if is_3d else []):
        if not _axis_on(ax):  # set_axis_off(): no ticks, no labels, however many the axis keeps
            break
        if not is_3d:  # a 3-D axis places its tick labels as it draws them: their boxes here mean nothing
            found += [("tick label", t) for t in _drawn_tick_labels(axis)]
        if _visible(axis.label):
            found.append(("axis label", axis.label))
    found += [("title", t) for t in (ax.title, ax._left_title, ax._right_title) if _visible(t)]
    return found


def problems(fig) -> list[str]:
    """What a reader would stumble on in `fig` (an empty list when it is legible)."""
    found = []
    fig.canvas.draw()  # lays out every text as it will be rendered
    renderer = fig.canvas.get_renderer()
    all_axes = [ax for ax in fig.axes if ax.get_visible()]
    texts = []  # (owner axes or None, kind, text, box)
    for ax in all_axes:
        axes = [ax.xaxis, ax.yaxis] + ([ax.zaxis] if hasattr(ax, "zaxis") else [])
        for axis in axes:
            minor = _drawn_tick_labels(axis, minor=True) if _axis_on(ax) else []
            if minor:
                found.append(f"minor tick labels {[t.get_text() for t in minor][:4]} on an axis of "
                             f"{_name(ax.title)}: set the ticks and turn the minor ones off")
        for kind, text in _axes_texts(ax):
            texts.append((ax, kind, text, text.get_window_extent(renderer)))
    if fig._suptitle is not None and _visible(fig._suptitle):
        texts.append((None, "figure title", fig._suptitle, fig._suptitle.get_window_extent(renderer)))
    for i, (ax_a, kind_a, a, box_a) in enumerate(texts):
        for _, kind_b, b, box_b in texts[i + 1:]:
            if _overlap(box_a, box_b):
                found.append(f"{kind_a} {_name(a)} overlaps {kind_b} {_name(b)}")
        if kind_a in ("axis label", "title", "figure title"):
            for other in all_axes:
                if other is not ax_a and _overlap(box_a, other.get_window_extent(renderer)):
                    found.append(f"{kind_a} {_name(a)} is hidden behind another axes ({_name(other.title)} "
                                 f"{other.get_label() or ''})".rstrip())
    return found


def install(report: str | os.PathLike) -> None:
    """Check every figure before it is rendered; append problems to `report` (JSON lines)."""
    report = Path(report)
    original = FigureCanvasBase.print_figure

    def print_figure(self, *args, **kwargs):
        fig = self.figure
        if not getattr(fig, "_aecourse_checked", False):
            fig._aecourse_checked = True
            try:
                found = problems(fig)
            except Exception as err:  # the check must never break a chapter; say that it could not run
                found = [f"the figure check itself failed: {type(err).__name__}: {err}"]
            title = fig._suptitle.get_text() if fig._suptitle is not None else \
                next((ax.get_title() for ax in fig.axes if ax.get_title()), "")
            with report.open("a") as f:
                f.write(json.dumps({"folder": Path.cwd().name, "figure": title[:80], "problems": found}) + "\n")
        return original(self, *args, **kwargs)

    FigureCanvasBase.print_figure = print_figure
    matplotlib.rcParams["figure.max_open_warning"] = 0
