"""Every figure a reader sees is legible: the checker itself, and its report on every figure the notebooks drew.

The conftest installs tests/figure_check.py in every notebook kernel of the session (nbval and the
book build), so each figure is checked as it is rendered, slider frames included; the last test
of the session reads the report.
"""

import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch
from figure_check import _drawn_tick_labels, problems

from aecourse.plots import plot_history, plot_latent, show_images

G = torch.Generator().manual_seed(0)
Z, Y = torch.randn(300, 3, generator=G), torch.randint(0, 10, (300,), generator=G)


def test_a_log_axis_with_minor_tick_labels_is_caught():
    """Chapter 1's plot over latent_dim = 2 ... 32 once showed 3x10^0, 6x10^0, ... between 16 and 32."""
    fig, ax = plt.subplots(figsize=(5, 3))
    sizes = [2, 4, 8, 16, 32]
    ax.plot(sizes, range(5))
    ax.set(xscale="log", xticks=sizes, xticklabels=sizes)
    assert any("minor tick labels" in p for p in problems(fig))
    ax.minorticks_off()
    assert problems(fig) == []
    plt.close(fig)


def test_an_axis_label_behind_a_colour_bar_is_caught():
    """Chapter 1's 3-D scatter once hid its z label behind the colour bar."""
    fig = plt.figure(figsize=(6.2, 4.5))
    ax = fig.add_subplot(projection="3d")
    points = ax.scatter(*Z.T.numpy(), c=Y.numpy(), cmap="tab10", s=4)
    fig.colorbar(points, ax=ax, label="digit", shrink=0.8, pad=0.05)
    ax.set(xlabel="$z_1$", ylabel="$z_2$", zlabel="$z_3$")
    assert any("'$z_3$' is hidden behind another axes" in p for p in problems(fig))
    plt.close(fig)


def test_overlapping_tick_labels_are_caught():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot(range(50))
    ax.set_xticks(range(0, 50, 2))
    assert any("tick label" in p and "overlaps" in p for p in problems(fig))
    plt.close(fig)


def test_only_drawn_labels_count():
    """Image panels with their axis off and ticks beyond the limits draw no label: none may be reported.
    (Chapter 4's 2 x 10 grid of 28-pixel images keeps labels -25, 0, 25, 50 that overlap but are never drawn;
    the bar chart's title sat over a label 1.00 kept for a tick above the limits.)"""
    fig = plt.figure(figsize=(9.5, 4.2), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.6])
    for ax in top.subplots(2, 10).flat:
        ax.imshow(torch.rand(28, 28).numpy(), cmap="gray")
        ax.set_axis_off()
    ax = bottom.subplots()
    ax.bar(range(4), [0.7, 0.8, 0.9, 0.95])
    ax.set(ylim=(0.5, 0.97), title="a long title over a short axes whose next tick, 1.0, is beyond its limit")
    assert problems(fig) == []
    panel = fig.axes[0]
    panel.set_axis_on()
    fig.canvas.draw()
    assert [t.get_text() for t in _drawn_tick_labels(panel.xaxis)] == ["0", "25"]  # the two inside 0 ... 27
    plt.close(fig)


def test_the_course_plots_are_legible():
    figures = [plot_latent(Z, Y, title="3-D codes"), plot_latent(Z[:, :2], Y, title="2-D codes"),
               show_images({"test digit": torch.rand(10, 1, 28, 28), "reconstruction": torch.rand(10, 1, 28, 28)},
                           title="a grid"),
               plot_history({"a": [3, 2, 1], "b": [3, 1, 0.5]}, title="curves", logy=True)]
    for fig in figures:
        assert problems(fig) == [], fig.axes[0].get_title()
        plt.close(fig)


def test_every_figure_the_notebooks_rendered_is_legible():
    """Runs last (conftest.py): every figure every notebook kernel of this session rendered, read back."""
    report = Path(os.environ["AECOURSE_FIGURE_REPORT"])
    if not report.exists():
        pytest.skip("no notebook ran in this session (run the notebooks or the book build with this test)")
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    bad = [f"{r['folder']}: figure {r['figure']!r}: {'; '.join(r['problems'])}" for r in rows if r["problems"]]
    assert not bad, f"{len(bad)} of {len(rows)} figures a reader would stumble on:\n" + "\n".join(bad[:30])
