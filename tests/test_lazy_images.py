"""book/_ext/lazy_images.py: the site's pictures as small files, loaded lazily (issue 18).

The built site is checked in test_site.py; here, the pieces on small pages and pictures.
"""

import base64
import io
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import lazy_images  # noqa: E402

from aecourse.sliders import png_size, slider  # noqa: E402


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def _grey_digits() -> bytes:
    fig, axes = plt.subplots(1, 4, figsize=(4, 1))
    rng = np.random.default_rng(0)
    for ax in axes:
        ax.imshow(rng.random((28, 28)), cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
    return _png(fig)


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=int)


def test_a_grey_picture_is_stored_as_grey_and_loses_nothing():
    data = _grey_digits()
    small = lazy_images.optimise(data)
    assert len(small) < 0.6 * len(data)
    assert Image.open(io.BytesIO(small)).mode == "L"
    assert np.array_equal(_pixels(small), _pixels(data))


def test_a_colour_plot_keeps_its_look_in_256_colours():
    fig, ax = plt.subplots(figsize=(4, 3))
    for k in range(5):
        ax.plot(np.sin(np.linspace(0, 6, 200) + k), label=f"line {k}")
    ax.legend()
    data = _png(fig)
    small = lazy_images.optimise(data)
    assert len(small) < len(data)
    diff = np.abs(_pixels(small) - _pixels(data))
    assert diff.mean() < 1.0 and np.percentile(diff, 99) < 24  # anti-aliased edges move a little, nothing else


def test_a_picture_wider_than_the_page_is_shrunk_to_it():
    fig, ax = plt.subplots(figsize=(20, 2))
    ax.plot([0, 1], [0, 1])
    data = _png(fig)
    assert png_size(data)[0] == 1800
    width, height = png_size(lazy_images.optimise(data))
    assert width == lazy_images.MAX_WIDTH and height == round(180 * lazy_images.MAX_WIDTH / 1800)


def _frame(value):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.imshow(np.full((4, 4), float(value)), cmap="gray", vmin=0, vmax=10)
    ax.set_title(f"latent_dim = {value}")
    return fig


def test_a_page_keeps_no_base64_and_every_img_is_lazy_with_its_size(tmp_path):
    site = tmp_path / "html"
    page = site / "book" / "ch" / "page.html"
    page.parent.mkdir(parents=True)
    (site / "_images").mkdir()
    figure = _grey_digits()
    name = "ab" * 32 + ".png"  # myst-nb names a notebook's picture by its sha256
    (site / "_images" / name).write_bytes(figure)
    (site / "_images" / "cover.png").write_bytes(figure)  # a picture the text shows: loaded at once
    s = slider(_frame, [1, 2, 4], "latent_dim")
    state = '<script type="application/vnd.jupyter.widget-state+json">{"buffers": [{"data": "iVBORw0KGgo="}]}</script>'
    page.write_text(f'<html><body><img alt="a figure" src="../../_images/{name}" />\n'
                    f'<img alt="the cover" src="../../_images/cover.png" />\n{s.static_html()}\n{state}</body></html>')

    lazy_images.lighten_site(type("App", (), {"outdir": str(site), "builder": type("B", (), {"format": "html"})})(),
                             None)
    text = page.read_text()
    assert "data:image" not in text
    assert "widget-state" not in text and "iVBORw0KGgo" not in text  # the live widgets' state: dead weight here
    frames = sorted((site / "_images" / "inline").glob("*.png"))
    assert len(frames) == 3  # one file a frame: the frame shown is the same file as its entry in the script
    for frame in frames:
        assert f'"../../_images/inline/{frame.name}"' in text
    tags = lazy_images.IMG_TAG.findall(text)
    assert len(tags) == 3
    for tag in tags:
        assert 'decoding="async"' in tag and "height:auto" in tag
    assert 'loading="lazy"' in tags[0] and 'loading="lazy"' in tags[2]  # the notebook's figure, the slider frame
    assert "loading" not in tags[1]  # the cover may be the first thing on screen
    w, h = png_size((site / "_images" / name).read_bytes())
    assert f'width="{w}" height="{h}"' in tags[0] and f'width="{w}" height="{h}"' in tags[1]
    assert len((site / "_images" / name).read_bytes()) < len(figure)  # the extracted figures shrink too

    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    lazy_images.lighten_site(type("App", (), {"outdir": str(site), "builder": type("B", (), {"format": "html"})})(),
                             None)
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before  # twice is once


def test_the_static_slider_shows_its_first_frame_lazily_at_its_size():
    s = slider(_frame, [1, 2, 4], "latent_dim", value=2)
    page = s.static_html()
    w, h = png_size(s.png(2))
    assert f'width="{w}" height="{h}"' in page and 'loading="lazy"' in page
    shown = page.split('<img alt="latent_dim = 2" src="')[1].split('"')[0]
    assert shown == "data:image/png;base64," + base64.b64encode(s.png(2)).decode()
    assert "IntersectionObserver" in page  # the next frames come once the slider is in view
