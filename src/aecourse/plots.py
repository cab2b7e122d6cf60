"""The figures every chapter draws: image grids, loss curves, latent scatters."""

import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

DIGIT_COLOURS = "tab10"


def _img(x: torch.Tensor):
    return x.detach().float().reshape(-1, 28, 28).cpu().numpy()


def show_images(rows: dict, n: int = 10, title: str | None = None, size: float = 1.0):
    """A grid with one labelled row per entry of `rows` (name -> images), first `n` of each."""
    fig, axes = plt.subplots(len(rows), n, figsize=(n * size, len(rows) * size * 1.05), squeeze=False)
    for r, (name, images) in enumerate(rows.items()):
        images = _img(images)
        for c in range(n):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(images):
                ax.imshow(images[c], cmap="gray", vmin=0, vmax=1)
            else:
                ax.axis("off")
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(histories: dict, ylabel: str = "training loss", title: str | None = None, logy: bool = False):
    """Loss curves, one per entry of `histories` (name -> per-epoch losses)."""
    fig, ax = plt.subplots(figsize=(5, 3))
    for name, h in histories.items():
        ax.plot(range(1, len(h) + 1), h, marker="o", ms=3, label=name)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_ylabel(ylabel)
    if logy:
        log_axes(ax, x=False)
    if len(histories) > 1:
        ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def log_axes(ax, x: bool = True, y: bool = True):
    """Log scales on the chosen axes, with ticks at 1, 2 and 5 times a power of ten written as plain numbers
    (0.2, not 2x10^-1)."""
    for axis, on in ((ax.xaxis, x), (ax.yaxis, y)):
        if on:
            (ax.set_xscale if axis is ax.xaxis else ax.set_yscale)("log")
            axis.set_major_locator(LogLocator(subs=(1, 2, 5)))
            axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            axis.set_minor_formatter(NullFormatter())
    return ax


def plot_latent(z: torch.Tensor, y: torch.Tensor, title: str | None = None, ax=None):
    """Scatter of 2-D or 3-D codes `z`, coloured by digit label `y`."""
    z, y = z.detach().float().cpu().numpy(), y.detach().cpu().numpy()
    dims = z.shape[1]
    if dims not in (2, 3):
        raise ValueError(f"plot_latent draws 2-D or 3-D codes; got {dims} dimensions")
    if ax is None:
        fig = plt.figure(figsize=(6.2 if dims == 3 else 5.5, 4.5))
        ax = fig.add_subplot(projection="3d" if dims == 3 else None)
    else:
        fig = ax.figure
    points = ax.scatter(*z.T, c=y, cmap=DIGIT_COLOURS, s=4, alpha=0.7, vmin=-0.5, vmax=9.5)
    fig.colorbar(points, ax=ax, ticks=range(10), label="digit", shrink=0.8,
                 pad=0.12 if dims == 3 else 0.05)  # in 3-D, room for the z label between the axes and the bar
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    if dims == 3:
        ax.set_zlabel("$z_3$")
    if title:
        ax.set_title(title)
    return fig


def show_features(rows: dict, n: int = 12, size: float = 0.8):
    """Features as images, one labelled row per entry of `rows` (name -> tensor of shape (N, 784) or
    (N, 1, 28, 28)), first `n` of each. Each feature is drawn on its own symmetric scale around 0 (blue: adds
    ink, red: takes it away), since a feature's sign and shape matter, not its length."""
    fig, axes = plt.subplots(len(rows), n, figsize=(n * size, len(rows) * size * 1.05), squeeze=False)
    for r, (name, features) in enumerate(rows.items()):
        features = _img(features)
        for c in range(n):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(features):
                limit = max(abs(features[c]).max(), 1e-12)
                ax.imshow(features[c], cmap="RdBu", vmin=-limit, vmax=limit)
            else:
                ax.axis("off")
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig
