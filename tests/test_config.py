"""Checks of the book's configuration: the repository URL, the table of contents, launch set-up, workflows."""

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"].rstrip("/")
OWNER_REPO = REPO_URL.removeprefix("https://github.com/")
NOTEBOOKS = sorted((ROOT / "book").glob("*/*.ipynb"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for entry in toc.get("chapters", []):
        files.append(entry["file"])
    return files


def first_code_cell(nb_path):
    nb = json.loads(nb_path.read_text())
    return next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_repository_url_is_a_github_repository_and_branch_is_set():
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", REPO_URL)
    assert CONFIG["repository"]["branch"] == "main"
    assert CONFIG["repository"].get("path_to_book", "") not in (".", "./")  # "." puts /./ into Colab URLs


def test_every_toc_entry_exists_and_every_notebook_is_in_the_toc():
    entries = toc_files()
    for entry in entries:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".md", ".ipynb")), entry
    for nb in NOTEBOOKS:
        assert str(nb.relative_to(ROOT).with_suffix("")) in entries, f"{nb} is not in _toc.yml"


def test_every_notebook_installs_the_package_from_the_configured_repository_on_colab_only():
    assert NOTEBOOKS
    for nb in NOTEBOOKS:
        cell = first_code_cell(nb)
        assert 'if "google.colab" in sys.modules' in cell, nb
        urls = re.findall(r"git\+(https://[^\"@\s]+)", cell)
        assert urls == [REPO_URL], f"{nb}: Colab installs from {urls}, _config.yml says {REPO_URL}"
        assert "setup()" in cell, f"{nb}: the first cell should call setup() (prints profile and device)"


def test_readme_badges_and_package_urls_follow_the_configured_repository():
    readme = (ROOT / "README.md").read_text()
    launch = r"https://(?:mybinder\.org/v2/gh|colab\.research\.google\.com/github)/([\w.-]+/[\w.-]+)/"
    for url in re.findall(launch, readme):
        assert url == OWNER_REPO, f"README links to {url}, _config.yml says {OWNER_REPO}"
    assert f"mybinder.org/v2/gh/{OWNER_REPO}/" in readme and f"colab.research.google.com/github/{OWNER_REPO}/" in readme
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["urls"]["Repository"] == REPO_URL
    for intro_url in re.findall(r"git clone (\S+)", (ROOT / "book" / "intro.md").read_text()):
        assert intro_url == REPO_URL


