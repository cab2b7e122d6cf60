"""JupyterLab as `make install` sets it up (issue 13).

* The README's run-locally command starts JupyterLab from the virtual environment.
* A notebook saved in JupyterLab keeps each slider's static face (the ``aecourse_jupyter``
  server extension drops the widget view, whose model dies with the kernel).
* In a real JupyterLab driven by Playwright in Debian's chromium: a live slider redraws its
  frame when moved; after a kernel restart, a save and a shutdown, the reopened notebook shows
  a picture where the slider was and the progress bar's last state, never
  "Error displaying widget: model not found".
"""

import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from aecourse import slider
from aecourse_jupyter import STATIC_SLIDER, WIDGET_VIEW, keep_static_sliders

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the virtual environment `make install` made (.venv, or $VENV in CI)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def _frame(latent_dim):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.bar(range(latent_dim), range(1, latent_dim + 1))
    return fig


def readme_run_locally() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"\*\*Run locally\*\*: `make install`, then `([^`]+)`", readme)
    assert found, "README.md should say how to run locally: **Run locally**: `make install`, then `<command>`"
    return shlex.split(found.group(1))


def test_readme_run_locally_command_starts_jupyterlab():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^install:", makefile, re.M), "the README's `make install` needs an install target"
    assert re.search(r"^VENV \?= \.venv$", makefile, re.M), "make install should create .venv, as the README says"
    command = readme_run_locally()
    assert command[0].startswith(".venv/bin/"), command
    assert (ROOT / command[-1]).is_dir(), f"the README opens {command[-1]}, which is not a folder"
    exe = BIN / Path(command[0]).name  # the same program in the environment running these tests
    run = subprocess.run([str(exe), *command[1:], "--version"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"`{' '.join(command)} --version` failed:\n{run.stdout}\n{run.stderr}"
    assert re.fullmatch(r"4\.\d+\.\d+\S*", run.stdout.strip()), f"JupyterLab 4 expected, got {run.stdout!r}"


def test_make_install_enables_the_server_extension():
    run = subprocess.run([str(BIN / "jupyter"), "server", "extension", "list"], capture_output=True, text=True,
                         timeout=120)
    listing = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout + run.stderr)
    assert re.search(r"aecourse_jupyter\s+enabled", listing) and re.search(r"aecourse_jupyter\s.*OK", listing), \
        f"the aecourse_jupyter server extension is not enabled here: run `make install`\n{listing}"


def test_saving_a_notebook_keeps_the_static_face_of_sliders_only():
    bundle = slider(_frame, [1, 2], "latent_dim")._repr_mimebundle_()
    assert WIDGET_VIEW in bundle and STATIC_SLIDER in bundle["text/html"]
    other_widget = {WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0}, "text/plain": "IntSlider"}
    html_as_lines = dict(bundle, **{"text/html": bundle["text/html"].splitlines(keepends=True)})  # as .ipynb stores it
    outputs = [{"output_type": "display_data", "data": dict(d), "metadata": {}}
               for d in (bundle, other_widget, html_as_lines)]
    model = {"type": "notebook", "content": {"cells": [{"cell_type": "code", "outputs": outputs}]}}
    keep_static_sliders(model=model, path="x.ipynb", contents_manager=None)
    slider_out, other_out, lines_out = (o["data"] for o in model["content"]["cells"][0]["outputs"])
    assert WIDGET_VIEW not in slider_out and slider_out["text/html"] == bundle["text/html"]
    assert WIDGET_VIEW not in lines_out
    assert other_out == other_widget, "a widget that has no static face is left as it is"
    keep_static_sliders(model={"type": "file", "content": "text"}, path="x.txt", contents_manager=None)  # no error


# -- a real JupyterLab ------------------------------------------------------------------------------

NOTEBOOK_CELLS = [
    "import matplotlib.pyplot as plt\n"
    "from aecourse import progress, slider\n\n\n"
    "def frame(latent_dim):\n"
    "    fig, ax = plt.subplots(figsize=(3, 2))\n"
    "    ax.bar(range(latent_dim), range(1, latent_dim + 1))\n"
    "    ax.set_title(f'latent_dim = {latent_dim}')\n"
    "    return fig\n\n\n"
    "slider(frame, [2, 4, 8, 16], 'latent_dim')",
    "for epoch in progress(range(3), 'training'):\n    pass",
]
WIDGET_ERRORS = ("Error displaying widget", "model not found")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server from this environment, on a free local port, with its own user folders."""
    base = tmp_path_factory.mktemp("lab")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_DATA_DIR=str(base / "data"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"))
    log = open(base / "lab.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}", "--allow-root",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"JupyterLab did not start:\n{(base / 'lab.log').read_text()[-3000:]}"
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not answer within 60 s"
                time.sleep(0.2)
        yield {"url": url, "token": token, "root": notebooks, "log": base / "lab.log"}
    finally:
        server.terminate()  # the server shuts its kernels down on the way out
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def in_chromium(drive, *args):
    """Run `drive(browser, *args)` with Debian's chromium, in a thread of its own: Playwright's sync API
    allows one instance a thread, and the site tests keep theirs open for the whole session."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    def run_it():
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                drive(browser, *args)
            finally:
                browser.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run_it).result()  # re-raises what failed in there


