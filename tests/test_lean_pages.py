"""book/_ext/lean_pages.py: no unused theme scripts, the rest deferred, one span per colour in code (issue 18).

The built site is checked in test_site.py (in a browser); here, the rewrite on small pages.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import lean_pages  # noqa: E402

CSS = """\
html[data-theme="light"] .highlight { background: #fefefe; color: #080808 }
html[data-theme="light"] .highlight .k { color: #6730C5 }
html[data-theme="light"] .highlight .n { color: #080808 }
html[data-theme="light"] .highlight .p { color: #080808 }
html[data-theme="light"] .highlight .gh { color: #080808; font-weight: bold }
html[data-theme="light"] .highlight .gh { color: #080808 }
html[data-theme="light"] .highlight .o { color: #080808 }
html[data-theme="dark"] .highlight { background: #2b2b2b; color: #F8F8F2 }
html[data-theme="dark"] .highlight .k { color: #DCC6E0 }
html[data-theme="dark"] .highlight .n { color: #f8f8f2 }
html[data-theme="dark"] .highlight .p { color: #F8F8F2 }
html[data-theme="dark"] .highlight .gh { color: #F8F8F2 }
html[data-theme="dark"] .highlight .o { color: #ABE338 }
"""

PAGE = """\
<html><head>
  <script data-cfasync="false">
    document.documentElement.dataset.mode = localStorage.getItem("mode") || "";
    document.documentElement.dataset.theme = localStorage.getItem("theme") || "";
  </script>
  <script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script>
    <script src="../_static/documentation_options.js?v=9eb3"></script>
    <script src="../_static/doctools.js?v=9a2d"></script>
    <script>let toggleHintShow = 'Click to show';</script>
    <script data-sd-tabs-storage-prefix="sd-" src="../_static/design-tabs.js?v=fcb3"></script>
    <script async="async" src="../_static/sphinx-thebe.js?v=c100"></script>
    <script>DOCUMENTATION_OPTIONS.search_as_you_type = false;</script>
    <script src="../_static/searchtools.js"></script>
    <script src="../_static/language_data.js"></script>
    <script src="../searchindex.js"></script>
</head><body>
<div class="highlight-ipython3 notranslate"><div class="highlight"><pre><span></span><span class="k">for</span>\
<span class="w"> </span><span class="n">x</span><span class="p">:</span> <span class="o">+</span>\
<span class="gh">Head</span></pre></div></div>
<p><span class="n">not code</span></p>
<div role="list" class="citation-list">
<div class="citation" id="id13" role="doc-biblioentry">
<span class="label"><span class="fn-bracket">[</span>1<span class="fn-bracket">]</span></span></div>
</div>
<script src="../_static/in-body.js"></script>
</body></html>
"""


def test_plain_token_classes_are_those_painted_like_the_block_in_every_theme():
    # n and p: the block's colour in both themes (case aside); o: only in light; gh: bold; k: coloured
    assert lean_pages.plain_token_classes(CSS) == {"n", "p"}
    assert lean_pages.plain_token_classes("") == set()
    one_theme = CSS.replace('html[data-theme="dark"] .highlight { background: #2b2b2b; color: #F8F8F2 }\n', "")
    assert lean_pages.plain_token_classes(one_theme) == set(), "a theme without a base colour: unwrap nothing"


def test_rewrite_drops_unused_scripts_defers_the_rest_and_unwraps_plain_tokens(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(PAGE)
    lean_pages.rewrite_page(page, {"n", "p", "w"})
    text = page.read_text()
    head, body = text.split("</head>")
    assert "fontawesome.js" not in text
    assert "searchtools.js" not in text and "language_data.js" not in text and "searchindex.js" not in text
    assert '<script src="../_static/documentation_options.js?v=9eb3"></script>' in head  # kept: inline uses it
    assert '<script defer src="../_static/doctools.js?v=9a2d"></script>' in head
    assert '<script defer data-sd-tabs-storage-prefix="sd-" src="../_static/design-tabs.js?v=fcb3"></script>' in head
    assert '<script async="async" src="../_static/sphinx-thebe.js?v=c100"></script>' in head  # async stays async
    assert "<script>let toggleHintShow = 'Click to show';</script>" in head  # inline scripts untouched
    assert '<script src="../_static/in-body.js"></script>' in body  # only the head's scripts wait
    code = '<pre><span></span><span class="k">for</span> x: <span class="o">+</span><span class="gh">Head</span></pre>'
    assert code in body
    assert '<p><span class="n">not code</span></p>' in body  # outside a code block nothing changes
    assert '<div class="citation" id="id13" role="listitem">' in body and "doc-biblioentry" not in body
    assert lean_pages.SETTLED_MODE in head and 'getItem("theme")' not in head
    once = page.read_text()
    lean_pages.rewrite_page(page, {"n", "p", "w"})
    assert page.read_text() == once, "a second run changes nothing more"


def test_search_scripts_stay_where_search_as_you_type_is_on(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(PAGE.replace("search_as_you_type = false", "search_as_you_type = true"))
    lean_pages.rewrite_page(page, set())
    text = page.read_text()
    assert all(f"{name}.js" in text for name in ("searchtools", "language_data", "searchindex"))
    assert '<script defer src="../_static/searchtools.js"></script>' in text


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (the book build needs it too)")
def test_the_colour_mode_is_the_one_the_theme_script_will_set():
    """What the rewritten inline script puts on <html>, for each saved mode and system preference: the values
    pydata-sphinx-theme's script sets once the page is parsed (a mode other than light or dark is auto, and
    auto takes the system's theme), so that its write changes nothing. The browser test checks the same on
    the built site, with the theme's own script."""
    cases = [(saved, dark) for saved in ("light", "dark", "auto", None, "", "bogus") for dark in (False, True)]
    program = """
    const cases = CASES, out = [];
    for (const [saved, dark] of cases) {
      const html = {dataset: {}};
      const document = {documentElement: html};
      const localStorage = {getItem: (key) => (key === "mode" ? saved : "stale")};
      const matchMedia = (query) => ({matches: dark && query === "(prefers-color-scheme: dark)"});
      SCRIPT
      out.push([html.dataset.mode, html.dataset.theme]);
    }
    console.log(JSON.stringify(out));
    """.replace("CASES", json.dumps(cases)).replace("SCRIPT", lean_pages.SETTLED_MODE)
    run = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True)
    got = dict(zip(cases, map(tuple, json.loads(run.stdout)), strict=True))
    for (saved, dark), (mode, theme) in got.items():
        want = (saved, saved) if saved in ("light", "dark") else ("auto", "dark" if dark else "light")
        assert (mode, theme) == want, f"saved {saved!r}, system dark {dark}: got {(mode, theme)}, want {want}"


THEME = Path(__import__("pydata_sphinx_theme").__file__).parent / "theme" / "pydata_sphinx_theme" / "static"


def _site_with_icons(tmp_path: Path, page: str) -> Path:
    shutil.copytree(THEME / "vendor" / "fontawesome" / "webfonts", tmp_path / lean_pages.ICON_FONTS)
    (tmp_path / lean_pages.THEME_CSS).parent.mkdir(parents=True)
    shutil.copy(THEME / "styles" / "pydata-sphinx-theme.css", tmp_path / lean_pages.THEME_CSS)
    (tmp_path / "page.html").write_text(page)
    return tmp_path


def test_the_icon_fonts_keep_only_the_icons_the_site_names(tmp_path):
    from fontTools.ttLib import TTFont
    site = _site_with_icons(tmp_path, '<i class="fa-solid fa-bars"></i><span class="fab fa-github"></span>'
                                      '<i class="fas fa-search"></i>')  # an alias of fa-magnifying-glass
    (site / "_static" / "menu.js").write_text('button.className = "fa-solid fa-xmark";')  # named by a script
    fonts = site / lean_pages.ICON_FONTS
    before = {path.name: path.stat().st_size for path in fonts.iterdir()}
    kept = lean_pages.cut_icon_fonts(site)
    assert kept == {0xF0C9, 0xF09B, 0xF002, 0xF00D}
    solid, brands = TTFont(fonts / "fa-solid-900.woff2"), TTFont(fonts / "fa-brands-400.woff2")
    assert solid.flavor == brands.flavor == "woff2" and TTFont(fonts / "fa-solid-900.ttf").flavor is None
    assert set(solid.getBestCmap()) == {0xF0C9, 0xF002, 0xF00D}
    assert set(brands.getBestCmap()) == {0xF09B}
    for path in fonts.iterdir():
        assert path.stat().st_size < before[path.name] / 10, path.name
    lean_pages.cut_icon_fonts(site)  # a second build's pass changes nothing
    assert set(TTFont(fonts / "fa-solid-900.woff2").getBestCmap()) == {0xF0C9, 0xF002, 0xF00D}


def test_a_site_that_names_no_icon_stops_the_build_rather_than_losing_every_icon(tmp_path):
    from sphinx.errors import ExtensionError
    with pytest.raises(ExtensionError, match="no Font Awesome icon"):
        lean_pages.cut_icon_fonts(_site_with_icons(tmp_path, "<p>no icons</p>"))
