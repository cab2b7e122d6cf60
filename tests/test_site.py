"""The built book: it builds with warnings as errors, and works in a real browser.

Builds the whole book once (smoke profile, executing every notebook), then opens the
chapter pages in headless Chromium (Debian's, driven by Playwright): no script errors, the
static slider changes its frame, the exercise solutions are folded, and the launch buttons
point at the chapter's notebook.
"""

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from lean_pages import ICON_FONTS  # noqa: E402  (where lean_pages cuts the icon fonts)

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/")
BRANCH = CONFIG["repository"]["branch"]
CHAPTERS = [entry["file"] for entry in yaml.safe_load((ROOT / "_toc.yml").read_text())["chapters"]
            if entry["file"] != "book/references"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.slow


def execute_two_at_a_time(chapters: list[str], cache_dir: Path) -> None:
    """Run `chapters` two kernels at a time, one CPU thread each, into the book build's execution cache.

    What myst-nb's cache mode does for one notebook (a fresh kernel in the notebook's folder, the
    book's timeout, no errors allowed; the executed notebook cached under its path), for two at a
    time: on 2 cores two one-thread kernels finish the smoke chapters sooner than one two-thread
    kernel, which leaves a core idle while a chapter draws its figures. A chapter that fails fails
    here, with its traceback.
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    def execute(chapter):
        path = ROOT / f"{chapter}.ipynb"
        nb = nbformat.read(path, as_version=4)
        result = single_nb_execution(nb, cwd=str(path.parent), timeout=CONFIG["execute"]["timeout"],
                                     allow_errors=False, meta_override=True)
        return path, nb, result

    threads = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"  # read by each kernel's torch when it starts
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(execute, chapters))
    finally:
        if threads is None:
            del os.environ["OMP_NUM_THREADS"]
        else:
            os.environ["OMP_NUM_THREADS"] = threads
    failed = [f"{path.relative_to(ROOT)}:\n{result.exc_string[-3000:]}" for path, _, result in results if result.err]
    assert not failed, "a chapter failed:\n" + "\n".join(failed)
    cache = get_cache(str(cache_dir))
    for path, nb, result in results:
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(path), data={"execution_seconds": result.time}),
                                    check_validity=False, overwrite=True)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The book built in the session's profile. Every chapter but the last runs before the build, two at a
    time (the build finds them in its cache); the closing page, which reads the other chapters' models
    from the model cache, runs in the build itself."""
    out = tmp_path_factory.mktemp("site")
    execute_two_at_a_time(CHAPTERS[:-1], out / "_build" / ".jupyter_cache")
    jb = Path(sys.executable).parent / "jupyter-book"  # the one installed beside this Python
    cmd = [str(jb if jb.exists() else shutil.which("jupyter-book")), "build", str(ROOT), "--path-output", str(out),
           "--warningiserror", "--nitpick", "--keep-going"]
    run = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    assert run.returncode == 0, f"book build failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    executed = re.findall(r"(\S+\.ipynb): Executing notebook", run.stdout + run.stderr)
    assert [Path(e).stem for e in executed] == [Path(CHAPTERS[-1]).stem], (
        f"the build should execute only the closing page, and found the others in its cache; it executed {executed}")
    return out / "_build" / "html"


def executed_notebook(site: Path, chapter: str):
    """The chapter with the outputs the build rendered, from the build's execution cache (myst-nb's
    jupyter_execute/ copy of a notebook it found in its cache has no outputs)."""
    from jupyter_cache import get_cache

    cache = get_cache(str(site.parent / ".jupyter_cache"))
    uri = str(ROOT / f"{chapter}.ipynb")
    (record,) = [r for r in cache.list_cache_records() if r.uri == uri]
    return cache.get_cache_bundle(record.pk).nb


@pytest.fixture(scope="session")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        yield b
        b.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_launch_buttons_point_at_the_chapter_notebook(site, chapter):
    page = (site / f"{chapter}.html").read_text()
    assert f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{chapter}.ipynb" in page
    assert f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/{chapter}.ipynb" in page
    assert "/./" not in page.split("colab.research.google.com")[1][:200]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_in_a_browser(site, server, browser, chapter, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, requested = [], []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    assert errors == [], f"script errors on {chapter}: {errors}"

    # slider frames are files fetched when they are needed, not all at load (issue 18)
    frames = set(re.findall(r'_images/inline/[0-9a-f]+\.png', (site / f"{chapter}.html").read_text()))
    at_load = {url.split("/_images/")[1] for url in requested if "/_images/inline/" in url}
    assert frames and len(at_load) < len(frames) / 2, \
        f"{len(at_load)} of the {len(frames)} slider frames of {chapter} were fetched before the reader scrolled"

    # every static slider moves: its frame and its label change, and the new frame arrives
    sliders = page.locator(".aecourse-slider")
    assert sliders.count() >= 1
    for i in range(sliders.count()):
        s = sliders.nth(i)
        s.scroll_into_view_if_needed()
        before_src = s.locator("img").get_attribute("src")
        before_label = s.locator("output").inner_text()
        end = s.locator("input").get_attribute("max")
        target = "0" if s.locator("input").input_value() == end else end  # drag to the other end
        s.locator("input").fill(target)
        assert s.locator("img").get_attribute("src") != before_src, "the static slider did not change its frame"
        assert s.locator("output").inner_text() != before_label
        s.locator("img").evaluate("img => img.decode()")  # raises if the frame does not load
        assert s.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")

    # progress bars show their finished state, never a first frame; no widget error text
    text = page.inner_text("body")
    assert "0%|" not in text and "it/s]" not in text, "a progress bar's first frame is on the page"
    assert "Error displaying widget" not in text and "model not found" not in text

    # exercises are there, with their solutions folded away
    assert page.locator(".exercise").count() >= 3
    solutions = page.locator("details.solution, .solution.dropdown")
    assert solutions.count() >= 3

    # the launch buttons in the page header point at this chapter's notebook
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert any(h.startswith("https://colab.research.google.com/") and h.endswith(f"/{chapter}.ipynb") for h in hrefs)
    assert any(h.startswith("https://mybinder.org/") and h.endswith(f"{chapter}.ipynb") for h in hrefs)

    # every figure and static slider the executed chapter produced is on the page, and loaded
    executed = executed_notebook(site, chapter)
    outputs = [out.get("data", {}) for cell in executed["cells"] for out in cell.get("outputs", [])]
    figures = sum("image/png" in data or "aecourse-slider" in "".join(data.get("text/html", "")) for data in outputs)
    assert figures >= 3, f"{chapter} should draw figures"
    shown = page.locator(".cell_output img")
    assert shown.count() == figures, f"{figures} figures were made, {shown.count()} are on the page"
    for i in range(figures):
        figure = shown.nth(i)
        assert figure.get_attribute("loading") == "lazy" and figure.get_attribute("width"), \
            f"figure {i + 1} of {chapter} is not lazy or has no size (book/_ext/lazy_images.py)"
        figure.scroll_into_view_if_needed()
        figure.evaluate("img => img.decode()")  # a lazy picture loads once it is near the view
        assert figure.evaluate("img => img.complete && img.naturalWidth > 0"), f"figure {i + 1} did not load"
    page.evaluate("window.scrollTo(0, 0)")
    shots = Path(os.environ.get("AECOURSE_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / (Path(chapter).name + ".png")), full_page=False)
    assert errors == []
    page.close()


def test_intro_page_loads_without_errors(site, server, browser):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{server}/book/intro.html", wait_until="load")
    assert "Autoencoders, hands-on" in page.title()
    assert page.locator("img[src*='cover']").count() == 1
    # the page names its icon, so a browser does not ask the server for /favicon.ico, which is not there
    icon = page.locator("link[rel='icon']")
    assert icon.count() == 1, "the page names no icon"
    assert page.request.get(icon.evaluate("link => link.href")).status == 200
    assert errors == []
    page.close()


# -- Math renders without a network and without MathJax's script (issues 12, 18) ----------------------
# book/_ext/local_mathjax.py typesets every formula at build time into SVG, each character a reference to
# a glyph the page draws once: the page loads no script and no font for its math. Every request that is
# not to the local server is refused, as for a reader offline.

# For each formula: how many glyph references it has, how many of them point at no glyph of the page, and,
# where it is shown (the page's own table of contents is hidden on a narrow screen), whether it has a size
# and how many references draw nothing (an empty box where a character should be).
GLYPHS = """() => [...document.querySelectorAll('.math mjx-container > svg')].map(svg => {
  const uses = [...svg.querySelectorAll('use')];
  const target = use => document.getElementById(use.getAttribute('xlink:href').slice(1));
  const missing = uses.filter(use => !target(use) || target(use).closest('#MJX-SVG-global-cache') === null);
  const shown = svg.getClientRects().length > 0;
  const drawn = use => { const box = use.getBBox(); return box.width > 0 || box.height > 0; };
  const blank = uses.filter(use => shown && target(use) && target(use).getAttribute('d') && !drawn(use));
  const box = svg.getBoundingClientRect();
  return [uses.length, missing.length, blank.length, shown ? box.width > 0 && box.height > 0 : null];
})"""


@functools.cache
def icon_font(site: Path, name: str) -> set[int]:
    """The characters of one of the site's Font Awesome woff2 files."""
    from fontTools.ttLib import TTFont
    return set(TTFont(site / ICON_FONTS / f"{name}.woff2").getBestCmap())


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_formulas_render_offline(site, server, browser, chapter):
    context = browser.new_context()
    refused, failed = [], []

    def only_local(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    assert page.locator("script[src*='mathjax'], script[src*='MathJax']").count() == 0, \
        f"{chapter} still loads a MathJax script"
    assert "window.MathJax" not in page.content(), f"{chapter} still configures MathJax in the browser"
    formulas = page.locator(".math")  # Sphinx writes each formula, \(...\) or \[...\], into a .math element
    assert formulas.count() >= 1, f"{chapter} has no formulas"
    raw = page.locator(".math:not(:has(mjx-container))")
    assert raw.count() == 0, f"{raw.count()} of {formulas.count()} formulas on {chapter} are raw TeX, e.g. " \
        f"{raw.first.inner_text()[:80]!r}"
    errors = page.locator(".math [data-mml-node='merror']")
    assert errors.count() == 0, f"TeX errors on {chapter}: {errors.all_inner_texts()[:3]}"
    # a screen reader gets each formula as MathML: in the page, and in the browser's accessibility tree
    # (laid out as plain text, not as MathML: local_mathjax), every formula not folded away or hidden
    assert page.locator(".math mjx-container mjx-assistive-mml math").count() == formulas.count()
    shown = page.evaluate("""() => [...document.querySelectorAll('.math mjx-assistive-mml math')]
        .filter(math => math.checkVisibility({visibilityProperty: true})).length""")
    cdp = context.new_cdp_session(page)
    cdp.send("Accessibility.enable")  # without it the tree can come back half built
    tree = cdp.send("Accessibility.getFullAXTree")["nodes"]
    exposed = [node for node in tree if not node.get("ignored") and node.get("role", {}).get("value") == "MathMLMath"]
    assert len(exposed) == shown >= 1, f"{chapter}: {shown} formulas shown, {len(exposed)} given to screen readers"
    # each formula is a drawing of some size, and every character in it is a glyph the page holds and draws
    drawings = page.evaluate(GLYPHS)
    assert len(drawings) == formulas.count(), f"{formulas.count()} formulas on {chapter}, {len(drawings)} drawn"
    assert any(sized is not None for *_, sized in drawings), f"no formula on {chapter} is shown"
    assert all(uses > 0 and sized is not False for uses, _, _, sized in drawings), \
        f"empty formulas on {chapter}: {drawings}"
    assert sum(missing for _, missing, _, _ in drawings) == 0, f"characters without a glyph on {chapter}"
    assert sum(blank for _, _, blank, _ in drawings) == 0, f"glyphs drawn as nothing on {chapter}"
    # and no font is needed for them
    page.evaluate("() => document.fonts.ready")
    fonts = page.evaluate("() => [...document.fonts].filter(f => f.family.startsWith('MJX')).map(f => f.family)")
    assert fonts == [], f"{chapter} declares MathJax fonts: {fonts}"
    assert not refused and not failed, f"{chapter} asked for {refused} (refused) and {failed} (failed)"
    context.close()


# -- Every chapter has a latent-dimension and a noise-factor slider (issue 11) ------------------------
# Chapter authors put `latent_dim` and `noise` into the slider's name; sliders.py writes it into data-name.


@pytest.mark.parametrize("chapter", CHAPTERS)
@pytest.mark.parametrize("kind", ["latent_dim", "noise"])
def test_chapter_has_a_slider_for(site, server, browser, chapter, kind):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    names = page.eval_on_selector_all(".aecourse-slider", "els => els.map(e => e.dataset.name)")
    sliders = page.locator(f".aecourse-slider[data-name*='{kind}']")
    assert sliders.count() >= 1, f"{chapter} has no slider whose name holds {kind!r}; its sliders: {names}"
    for i in range(sliders.count()):
        s = sliders.nth(i)
        s.scroll_into_view_if_needed()
        before = s.locator("img").get_attribute("src")
        end = s.locator("input").get_attribute("max")
        assert int(end) >= 1, f"the {s.get_attribute('data-name')} slider on {chapter} has a single frame"
        s.locator("input").fill("0" if s.locator("input").input_value() == end else end)
        assert s.locator("img").get_attribute("src") != before, \
            f"the {s.get_attribute('data-name')} slider on {chapter} did not change its frame"
    page.close()


# -- A diagram of its model on every chapter page (issue 12) -------------------------------------------
# Each chapter folder keeps a hand-written diagram.svg, shown with a MyST figure directive.


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if not c.endswith("/comparison")])  # one model a chapter
def test_chapter_shows_its_diagram(site, server, browser, chapter):
    assert (ROOT / Path(chapter).parent / "diagram.svg").exists(), f"{chapter}: no diagram.svg in its folder"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    diagram = page.locator("figure img[src*='diagram']")
    assert diagram.count() == 1, f"{chapter} should show its diagram once, in a figure"
    diagram.scroll_into_view_if_needed()
    diagram.evaluate("img => img.decode()")  # it loads lazily, once near the view; raises if it cannot
    assert diagram.evaluate("img => img.complete && img.naturalWidth > 0"), f"the diagram of {chapter} did not load"
    assert diagram.get_attribute("alt"), f"the diagram of {chapter} has no alt text"
    assert page.locator("figure:has(img[src*='diagram']) figcaption").count() == 1, "a diagram needs a caption"
    page.close()


# -- Pages that open fast on a phone (issue 18) ---------------------------------------------------------
# book/_ext/lazy_images.py moves every base64 picture out of the pages into small files.

PAGE_HTML_BYTES = 500_000
PAGE_IMAGE_BYTES = 1_500_000  # every picture a page shows before any slider moves


@pytest.mark.parametrize("chapter", CHAPTERS + ["book/intro"])
def test_page_weight(site, chapter):
    html = site / f"{chapter}.html"
    text = html.read_text()
    assert "data:image" not in text, f"{chapter} still carries base64 pictures"
    assert html.stat().st_size < PAGE_HTML_BYTES, f"{chapter}.html is {html.stat().st_size / 1e3:.0f} KB"
    shown = {src for src in re.findall(r'<img\b[^>]*\ssrc="([^"]+)"', text) if "://" not in src}
    files = {(html.parent / src).resolve() for src in shown}
    missing = [str(f) for f in files if not f.is_file()]
    assert not missing, f"{chapter} points at pictures that are not in the site: {missing[:3]}"
    images = sum(f.stat().st_size for f in files)
    assert images < PAGE_IMAGE_BYTES, f"the pictures {chapter} shows before a slider moves are {images / 1e6:.2f} MB"


def test_bibliography_is_a_list_of_list_items(site):
    """Docutils' deprecated doc-biblioentry role, which a list may not hold, is gone (lean_pages.py)."""
    text = (site / "book" / "references.html").read_text()
    assert "doc-biblioentry" not in text
    entries = re.findall(r'<div class="citation" id="[^"]*" role="([^"]+)">', text)
    assert len(entries) >= 10 and set(entries) == {"listitem"}, f"bibliography entries: {entries[:3]}"


# book/_ext/lean_pages.py drops the theme's unused scripts, defers the others and unwraps the code's plain
# tokens: the page must still work and look the same.


# Every write of the colour mode onto <html>, as [data-mode, data-theme]: the inline script's, then the theme's
WATCH_THEME = """
window.themeWrites = [];
new MutationObserver((records) => {  // <html> is not there yet when this runs: watch the whole document
  if (records.some((r) => r.target === document.documentElement)) {
    const d = document.documentElement.dataset;
    window.themeWrites.push([d.mode, d.theme]);
  }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ["data-theme"]});
"""


@pytest.mark.parametrize("chapter", CHAPTERS + ["book/intro"])
def test_page_works_without_the_theme_scripts_it_never_used(site, server, browser, chapter):
    text = (site / f"{chapter}.html").read_text()
    head = text.split("</head>")[0]
    for unused in ("fontawesome.js", "searchtools.js", "language_data.js", "searchindex.js"):
        assert unused not in text, f"{chapter} still loads {unused}"
    blocking = [src for attrs, src in re.findall(r'<script ([^>]*\bsrc="([^"]+)"[^>]*)>', head)
                if not re.search(r"\b(?:async|defer)\b", attrs) and "documentation_options.js" not in src]
    assert blocking == [], f"scripts that hold up {chapter}'s first paint: {blocking}"
    assert not re.search(r'<span class="(?:n|p|w)">', text), "plain code tokens are still wrapped in spans"

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.add_init_script(WATCH_THEME)
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    page.evaluate("() => document.fonts.ready")
    # the header's icons are drawn by the theme's stylesheet in Font Awesome's font, without its script
    icons = page.locator(".article-header-buttons i[class*='fa-']")
    assert icons.count() >= 3
    for i in range(icons.count()):
        icon = icons.nth(i)
        if not icon.is_visible():
            continue
        glyph = icon.evaluate("i => getComputedStyle(i, '::before').content")
        assert glyph not in ("none", "normal", '""'), f"icon {icon.get_attribute('class')} draws nothing"
        assert icon.bounding_box()["width"] > 8, f"icon {icon.get_attribute('class')} has no width"
    awesome = page.evaluate("() => [...document.fonts].filter(f => f.family.includes('Font Awesome'))"
                            ".map(f => f.status)")
    assert "loaded" in awesome, f"Font Awesome's font did not load on {chapter}: {awesome}"
    # lean_pages cut the icon fonts to the icons the site names: every icon of the page, shown or not (the
    # other colour mode's, the narrow screen's), still finds its character in the font file it is drawn from
    drawn = page.evaluate("""() => [...document.querySelectorAll("[class*='fa-']")].map(i => {
        const style = getComputedStyle(i, '::before');
        return [i.className, style.fontFamily, style.fontWeight, style.content.codePointAt(1)]; })
        .filter(([, family]) => family.includes('Font Awesome'))""")
    assert drawn
    for name, family, weight, character in drawn:
        file = "fa-brands-400" if "Brands" in family else {"900": "fa-solid-900", "400": "fa-regular-400"}[weight]
        assert character in icon_font(site, file), f"{chapter}: the icon {name} has no character in {file}"
    # the deferred scripts ran: a copy button on every code block, the colour mode switches
    code = page.locator("div.highlight pre")
    assert page.locator("div.highlight button.copybtn").count() == code.count() >= 1
    assert code.first.locator("span[class]").count() >= 1, "code is no longer coloured"
    # the colour mode is settled by the inline script in <head>: the theme's script finds nothing to change
    writes = page.evaluate("() => window.themeWrites")
    assert writes and {tuple(w) for w in writes} == {("auto", "light")}, \
        f"the colour mode changed after the first style pass: {writes}"
    before = page.evaluate("() => document.documentElement.dataset.mode")
    page.locator("button.theme-switch-button").first.click()
    assert page.evaluate("() => document.documentElement.dataset.mode") != before, "the colour mode does not switch"
    assert errors == [], f"script errors on {chapter}: {errors}"
    page.close()
    dark = browser.new_page(color_scheme="dark")  # a first visit from a system in dark mode: dark from the start
    dark.add_init_script(WATCH_THEME)
    dark.goto(f"{server}/{chapter}.html", wait_until="load")
    writes = dark.evaluate("() => window.themeWrites")
    assert writes and {tuple(w) for w in writes} == {("auto", "dark")}, f"a dark system's first visit: {writes}"
    dark.close()


# -- What the reader sees: a table a cell shows is a table (issue 17) -----------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_tables_render_as_tables(site, server, browser, chapter):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    outputs = page.locator(".cell_output").all_inner_texts()
    raw = [text for text in outputs if re.search(r"\|\s*:?-{3,}:?\s*\|", text)]
    assert not raw, f"{chapter} shows a Markdown table as text: {raw[0][:160]!r}"
    if chapter.endswith("/comparison"):
        assert page.locator(".cell_output table").count() >= 1, "the closing page's table is not a table"
    page.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_code_or_output_scrolls_sideways(site, server, browser, chapter):
    """At the book's default width, 80 characters of code fit the column and printed lines wrap (aecourse.css)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    wide = page.evaluate("""() => [...document.querySelectorAll('.cell_input pre, .cell_output pre')]
        .filter(pre => pre.scrollWidth > pre.clientWidth + 1)  // folded ones too: a reader opens them
        .map(pre => pre.innerText.split('\\n').reduce((a, b) => (b.length > a.length ? b : a)).slice(0, 90))""")
    assert not wide, f"{len(wide)} code or output blocks on {chapter} scroll sideways, e.g. {wide[:3]}"
    page.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_printed_tables_keep_their_rows_on_a_phone(site, server, browser, chapter):
    """At a phone's width a wrapped printed table breaks each row over several lines: there every printed
    block shows as many lines as it has and scrolls sideways instead (aecourse.css, the narrow rule)."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    broken = page.locator("div.cell_output pre").evaluate_all("""els => els
        .filter(e => e.offsetParent !== null)  // shown without opening anything
        .map(e => {
            const cs = getComputedStyle(e), inner = e.clientHeight - parseFloat(cs.paddingTop)
                - parseFloat(cs.paddingBottom);
            const lines = e.textContent.replace(/\\n$/, '').split('\\n').length;
            return [Math.round(inner / parseFloat(cs.lineHeight)), lines, e.textContent.slice(0, 60)];
        })
        .filter(([shown, lines]) => !(shown <= lines))  // NaN (no line height) fails too
        """)
    assert not broken, f"{len(broken)} printed blocks on {chapter} wrap at phone width, e.g. {broken[:2]}"
    page.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_formula_is_cut_off_on_a_phone(site, server, browser, chapter):
    """A formula is one drawing that cannot break over lines. The theme clips an inline formula at the width of
    its line, so on a phone each one must fit; a display formula wider than the column scrolls in its box."""
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    cut = page.evaluate("""() => [...document.querySelectorAll('.math mjx-container > svg')]
        .filter(svg => svg.getClientRects().length)  // shown without opening anything
        .map(svg => {
            let box = svg.parentElement;  // the nearest box that clips or scrolls what overflows it
            while (getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
            const scrolls = ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
            const over = svg.getBoundingClientRect().right - box.getBoundingClientRect().right;
            return [scrolls, Math.round(over), svg.parentElement.querySelector('math').textContent.slice(0, 60)];
        })
        .filter(([scrolls, over]) => !scrolls && over > 0.5)""")
    assert not cut, f"{len(cut)} formulas on {chapter} are cut off at a phone's width, e.g. {cut[:3]}"
    page.close()


# -- Each claim is linked to its check, and the link leads there (issue 17) ------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_claim_marks_lead_to_their_checks(site, server, browser, chapter):
    """Every ✓ mark on the page links to an anchor on the same page, right before a claim cell; following
    the mark scrolls that check into view."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/{chapter}.html", wait_until="load")
    marks = page.evaluate("""() => [...document.querySelectorAll('a.claim-link')].map(a => {
        const id = a.getAttribute('href').replace(/^#/, '');
        const target = document.getElementById(id);
        let cell = target;
        while (cell && !(cell.classList && cell.classList.contains('cell'))) cell = cell.nextElementSibling;
        return {id, href: a.getAttribute('href'), found: !!target,
                claim: !!cell && cell.classList.contains('tag_claim')};
    })""")
    assert marks, f"{chapter} links no sentence to a check"
    for mark in marks:
        assert mark["href"].startswith("#claim-"), f"{chapter}: a mark leads off the page: {mark['href']}"
        assert mark["found"], f"{chapter}: the mark {mark['href']} has no anchor on the page"
        assert mark["claim"], f"{chapter}: the anchor {mark['id']} is not right before a claim cell"
    first = marks[0]["id"]
    page.locator(f"a.claim-link[href='#{first}']").first.click()
    page.wait_for_timeout(300)
    assert page.evaluate(f"""() => {{ const r = document.getElementById('{first}').getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight; }}"""), f"{chapter}: following {first} does not reach it"
    page.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_printed_lines_fit_the_column(site, chapter):
    """What a cell prints (stdout, and warnings on stderr) fits 80 characters a line, as the code does: on a
    phone a longer line wraps mid-number. A warning's first line, the file and line the kernel chose and the
    warning's name, is not counted; the package starts its messages on the next line."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((site / f"{chapter}.html").read_text(), "html.parser")
    printed = [line for block in soup.select(".cell_output .output.stream pre, .cell_output .output.text_plain pre,"
                                             " .cell_output .output.stderr pre")
               for line in block.get_text().split("\n") if not re.fullmatch(r"\S+:\d+: \w+Warning: ?", line)]
    assert printed, f"{chapter}: no printed output found (has the page's markup changed?)"
    long = [line for line in printed if len(line) > 80]
    assert not long, f"{chapter} prints {len(long)} lines over 80 characters, e.g. {long[:3]}"
