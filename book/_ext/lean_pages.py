"""Pages that paint sooner: what the theme loads and never uses goes, what it must load waits its turn.

Measured with ``make lighthouse`` (issue 18): a chapter carried 1.1 MB at load, half of it one script,
and its first paint waited for eleven scripts in ``<head>`` and for the style and layout of up to 12,000
elements, most of them the code cells' syntax colours. After the HTML builder has written the site,
this extension rewrites every page but the search page:

1. **No Font Awesome script.** The theme loads ``fontawesome.js`` (1.5 MB, 0.54 MB gzipped) "so that
   users can add custom icons"; the course adds none, and the theme's stylesheet already draws every
   icon it uses (``<i class="fa-solid ...">``) with Font Awesome's web font.
2. **No search-as-you-type scripts** where that feature is off (``DOCUMENTATION_OPTIONS.search_as_you_type
   = false`` on the page): ``searchtools.js``, ``language_data.js`` and the whole ``searchindex.js``
   serve only that feature there; the search box still opens ``search.html``, which loads its own.
3. **Scripts after the text.** Every other script in ``<head>`` without ``async`` or ``defer`` gets
   ``defer``: it still runs in the same order, before ``DOMContentLoaded``, but after the page is parsed
   instead of holding up the first paint. ``documentation_options.js`` stays as it is, because the
   inline scripts after it write into the object it defines.
4. **One element per colour in code.** Pygments wraps every token of a code cell in a ``<span>``, also
   names and punctuation that its stylesheet paints in the block's own colour (in the light and the dark
   theme alike): those spans draw nothing different and are unwrapped (``plain_token_classes`` reads
   which they are from the built ``pygments.css``). A chapter keeps about one span in eight.
5. **Bibliography entries as list items.** Docutils marks each entry of a citation list with
   ``role="doc-biblioentry"``, a role ARIA has deprecated and that a ``role="list"`` may not contain:
   Lighthouse's accessibility audit scored the bibliography 93. They become ``role="listitem"``.
6. **The colour mode settled before the first style pass.** The theme's inline script in ``<head>``
   copies the saved mode and theme onto ``<html>``, or ``""`` on a first visit; once the page is parsed,
   the theme's script turns ``""`` into ``auto`` (logging an error) and sets ``data-theme`` to
   ``light`` or ``dark``. Every rule of the theme's stylesheet hangs on ``html[data-theme]``, so that
   second write restyled every element of the page, after it had been styled once: 0.13 s of a 0.17 s
   task on chapter 5 in Lighthouse's trace, 0.3 s with the CPU slowed four times, and the first paint
   came in neither mode. The inline script now works out what the theme's script will write (the saved
   mode if it is ``light`` or ``dark``, otherwise ``auto``, with the theme the reader's system prefers),
   so the later write changes nothing and a reader whose system is dark gets dark from the first paint.

7. **Icon fonts cut to the icons the site shows.** The theme's stylesheet draws its icons in Font
   Awesome's web fonts, 157 KB (solid) and 118 KB (brands) of woff2 for the dozen icons of the header.
   They are requested at the first layout, within milliseconds of the first paint, and Lighthouse's
   simulated load counted them into the first paint in some runs and not in others, which moved a page's
   score by several points from run to run. A phone downloads them on a first visit in any case. Each
   font file is cut down (``fontTools``) to the characters of the ``fa-`` names found in the site's pages
   and scripts, mapped to characters through the theme's stylesheet, and written again in its own format.

Every rewrite is checked by the site tests (tests/test_site.py): no script error, the icons drawn, the
copy buttons and folded solutions working, the code still coloured. Running it twice changes nothing more.
"""

import logging
import re
from pathlib import Path

from sphinx.errors import ExtensionError

FONTAWESOME = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')
SEARCH_AS_YOU_TYPE_OFF = "DOCUMENTATION_OPTIONS.search_as_you_type = false;"
SEARCH_SCRIPTS = re.compile(r'\s*<script src="[^"]*(?:_static/searchtools|_static/language_data|searchindex)\.js">'
                            r"</script>")
HEAD = re.compile(r"<head>.*?</head>", re.S)
BLOCKING_SCRIPT = re.compile(r"<script (?![^>]*\b(?:async|defer|type)\b)([^>]*\bsrc=\"([^\"]+)\"[^>]*)>")
KEEP_BLOCKING = ("documentation_options.js",)  # inline scripts after it use the object it defines
CODE_BLOCK = re.compile(r'<div class="highlight[^"]*"><pre>.*?</pre>', re.S)
BIBLIOENTRY = re.compile(r'(<div class="citation" id="[^"]*" )role="doc-biblioentry">')
# the theme's inline script (pydata-sphinx-theme's layout.html), and what its script sets on DOMContentLoaded
THEME_MODE = re.compile(r'document\.documentElement\.dataset\.mode = localStorage\.getItem\("mode"\) \|\| "";\s*'
                        r'document\.documentElement\.dataset\.theme = localStorage\.getItem\("theme"\) \|\| "";')
