"""book/_ext/local_mathjax.py: formulas typeset at build time, on small pages (issue 18).

The built site is checked in a browser in test_site.py. These need Node.js and MathJax (fetched
with npm into the cache on first use, as the book build does).
"""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import local_mathjax  # noqa: E402

INLINE = '<span class="math notranslate nohighlight">\\({}\\)</span>'
NUMBERED = ('<div class="math notranslate nohighlight" id="equation-elbo">\n'
            '<span class="eqno">(1)<a class="headerlink" href="#equation-elbo" '
            'title="Link to this equation">#</a></span>\\[{}\\]</div>\n')
NOWRAP = '<div class="math notranslate nohighlight">\n{}</div>\n'


def _page(*body: str) -> str:
    return "<html><head><title>t</title></head><body>" + "".join(body) + "</body></html>"


def test_formulas_are_found_in_the_page_order_with_their_tex_unescaped():
    text = _page(INLINE.format("a &lt; b"), "<p>and</p>", NUMBERED.format("x &amp;= y"),
                 NOWRAP.format("\\begin{align}a &amp;= b\\end{align}"), INLINE.format("z"))
    assert local_mathjax._formulas(text) == [
        {"tex": "a < b", "display": False}, {"tex": "x &= y", "display": True},
        {"tex": "\\begin{align}a &= b\\end{align}", "display": True}, {"tex": "z", "display": False}]
    assert local_mathjax._formulas(_page("<p>no math, only $5 and \\(</p>")) == []


@pytest.fixture(scope="module")
def mathjax():
    if shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed: .ci/run installs it (apt-get install npm)")
        pytest.skip("node is not installed")
    folder = local_mathjax.cache_folder()
    if not local_mathjax._complete(folder):
        local_mathjax.fetch(folder)
    return folder


def test_each_formula_is_typeset_with_mathml_and_the_page_gets_its_glyphs_and_stylesheet(mathjax, tmp_path):
    page = tmp_path / "book" / "01" / "page.html"
    other = tmp_path / "book" / "plain.html"
    pages = {page: _page(INLINE.format("q_\\phi(z \\mid x)"), NUMBERED.format("\\mathbb{E}[x] &lt; 1")),
             other: _page("<p>no formulas</p>")}
    out = local_mathjax.typeset(pages)
    assert out[other] == pages[other]
    text = out[page]
    assert "\\(" not in text and "\\[" not in text
    assert text.count("<mjx-container") == 2 and text.count("<mjx-assistive-mml") == 2
    assert 'display="true"' in text  # the numbered one is a display formula, and keeps its number
    assert '<span class="eqno">(1)' in text
    assert text.count('<span class="math notranslate nohighlight"><mjx-container') == 1
    head, body = text.split("</head>")
    assert '<style id="MJX-SVG-styles">' in head
    assert 'mjx-container[jax="SVG"] use {' in head  # the glyphs' hairline stroke, on what the page has
    assert "mjx-assistive-mml math, mjx-assistive-mml math * {\n  display: inline;" in head  # unseen: no MathML layout
    # each formula is an SVG drawing; its characters are references to glyphs drawn once, atop the body
    assert text.count('<svg id="MJX-SVG-global-cache"') == 1
    assert body.startswith('<body>\n<svg id="MJX-SVG-global-cache"')
    glyphs = re.findall(r'<path id="([^"]+)"', body)
    used = re.findall(r'<use xlink:href="#([^"]+)"', body)
    assert len(glyphs) == len(set(glyphs)) and set(used) == set(glyphs), (glyphs, used)
    assert "MJX-TEX-D-1D53C" in glyphs  # the page's glyphs are those it uses (a blackboard E) ...
    plain = local_mathjax.typeset({page: _page(INLINE.format("x"))})[page]
    assert re.findall(r'<path id="([^"]+)"', plain) == ["MJX-TEX-I-1D465"]  # ... and not another page's
    # no fonts, and none of the marks MathJax's in-browser explorer reads
    assert "@font-face" not in text and "woff" not in text
    assert "data-c=" not in body and "data-mml-node" not in body
    # a page an incremental build did not write again is typeset already: a second pass leaves it as it is
    assert local_mathjax._formulas(text) == []
    assert local_mathjax.typeset({page: text})[page] == text


def test_the_stylesheets_marks_of_tables_stay(mathjax, tmp_path):
    page = tmp_path / "page.html"
    align = NOWRAP.format("\\begin{align}a &amp;= b\\\\ c &amp;= d\\end{align}")
    text = local_mathjax.typeset({page: _page(align)})[page]
    assert 'data-mml-node="mtable"' in text and 'g[data-mml-node="mtable"]' in text.split("</head>")[0]


def test_a_tex_error_fails_the_build_and_names_the_page_and_the_formula(mathjax, tmp_path):
    bad = tmp_path / "bad.html"
    with pytest.raises(ExtensionError, match=r"(?s)bad\.html: Undefined control sequence \\zorp"):
        local_mathjax.typeset({bad: _page(INLINE.format("x"), INLINE.format("\\zorp{x}"))})
    with pytest.raises(ExtensionError, match=r"(?s)bad\.html: Missing close brace"):
        local_mathjax.typeset({bad: _page(INLINE.format("\\frac{1}{2"))})


def test_without_npm_the_message_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ExtensionError, match="npm"):
        local_mathjax.fetch(tmp_path / "mathjax")
