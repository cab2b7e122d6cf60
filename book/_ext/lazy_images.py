"""Pages that open fast on a phone: images as small files next to the page, loaded lazily.

A notebook keeps its pictures inside itself (a static slider's frames are base64 PNGs in its
HTML), so that it shows them with no kernel and no server: that is right for a notebook and
wrong for a web page, where nothing paints until megabytes of base64 have arrived. After the
HTML builder has written the site, this extension

1. shrinks every PNG in ``_images`` (the figures myst-nb extracted from the notebooks): no wider
   than ``MAX_WIDTH`` pixels (the text column is about 800 CSS pixels), grey images stored as
   grey, colour images as a palette of at most 256 colours (``optimise``);
2. moves every base64 image inside a page (the slider frames) into ``_images/inline/<hash>.png``,
   shrunk the same way, and points the page at the file: a slider's script then holds addresses,
   and a frame is fetched when the slider shows it (sliders.py also fetches the frames next to the
   one shown once the slider scrolls into view);
3. drops the live sliders' saved widget state (half a megabyte of base64 a chapter, which the
   site never uses: it shows the static face, and loads no widget JavaScript);
4. gives every ``<img>`` a notebook drew ``loading="lazy"``, and every ``<img>`` ``decoding="async"``
   and its width and height, so that a picture below the fold costs nothing at load and the text does
   not jump when it arrives.

The notebooks are not changed: opened in Jupyter without a kernel they still show every frame.
Running it twice changes nothing more (a page with no base64 left is only re-read).
"""

import base64
import hashlib
import io
import os
import re
from pathlib import Path

from PIL import Image, ImageChops

from aecourse.sliders import png_size

MAX_WIDTH = 1100  # pixels: the column is ~800 CSS px wide; a little more keeps a sharp image on denser screens
INLINE = "inline"  # _images/inline/: the pictures that were base64 inside a page
DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
IMG_TAG = re.compile(r"<img\b[^>]*>")
# What a notebook drew: myst-nb names an output picture by its sha256, and slider frames live in _images/inline.
# Those load lazily; a picture written into the text (the cover, a chapter's diagram) is small and often the
# first thing on screen, where loading it lazily would only delay the largest paint.
OUTPUT_IMAGE = re.compile(rf"_images/(?:{INLINE}/[0-9a-f]+|[0-9a-f]{{64}})\.png$")
# The live sliders' saved state (their images as base64): the site shows no widget view, so it is dead weight.
WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">.*?</script>\s*', re.S)


def optimise(data: bytes) -> bytes:
    """The same picture as a smaller PNG: at most MAX_WIDTH wide, grey as grey, colour as a 256-colour palette."""
    image = Image.open(io.BytesIO(data))
    image.load()
    resized = image.width > MAX_WIDTH
    if resized:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.LANCZOS)
    if image.mode == "RGBA" and image.getextrema()[3][0] == 255:  # opaque: the alpha channel says nothing
        image = image.convert("RGB")
    if image.mode == "RGB":
        r, g, b = image.split()
        if ImageChops.difference(r, g).getbbox() is None and ImageChops.difference(g, b).getbbox() is None:
            image = image.convert("L")  # grey digits: one channel, lossless
        else:
            image = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    elif image.mode == "RGBA":
        image = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    smaller = out.getvalue()
    return smaller if resized or len(smaller) < len(data) else data


def _shrink_files(images: Path) -> None:
    for path in images.glob("*.png"):
        data = path.read_bytes()
        smaller = optimise(data)
        if smaller is not data:
            path.write_bytes(smaller)


def _set_attribute(tag: str, name: str, value: str) -> str:
    if re.search(rf"\s{name}=", tag):
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return tag[:end].rstrip() + f' {name}="{value}"' + (" />" if tag.endswith("/>") else ">")


def rewrite_page(page: Path, outdir: Path) -> None:
    """Base64 images in `page` to files under _images/inline; every <img> lazy, with its size."""
    text = page.read_text(encoding="utf-8")
    folder = outdir / "_images" / INLINE
    sizes: dict[str, tuple[int, int]] = {}

    urls: dict[str, str] = {}  # the frame a slider shows is also in its script: shrink and write it once

    def to_file(match: re.Match) -> str:
        if match.group(1) in urls:
            return urls[match.group(1)]
        data = optimise(base64.b64decode(match.group(1)))
        name = hashlib.sha256(data).hexdigest()[:20] + ".png"
        target = folder / name
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(target)
        url = os.path.relpath(target, page.parent).replace(os.sep, "/")
        sizes[url] = png_size(data)
        urls[match.group(1)] = url
        return url

    new = DATA_URI.sub(to_file, WIDGET_STATE.sub("", text))

    def lazy(match: re.Match) -> str:
        tag = match.group(0)
        src = re.search(r'\ssrc="([^"]+)"', tag)
        if src and OUTPUT_IMAGE.search(src.group(1)):  # a notebook's output; the cover and diagrams load at once
            tag = _set_attribute(tag, "loading", "lazy")
        tag = _set_attribute(tag, "decoding", "async")
        if src and not re.search(r"\swidth=", tag):
            url = src.group(1)
            file = (page.parent / url).resolve()
            size = sizes.get(url)
            if size is None and url.endswith(".png") and "://" not in url and file.is_file():
                with file.open("rb") as header:  # the size is in the first 24 bytes
                    size = png_size(header.read(24))
            if size:
                tag = _set_attribute(tag, "width", str(size[0]))
                tag = _set_attribute(tag, "height", str(size[1]))
                if not re.search(r"\sstyle=", tag):
                    tag = _set_attribute(tag, "style", "height:auto")  # the theme caps the width; keep the shape
        return tag

    new = IMG_TAG.sub(lazy, new)
    if new != text:
        page.write_text(new, encoding="utf-8")


def lighten_site(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    if (outdir / "_images").is_dir():
        _shrink_files(outdir / "_images")
    for page in outdir.rglob("*.html"):
        if "_static" not in page.relative_to(outdir).parts:
            rewrite_page(page, outdir)


def setup(app):
    app.connect("build-finished", lighten_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
