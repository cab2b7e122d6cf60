"""book/_ext/local_mathjax.py: formulas typeset at build time, on small pages (issue 18).

The built site is checked in a browser in test_site.py. These need Node.js and MathJax (fetched
with npm into the cache on first use, as the book build does).
"""

import os
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


def test_each_formula_is_typeset_with_mathml_and_the_page_gets_its_stylesheet(mathjax, tmp_path):
    page = tmp_path / "book" / "01" / "page.html"
    other = tmp_path / "book" / "plain.html"
    fonts = tmp_path / "_static" / local_mathjax.FONTS
    pages = {page: _page(INLINE.format("q_\\phi(z \\mid x)"), NUMBERED.format("\\mathbb{E}[x] &lt; 1")),
             other: _page("<p>no formulas</p>")}
    out = local_mathjax.typeset(pages, fonts)
    assert out[other] == pages[other]
    text = out[page]
    assert "\\(" not in text and "\\[" not in text
    assert text.count("<mjx-container") == 2 and text.count("<mjx-assistive-mml") == 2
    assert 'display="true"' in text  # the numbered one is a display formula, and keeps its number
    assert '<span class="eqno">(1)' in text
    assert text.count('<span class="math notranslate nohighlight"><mjx-container') == 1
    head = text.split("</head>")[0]
    assert '<style id="MJX-CHTML-styles">' in head
    assert 'url("../../_static/mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff")' in head
    assert "@FONTS@" not in text
    glyph = "mjx-c.mjx-c1D53C"  # the stylesheet draws the characters this page uses (a blackboard E) ...
    assert glyph in head
    plain = local_mathjax.typeset({page: _page(INLINE.format("x"))}, fonts)[page]
    assert glyph not in plain.split("</head>")[0]  # ... and not those only another page used
    # a page an incremental build did not write again is typeset already: a second pass leaves it as it is
    assert local_mathjax._formulas(text) == []
    assert local_mathjax.typeset({page: text}, fonts)[page] == text


def test_a_tex_error_fails_the_build_and_names_the_page_and_the_formula(mathjax, tmp_path):
    bad = tmp_path / "bad.html"
    with pytest.raises(ExtensionError, match=r"(?s)bad\.html: Undefined control sequence \\zorp"):
        local_mathjax.typeset({bad: _page(INLINE.format("x"), INLINE.format("\\zorp{x}"))}, tmp_path)
    with pytest.raises(ExtensionError, match=r"(?s)bad\.html: Missing close brace"):
        local_mathjax.typeset({bad: _page(INLINE.format("\\frac{1}{2"))}, tmp_path)


def test_without_npm_the_message_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ExtensionError, match="npm"):
        local_mathjax.fetch(tmp_path / "mathjax")
