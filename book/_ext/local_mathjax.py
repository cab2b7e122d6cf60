"""Math without a network and without a megabyte of JavaScript: formulas typeset at build time.

Sphinx writes each formula as TeX (``\\(...\\)`` or ``\\[...\\]``) and loads MathJax from a CDN to
typeset it in the reader's browser: offline that shows raw TeX, and online it costs every chapter
page 1.2 MB of script before its formulas appear. Instead, once the HTML builder has written the
site, this extension typesets every formula with MathJax (the npm registry's ``mathjax``
package, ``VERSION``) under Node.js (``prerender_math.js``) and writes MathJax's SVG output into the
page: each formula an inline ``<svg>``, each character a reference to a glyph drawn once per page in
a hidden ``<svg>`` at the top of the body, and a small stylesheet in the ``<head>``. The page then loads
no script and no font for its math. (MathJax's other output, HTML drawn in its web fonts, costs the
reader's browser more style and layout work, and a font file for each kind of character a page uses.)
The drawings are sized in the surrounding text's ex, so a formula's letters are as tall as the text's.
Each formula keeps a MathML copy for screen readers (MathJax's assistive MathML), laid out as plain
text: Chrome would otherwise typeset it too, unseen, for a third of the VAE chapter's layout. A TeX error, an
undefined macro included, fails the build, naming the page and the formula.

The first build fetches MathJax with ``npm pack`` into a cache folder (``AECOURSE_MATHJAX``, default
``~/.cache/aecourse/mathjax-VERSION-prerender``); later builds need no network, but every build needs
``node``. Every way of building the book (``make book``, the tests, CI, the Pages workflow,
``jupyter-book build`` by hand) goes through here. The notebooks are not changed: Jupyter and Colab
typeset their math themselves.
"""

import html
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.ext import mathjax

VERSION = "3.2.2"
NODE_MAIN = Path("es5") / "node-main.js"  # MathJax's entry point for Node.js, in the cache folder
# MathJax's components that prerender_math.js loads (and what they load), not its browser bundles
COMPONENTS = ("adaptors", "input", "output", "a11y")
LICENSE = Path("mathjax") / "LICENSE"  # under _static/: MathJax's licence, for the glyphs the pages carry
ENV_VERSION = 3  # a page typeset by another version of this extension (1: HTML and fonts; 2: MathML laid out as
# MathML) is written afresh
SCRIPT = Path(__file__).with_name("prerender_math.js")

# What sphinx.ext.mathjax writes: an inline formula, and a display formula (with its number, if any).
INLINE = re.compile(r'(<span class="math notranslate nohighlight">)\\\((.*?)\\\)(</span>)', re.S)
# A page Sphinx did not write again in an incremental build is typeset already: its formulas are left alone.
DISPLAY = re.compile(r'(<div class="math notranslate nohighlight"[^>]*>\s*(?:<span class="eqno">.*?</span>)?)'
                     r'(?!\s*(?:<span class="eqno">.*?</span>\s*)?<mjx-container)(.*?)(</div>)', re.S)
MATH = re.compile(f"{INLINE.pattern}|{DISPLAY.pattern}", re.S)  # either, in the page's order


def cache_folder() -> Path:
    default = Path.home() / ".cache" / "aecourse" / f"mathjax-{VERSION}-prerender"
    return Path(os.environ.get("AECOURSE_MATHJAX") or default)


def _complete(folder: Path) -> bool:
    return all((folder / part).is_file() for part in (NODE_MAIN, Path("es5") / "output" / "svg.js",
                                                       Path("static") / LICENSE))