def test_launch_buttons_and_execution_settings():
    launch = CONFIG["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    execute = CONFIG["execute"]
    assert execute["raise_on_error"] is True and execute["execute_notebooks"] == "cache"
    assert execute["timeout"] >= 600
    assert "sphinx_exercise" in CONFIG["sphinx"]["extra_extensions"]


def test_requirements_pin_jupyter_book_1_and_binder_installs_the_package():
    reqs = (ROOT / "requirements.txt").read_text()
    assert re.search(r"jupyter-book>=1\.0\.4,<2", reqs)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert any(str(d).startswith("pytorch") for d in deps) and any(str(d).startswith("torchvision") for d in deps)
    post = (ROOT / "postBuild").read_text()
    assert "pip install" in post and "-e ." in post


def test_workflows_parse_and_have_the_jobs_we_rely_on():
    book = yaml.safe_load((ROOT / ".github/workflows/book.yml").read_text())
    tests = yaml.safe_load((ROOT / ".github/workflows/tests.yml").read_text())
    on_book, on_tests = book.get("on", book.get(True)), tests.get("on", tests.get(True))  # YAML reads `on` as True
    assert "push" in on_book and {"push", "pull_request"} <= set(on_tests)
    assert {"build", "deploy"} <= set(book["jobs"])
    build_steps = " ".join(str(s) for s in book["jobs"]["build"]["steps"])
    assert "jupyter-book build" in build_steps and "actions/cache" in build_steps
    assert "upload-pages-artifact" in build_steps
    assert "deploy-pages" in str(book["jobs"]["deploy"]["steps"])
    caches = [s["with"] for s in book["jobs"]["build"]["steps"] if "actions/cache" in s.get("uses", "")]
    executed = [c for c in caches if ".jupyter_cache" in c["path"]]
    assert executed and all("restore-keys" not in c for c in executed), \
        "executed notebooks from another version of the code would be published as they are"
    assert all("src/**/*.py" in c["key"] for c in executed)
    test_steps = " ".join(str(s) for s in tests["jobs"]["test"]["steps"])
    assert "make test" in test_steps


TAUGHT = [  # (chapter notebook, package object it writes out in full)
    ("book/01-autoencoder/autoencoder.ipynb", "aecourse.models.Autoencoder"),
    ("book/01-autoencoder/autoencoder.ipynb", "aecourse.losses.bce_loss"),
    ("book/01-autoencoder/autoencoder.ipynb", "aecourse.losses.mse_loss"),
    ("book/02-stacked-autoencoder/stacked_autoencoder.ipynb", "aecourse.models.Layer"),
    ("book/02-stacked-autoencoder/stacked_autoencoder.ipynb", "aecourse.models.new_layers"),
    ("book/02-stacked-autoencoder/stacked_autoencoder.ipynb", "aecourse.pretraining.pretrain_layers"),
    ("book/02-stacked-autoencoder/stacked_autoencoder.ipynb", "aecourse.models.StackedAutoencoder"),
    ("book/03-denoising-autoencoder/denoising_autoencoder.ipynb", "aecourse.models.DenoisingAutoencoder"),
    ("book/03-denoising-autoencoder/denoising_autoencoder.ipynb", "aecourse.noise.gaussian_noise"),
    ("book/03-denoising-autoencoder/denoising_autoencoder.ipynb", "aecourse.noise.masking_noise"),
    ("book/03-denoising-autoencoder/denoising_autoencoder.ipynb", "aecourse.noise.salt_and_pepper_noise"),
    ("book/03-denoising-autoencoder/denoising_autoencoder.ipynb", "aecourse.noise.corrupt"),
    ("book/03-denoising-autoencoder/denoising_autoencoder.ipynb", "aecourse.losses.dae_loss"),
    ("book/04-stacked-denoising-autoencoder/stacked_denoising_autoencoder.ipynb", "aecourse.losses.ce_loss"),
    ("book/05-variational-autoencoder/variational_autoencoder.ipynb", "aecourse.models.VAE"),
    ("book/05-variational-autoencoder/variational_autoencoder.ipynb", "aecourse.losses.kl_to_prior"),
    ("book/05-variational-autoencoder/variational_autoencoder.ipynb", "aecourse.losses.elbo_terms"),
    ("book/05-variational-autoencoder/variational_autoencoder.ipynb", "aecourse.losses.vae_loss"),
    ("book/05-variational-autoencoder/variational_autoencoder.ipynb", "aecourse.losses.iw_log_likelihood"),
    ("book/06-convolutional-autoencoder/convolutional_autoencoder.ipynb", "aecourse.models.ConvAutoencoder"),
    ("book/07-sparse-autoencoder/sparse_autoencoder.ipynb", "aecourse.models.TopK"),
    ("book/07-sparse-autoencoder/sparse_autoencoder.ipynb", "aecourse.models.SparseAutoencoder"),
    ("book/07-sparse-autoencoder/sparse_autoencoder.ipynb", "aecourse.models.centred_start"),
    ("book/08-anomaly-detection/anomaly_detection.ipynb", "aecourse.metrics.auroc"),
]


@pytest.mark.parametrize("notebook, qualname", TAUGHT)
def test_chapters_teach_the_same_code_the_package_exports(notebook, qualname):
    """What a chapter writes out is what later chapters import: the two must not drift apart."""
    module, name = qualname.rsplit(".", 1)
    obj = getattr(importlib.import_module(module), name)
    head = f"{'class' if inspect.isclass(obj) else 'def'} {name}("
    nb = json.loads((ROOT / notebook).read_text())
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code" and head in "".join(c["source"])]
    assert cells, f"{notebook} should write out {name}"
    taught = cells[0][cells[0].index(head):].split("\n\n\n")[0].strip()
    packaged = inspect.getsource(obj)
    packaged = packaged[packaged.index(head):].strip()  # from `def`: a decorator above it is in both or neither
    assert taught == packaged, f"{notebook} and {qualname} differ"


def test_notebooks_are_stored_without_outputs():
    for nb in NOTEBOOKS:
        cells = json.loads(nb.read_text())["cells"]
        assert not any(c.get("outputs") for c in cells if c["cell_type"] == "code"), f"{nb}: clear the outputs"