def open_notebook(chromium, lab, name):
    """Open `name` in JupyterLab (a fresh page, its own workspace), once its kernel is ready."""
    page = chromium.new_page(viewport={"width": 1200, "height": 1000})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(lab["url"]) else route.abort())
    page.goto(f"{lab['url']}/lab/tree/{name}?reset&token={lab['token']}")
    page.wait_for_function("() => window.jupyterapp?.shell?.currentWidget?.sessionContext", timeout=60_000)
    page.evaluate("""async () => {
        const panel = jupyterapp.shell.currentWidget;
        await panel.context.ready;
        await panel.sessionContext.ready;
    }""")
    return page


def run(page, command):
    page.evaluate(f"() => jupyterapp.commands.execute({json.dumps(command)})")


def frame_changes(page, image, move):
    """Move a slider with `move()` and wait (10 s at most) until `image` shows another picture."""
    before = image.screenshot()
    move()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if image.screenshot() != before:
            return True
    return False


@pytest.mark.slow
def test_sliders_live_in_jupyterlab_and_a_picture_after_the_kernel_stopped(lab, tmp_path):
    shots = Path(os.environ.get("AECOURSE_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    in_chromium(drive_jupyterlab, lab, shots)


def drive_jupyterlab(chromium, lab, shots):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    path = lab["root"] / "sliders.ipynb"
    nbformat.write(nb, path)

    # live: run the notebook; the slider is an ipywidget that redraws its frame when moved
    page = open_notebook(chromium, lab, path.name)
    run(page, "notebook:run-all-cells")
    page.get_by_text("training: 3/3").wait_for(timeout=60_000)
    live = page.locator(".jp-OutputArea-output .widget-image").first
    live.wait_for(timeout=30_000)
    handle = page.locator(".jp-OutputArea-output .noUi-handle").first

    def press_right():
        handle.focus()
        page.keyboard.press("ArrowRight")

    assert frame_changes(page, live, press_right), "moving the live slider did not change its frame"
    page.screenshot(path=str(shots / "jupyterlab-live.png"))

    # save, restart the kernel, save again (the widget's model is gone now), shut the kernel down
    run(page, "docmanager:save")
    page.evaluate("() => jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
    page.evaluate("async () => { await jupyterapp.commands.execute('docmanager:save'); }")
    saved = [o.get("data", {}) for c in json.loads(path.read_text())["cells"] for o in c.get("outputs", [])]
    slider_outputs = [d for d in saved if STATIC_SLIDER in "".join(d.get("text/html", ""))]
    assert len(slider_outputs) == 1, f"the saved notebook should hold the slider's static face: {saved}"
    hint = "" if WIDGET_VIEW not in slider_outputs[0] else \
        f"\nthe widget view was saved: is the aecourse_jupyter server extension enabled (make install)? {lab['log']}"
    page.evaluate("() => jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    page.close()

    # reopened (a new kernel starts): a picture where the slider was, the bar's last state, no widget error
    page = open_notebook(chromium, lab, path.name)
    static = page.locator(".jp-OutputArea-output .aecourse-slider")
    shown = page.locator(
        ".jp-OutputArea-output .aecourse-slider img, .jp-OutputArea-output:has-text('Error displaying')"
    )
    shown.first.wait_for(timeout=30_000)  # the slider's output, whatever it shows
    page.get_by_text("training: 3/3").wait_for(timeout=10_000)
    page.wait_for_timeout(2500)  # a widget view would give up looking for its model after 2 s
    text = page.locator(".jp-Notebook").inner_text()
    assert not [e for e in WIDGET_ERRORS if e in text], f"widget error in the reopened notebook:\n{text}{hint}"
    image = static.locator("img")
    assert image.is_visible() and image.evaluate("img => img.complete && img.naturalWidth > 100")
    page.screenshot(path=str(shots / "jupyterlab-reopened.png"))
    # the static slider still moves through its frames (its script runs in the trusted notebook)
    assert frame_changes(page, image, lambda: static.locator("input").fill("3")), "the static slider did not move"
    page.screenshot(path=str(shots / "jupyterlab-reopened-moved.png"))
    page.close()
    assert not hint, hint
