"""Math without a network: the built site carries MathJax 3 instead of loading it from a CDN.

Sphinx loads MathJax from a CDN by default, so a site read offline shows raw ``\\(...\\)``.
This extension adds MathJax (the npm registry's ``mathjax`` package, ``VERSION``) to the
site's static files, so ``mathjax_path: mathjax/tex-mml-chtml.js`` in _config.yml loads it
from ``_static/mathjax``. The first build fetches it with ``npm pack`` into a cache folder
(``AECOURSE_MATHJAX``, default ``~/.cache/aecourse/mathjax-VERSION``); later builds copy it
from there and need no network. Every way of building the book (``make book``, the tests, CI,
the Pages workflow, ``jupyter-book build`` by hand) goes through here.
"""

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sphinx.errors import ExtensionError

VERSION = "3.2.2"
ENTRY = "tex-mml-chtml.js"  # TeX and MathML in, HTML+CSS out; it loads fonts and rarer TeX packages on demand


def cache_folder() -> Path:
    default = Path.home() / ".cache" / "aecourse" / f"mathjax-{VERSION}"
    return Path(os.environ.get("AECOURSE_MATHJAX") or default)


def _needed(es5: Path, names: list[str]) -> set[str]:
    """What the site needs of MathJax's es5 folder: the one entry point and what it loads, not the other bundles."""
    if es5.name == "es5":
        return {n for n in names if n.endswith(".js") and n != ENTRY}
    if es5.name == "output":
        return {n for n in names if n.startswith("svg")}
    return set()


def fetch(folder: Path) -> None:
    """Put MathJax's files into `folder`/static/mathjax, fetched with npm (once)."""
    npm = shutil.which("npm")
    if npm is None:
        raise ExtensionError(f"MathJax {VERSION} for offline math is not in {folder} and `npm` is not installed: "
                             "install Node.js and npm (apt-get install npm), or set AECOURSE_MATHJAX to a folder "
                             f"whose static/mathjax holds MathJax 3's es5 build")
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
        staged = Path(tmp) / "site"
        shutil.copytree(Path(tmp) / "package" / "es5", staged / "static" / "mathjax",
                        ignore=lambda d, names: _needed(Path(d), names))
        shutil.copy(Path(tmp) / "package" / "LICENSE", staged / "static" / "mathjax" / "LICENSE")
        try:
            staged.rename(folder)  # all at once: a build never sees half a copy
        except OSError:
            if not (folder / "static" / "mathjax" / ENTRY).is_file():  # not another build finishing first
                raise ExtensionError(f"{folder} is there but holds no MathJax: delete it and build again") from None


def add_mathjax(app, config) -> None:
    folder = cache_folder()
    if not (folder / "static" / "mathjax" / ENTRY).is_file():
        fetch(folder)
    config.html_static_path = [*config.html_static_path, str(folder / "static")]  # copied into _static/


def setup(app):
    app.connect("config-inited", add_mathjax)
    return {"version": VERSION, "parallel_read_safe": True, "parallel_write_safe": True}