SETTLED_MODE = ('{\n'
                '      let mode = localStorage.getItem("mode");\n'
                '      if (mode !== "light" && mode !== "dark") mode = "auto";\n'
                '      document.documentElement.dataset.mode = mode;\n'
                '      document.documentElement.dataset.theme = mode !== "auto" ? mode :\n'
                '        matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";\n'
                '    }')


def plain_token_classes(pygments_css: str) -> set[str]:
    """The token classes that pygments.css paints exactly like the block around them, in every theme."""
    themes = set(re.findall(r'html\[data-theme="(\w+)"\] \.highlight ', pygments_css))
    if not themes:
        return set()
    plain = None
    for theme in themes:
        prefix = rf'html\[data-theme="{theme}"\] \.highlight'
        base = re.search(rf"{prefix} {{ background: [^;]+; color: ([^;}}\s]+) }}", pygments_css)
        if base is None:
            return set()
        same = {cls for cls, colour in re.findall(rf"{prefix} \.(\w+) {{ color: ([^;}}\s]+) }}", pygments_css)
                if colour.lower() == base.group(1).lower()}
        styled = set(re.findall(rf"{prefix} \.(\w+) {{ (?!color: [^;}}\s]+ }})", pygments_css))  # bold, italic...
        same -= styled
        plain = same if plain is None else plain & same
    return plain or set()


def rewrite_page(page: Path, plain: set[str]) -> None:
    text = page.read_text(encoding="utf-8")
    new = FONTAWESOME.sub("", text)
    if SEARCH_AS_YOU_TYPE_OFF in new:
        new = SEARCH_SCRIPTS.sub("", new)

    def defer(match: re.Match) -> str:
        if match.group(2).split("?")[0].endswith(KEEP_BLOCKING):
            return match.group(0)
        return f"<script defer {match.group(1)}>"

    new = HEAD.sub(lambda head: BLOCKING_SCRIPT.sub(defer, head.group(0)), new, count=1)
    if plain:
        token = re.compile(rf'<span class="(?:{"|".join(sorted(plain))})">([^<]*)</span>')
        new = CODE_BLOCK.sub(lambda block: token.sub(r"\1", block.group(0)), new)
    new = BIBLIOENTRY.sub(r'\1role="listitem">', new)
    new = THEME_MODE.sub(lambda _: SETTLED_MODE, new, count=1)
    if new != text:
        page.write_text(new, encoding="utf-8")


ICON_FONTS = Path("_static") / "vendor" / "fontawesome" / "webfonts"
THEME_CSS = Path("_static") / "styles" / "pydata-sphinx-theme.css"
ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"\\([0-9a-f]+)"\}')
ICON_NAME = re.compile(r"\bfa-[a-z0-9-]+\b")


def icon_characters(theme_css: str) -> dict[str, int]:
    """Each Font Awesome name (aliases too) in the theme's stylesheet, and the character it draws."""
    return {name: int(rule.group(2), 16) for rule in ICON_RULE.finditer(theme_css)
            for name in re.findall(r"\.(fa-[a-z0-9-]+):before", rule.group(1))}


def cut_icon_fonts(outdir: Path) -> set[int]:
    """Cut every Font Awesome font file of the site to the characters its pages and scripts name."""
    fonts, css = outdir / ICON_FONTS, outdir / THEME_CSS
    if not fonts.is_dir() or not css.is_file():
        return set()
    try:
        import brotli  # noqa: F401  (fontTools writes woff2 with it)
        from fontTools import subset
        from fontTools.ttLib import TTFont
    except ImportError as missing:
        raise ExtensionError(f"lean_pages cuts the icon fonts with fontTools and brotli ({missing}): "
                             "pip install -r requirements.txt") from None
    characters = icon_characters(css.read_text(encoding="utf-8"))
    names = set()
    for file in [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]:
        names |= set(ICON_NAME.findall(file.read_text(encoding="utf-8", errors="replace")))
    keep = {characters[name] for name in names if name in characters}
    if not keep:
        raise ExtensionError(f"lean_pages found no Font Awesome icon named in {outdir}: is {THEME_CSS} the "
                             "theme's stylesheet still?")
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # not a line of INFO per table of every font
    for path in sorted(fonts.glob("*.woff2")) + sorted(fonts.glob("*.ttf")):
        font = TTFont(path)
        options = subset.Options()
        options.flavor = font.flavor  # woff2 stays woff2, a TrueType file stays one
        options.layout_features = ["*"]
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=keep & set(font.getBestCmap() or {}))  # none, once cut to none of its own
        cutter.subset(font)
        font.save(path)
    return keep


def lean_site(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    css = outdir / "_static" / "pygments.css"
    plain = plain_token_classes(css.read_text(encoding="utf-8")) if css.is_file() else set()
    for page in outdir.rglob("*.html"):
        parts = page.relative_to(outdir).parts
        if "_static" not in parts and parts != ("search.html",):
            rewrite_page(page, plain)
    cut_icon_fonts(outdir)


def setup(app):
    # after the theme's own build-finished handler, which writes the final pygments.css (light and dark)
    app.connect("build-finished", lean_site, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