def fetch(folder: Path) -> None:
    """Put MathJax's files into `folder` (fetched with npm, once): es5/ for Node.js, static/ for the site."""
    npm = shutil.which("npm")
    if npm is None:
        raise ExtensionError(f"MathJax {VERSION}, which typesets the site's formulas, is not in {folder} and "
                             "`npm` is not installed: install Node.js and npm (apt-get install npm), or set "
                             "AECOURSE_MATHJAX to a folder that holds it (es5/node-main.js, es5/output/svg.js "
                             "and static/mathjax/LICENSE)")
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".mathjax-") as tmp:
        run = subprocess.run([npm, "pack", f"mathjax@{VERSION}", "--pack-destination", tmp, "--silent"],
                             capture_output=True, text=True, timeout=600)
        tarballs = list(Path(tmp).glob("mathjax-*.tgz"))
        if run.returncode != 0 or not tarballs:
            raise ExtensionError(f"could not fetch MathJax {VERSION} with `npm pack` (needs the npm registry once; "
                                 f"later builds use {folder}):\n{run.stdout}{run.stderr}")
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        es5, staged = Path(tmp) / "package" / "es5", Path(tmp) / "site"
        (staged / "es5").mkdir(parents=True)
        shutil.copy(es5 / "node-main.js", staged / NODE_MAIN)
        for name in COMPONENTS:
            shutil.copytree(es5 / name, staged / "es5" / name,
                            ignore=lambda d, names: {n for n in names if n.startswith("chtml")})
        (staged / "static" / LICENSE).parent.mkdir(parents=True)
        shutil.copy(Path(tmp) / "package" / "LICENSE", staged / "static" / LICENSE)
        if folder.exists() and not _complete(folder):  # half a copy, or something else: set it aside
            shutil.rmtree(folder, ignore_errors=True)
        try:
            staged.rename(folder)  # all at once: a build never sees half a copy
        except OSError:
            if not _complete(folder):  # not another build finishing first
                raise ExtensionError(f"{folder} is there but holds no usable MathJax: delete it and build "
                                     "again") from None


def add_mathjax(app, config) -> None:
    folder = cache_folder()
    if not _complete(folder):
        fetch(folder)
    if shutil.which("node") is None:
        raise ExtensionError("the book typesets its formulas with Node.js at build time, and `node` is not "
                             "installed: install Node.js (apt-get install nodejs)")
    config.html_static_path = [*config.html_static_path, str(folder / "static")]  # _static/mathjax/LICENSE
    # Sphinx writes the formulas as MathJax expects them, but adds no MathJax script: they are typeset here.
    config.html_math_renderer = "prerendered"


def _formulas(text: str) -> list[dict]:
    found = []
    for m in MATH.finditer(text):
        if m.group(1):
            found.append({"tex": html.unescape(m.group(2)), "display": False})
        else:
            tex = m.group(5).strip()
            if tex.startswith(r"\[") and tex.endswith(r"\]"):
                tex = tex[2:-2]  # nowrap blocks (an amsmath environment) come without \[ \]
            found.append({"tex": html.unescape(tex), "display": True})
    return found


def _filler(parts):
    """A re.sub replacement that puts the next typeset formula between a formula's opening and closing tags."""
    def put(match: re.Match) -> str:
        opening, closing = (match.group(1), match.group(3)) if match.group(1) else (match.group(4), match.group(6))
        return opening + next(parts) + closing
    return put


BODY = re.compile(r"<body\b[^>]*>")


def typeset(pages: dict[Path, str]) -> dict[Path, str]:
    """Each page's text with its formulas typeset, their glyphs atop its <body>, their stylesheet in its <head>."""
    order = [page for page, text in pages.items() if _formulas(text)]
    request = [{"page": str(page), "formulas": _formulas(pages[page])} for page in order]
    if not request:
        return dict(pages)
    run = subprocess.run(["node", str(SCRIPT), str(cache_folder() / NODE_MAIN), str(cache_folder() / "es5")],
                         input=json.dumps(request), capture_output=True, text=True, timeout=1200)
    if run.returncode != 0:
        raise ExtensionError(f"MathJax could not typeset the site's formulas:\n{run.stderr[-4000:]}")
    out = dict(pages)
    for page, rendered in zip(order, json.loads(run.stdout), strict=True):
        text = MATH.sub(_filler(iter(rendered["html"])), pages[page])
        body = BODY.search(text)
        if body is None:
            raise ExtensionError(f"{page} has formulas but no <body> to put their glyphs in")
        text = text[:body.end()] + "\n" + rendered["glyphs"] + text[body.end():]
        style = '<style id="MJX-SVG-styles">' + rendered["css"] + "</style>"
        out[page] = text.replace("</head>", style + "\n</head>", 1)
    return out


def typeset_site(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    pages = {page: page.read_text(encoding="utf-8") for page in outdir.rglob("*.html")
             if "_static" not in page.relative_to(outdir).parts}
    for page, text in typeset(pages).items():
        if text != pages[page]:
            page.write_text(text, encoding="utf-8")


def setup(app):
    app.connect("config-inited", add_mathjax)
    # sphinx.ext.mathjax's own writers, so the TeX is where typeset_site looks for it; none of its scripts
    app.add_html_math_renderer("prerendered", (mathjax.html_visit_math, None),
                               (mathjax.html_visit_displaymath, None))
    app.connect("build-finished", typeset_site)
    return {"version": VERSION, "env_version": ENV_VERSION, "parallel_read_safe": True,
            "parallel_write_safe": True}
