"""The checkpoint cache: one call trains or loads, keyed by everything the training received."""

import functools
import inspect
import itertools
import linecache
import textwrap

import pytest
import torch
import torch.nn.functional as F

from aecourse import bce_loss, fit, mse_loss, train_or_load
from aecourse import checkpoints as ckpt
from aecourse.checkpoints import checkpoint_dir, checkpoint_path, save_checkpoint
from aecourse.fingerprint import training_key
from aecourse.models import Autoencoder

DEVICES = ["cpu"] + ["cuda"] * torch.cuda.is_available()
X = (torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(1)) * 255).to(torch.uint8)
BASE = {"epochs": 1, "batch_size": 16, "lr": 1e-3, "seed": 0}


_CELLS = itertools.count()


def notebook(source: str, **names) -> dict:
    """Run `source` as a notebook cell would: compiled on its own (its imports come from other cells, here
    `names`), its source kept where `inspect` finds it (as IPython does), its functions and classes in __main__."""
    source = textwrap.dedent(source)
    path = f"<notebook cell {next(_CELLS)}>"
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    namespace = {"__name__": "__main__", "F": F, "torch": torch, "Autoencoder": Autoencoder, **names}
    exec(compile(source, path, "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture
def trainings(tmp_path, monkeypatch):
    """Calls `train_or_load` in an empty cache and counts the times it really trained."""
    monkeypatch.setenv("AECOURSE_CHECKPOINTS", str(tmp_path))
    count = []

    def counting_fit(*args, **kwargs):
        count.append(1)
        return fit(*args, **kwargs)

    monkeypatch.setattr(ckpt, "fit", counting_fit)

    def run(model=None, loss=bce_loss, tensors=(X,), **changes):
        """`model`: a function that builds the untrained model (a fresh one each call)."""
        before = len(count)
        train_or_load((model or _model)(), loss, *tensors, **{**BASE, **changes}, progress=False, verbose=False)
        return len(count) > before  # True: it trained, False: it loaded

    return run


def _model(seed=0, latent_dim=2, cls=Autoencoder):
    torch.manual_seed(seed)
    return cls(latent_dim)


EDITED_LOSS = notebook("def loss(model, x):\n    return F.binary_cross_entropy(model(x), x)\n")["loss"]
EDITED_LOSS_2 = notebook("def loss(model, x):\n    return F.binary_cross_entropy(model(x), x) * 2\n")["loss"]
HELPER = ("def noisy(x):\n    return (x + {}).clamp(0, 1)\n\n"
          "def loss(model, x):\n    return F.mse_loss(model(noisy(x)), x)\n")
GLOBAL = "LEVEL = {}\n\ndef loss(model, x):\n    return F.mse_loss(model(x * LEVEL), x)\n"
TABLE = ("def scaled(x):\n    return x * {}\n\nBY_NAME = {{'scaled': scaled}}\n\n"
         "def loss(model, x):\n    return F.mse_loss(model(BY_NAME['scaled'](x)), x)\n")
CLASS = "class Net(Autoencoder):\n    def forward(self, x):\n        return self.decoder(self.encoder(x)){}\n"


SETTING = ("class Dim(torch.nn.Module):\n    def __init__(self, scale):\n        super().__init__()\n"
           "        self.scale = scale\n\n    def forward(self, x):\n        return x * self.scale\n")
_Dim = notebook(SETTING)["Dim"]


def _with_setting(scale):
    """Autoencoder(2) whose output a parameterless module of ours scales: its printout does not show the scale."""
    return torch.nn.Sequential(_model(), _Dim(scale))


CLOSURE = "def closing_over(level):\n    return lambda model, x: F.mse_loss(model((x + level).clamp(0, 1)), x)\n"
_closing_over = notebook(CLOSURE)["closing_over"]


def _noisy_loss(model, x, level):
    return F.mse_loss(model((x + level).clamp(0, 1)), x)


# (what changes, the base call's arguments, the changed call's arguments)
CHANGES = {
    "architecture": ({}, {"model": functools.partial(_model, latent_dim=3)}),
    "starting weights": ({}, {"model": functools.partial(_model, seed=1)}),
    "model code": ({"model": functools.partial(_model, cls=notebook(CLASS.format(""))["Net"])},
                   {"model": functools.partial(_model, cls=notebook(CLASS.format(" * 1.0"))["Net"])}),
    "a setting of a module without parameters": ({"model": functools.partial(_with_setting, 1.0)},
                                                 {"model": functools.partial(_with_setting, 0.5)}),
    "loss": ({}, {"loss": mse_loss}),
    "loss code": ({"loss": EDITED_LOSS}, {"loss": EDITED_LOSS_2}),
    "value the loss closes over": ({"loss": _closing_over(0.1)}, {"loss": _closing_over(0.2)}),
    "argument bound to the loss": ({"loss": functools.partial(_noisy_loss, level=0.1)},
                                   {"loss": functools.partial(_noisy_loss, level=0.2)}),
    "helper the loss calls": ({"loss": notebook(HELPER.format(0.1))["loss"]},
                              {"loss": notebook(HELPER.format(0.2))["loss"]}),
    "global value the loss reads": ({"loss": notebook(GLOBAL.format(0.5))["loss"]},
                                    {"loss": notebook(GLOBAL.format(0.6))["loss"]}),
    "function in a table the loss reads": ({"loss": notebook(TABLE.format(0.5))["loss"]},
                                           {"loss": notebook(TABLE.format(0.6))["loss"]}),
    "data": ({}, {"tensors": (torch.cat([X[:-1], 255 - X[-1:]]),)}),
    "second data tensor": ({"loss": lambda m, x, y: bce_loss(m, x), "tensors": (X, torch.zeros(64))},
                           {"loss": lambda m, x, y: bce_loss(m, x), "tensors": (X, torch.ones(64))}),
    "epochs": ({}, {"epochs": 2}),
    "batch_size": ({}, {"batch_size": 32}),
    "lr": ({}, {"lr": 2e-3}),
    "seed": ({}, {"seed": 1}),
}


@pytest.mark.parametrize("what", CHANGES)
def test_changing_what_training_received_retrains_and_repeating_it_loads(what, trainings):
    base, changed = CHANGES[what]
    assert trainings(**base)  # an empty cache: trains
    assert not trainings(**base)  # the same training again: loads
    assert trainings(**changed), f"a change of {what} should retrain"
    assert not trainings(**changed)


def test_what_only_changes_the_display_does_not_retrain(trainings, tmp_path):
    assert trainings()
    torch.manual_seed(0)
    model = Autoencoder(2)
    train_or_load(model, bce_loss, X, **BASE, desc="another name", progress=True, verbose=True)
    assert not trainings()  # a new instance with the same starting weights loads
    assert len(list(tmp_path.glob("*.pt"))) == 1


def test_every_setting_of_the_training_is_in_the_key_test():
    """A new argument of fit or train_or_load must be added to CHANGES (and so to the key) or declared display-only."""
    display = {"desc", "progress", "verbose"}
    data = {"model", "loss_fn", "tensors"}
    settings = set(inspect.signature(train_or_load).parameters) - display - data
    assert settings == {k for k in CHANGES if k in BASE}, "every setting of train_or_load is varied by a test"
    passed_on = set(inspect.signature(fit).parameters) - display - data - {"optimizer"}
    assert passed_on <= settings, f"fit takes {passed_on - settings}, which train_or_load does not pass or key"


def test_a_notebooks_copy_of_the_package_code_has_the_packages_key():
    """A chapter writes out a model and a loss that later pages import from the package: both must find one
    checkpoint. Python 3.11 compiles `F.binary_cross_entropy(...)` to other bytecode when F is imported in
    another cell, and a method calling super() holds its class (named with its module): neither may count."""
    copies = notebook(inspect.getsource(Autoencoder) + "\n\n" + inspect.getsource(bce_loss), nn=torch.nn)
    assert copies["Autoencoder"].__module__ == "__main__"
    assert copies["bce_loss"].__code__.co_code != bce_loss.__code__.co_code  # the bytecode differs ...

    def key(cls, loss):
        torch.manual_seed(0)
        return training_key(cls(2), loss, (X,), fit, **BASE)

    assert key(copies["Autoencoder"], copies["bce_loss"]) == key(Autoencoder, bce_loss)  # ... the key does not
    with_global = notebook(inspect.getsource(Autoencoder), nn=torch.nn, latent_dim=2)  # a global of that name
    assert key(with_global["Autoencoder"], bce_loss) == key(Autoencoder, bce_loss), "self.latent_dim reads no global"
    commented = notebook(inspect.getsource(bce_loss).replace("):\n", "):  # a comment\n", 1))["bce_loss"]
    assert key(Autoencoder, commented) == key(Autoencoder, bce_loss), "a comment is not a change of code"


def test_the_training_code_is_in_the_key(monkeypatch):
    torch.manual_seed(0)
    model = Autoencoder(2)
    key = training_key(model, bce_loss, (X,), fit, **BASE)
    assert key == training_key(model, bce_loss, (X,), fit, **BASE)
    monkeypatch.setattr("aecourse.train.adam", lambda model, lr: torch.optim.SGD(model.parameters(), lr))
    assert key != training_key(model, bce_loss, (X,), fit, **BASE), "fit calls adam: changing it changes the key"


def test_loading_and_training_leave_the_callers_random_numbers_alike(trainings):
    torch.manual_seed(5)
    trainings()
    after_training = torch.rand(3)
    torch.manual_seed(5)
    trainings()
    after_loading = torch.rand(3)
    assert torch.equal(after_training, after_loading)


@pytest.mark.parametrize("device", DEVICES)
def test_checkpoint_is_saved_on_the_cpu_and_loaded_onto_the_models_device(device, tmp_path, monkeypatch):
    monkeypatch.setenv("AECOURSE_CHECKPOINTS", str(tmp_path))
    trained = train_or_load(_model().to(device), bce_loss, X.to(device), **BASE, progress=False, verbose=False)
    (path,) = tmp_path.iterdir()  # no temporary file left behind
    saved = torch.load(path, weights_only=True)
    assert all(t.device.type == "cpu" for t in saved["state_dict"].values())
    assert saved["history"] == trained.history and len(trained.history) == BASE["epochs"]
    assert saved["seconds"] == trained.seconds > 0, "the training time is kept with the weights"
    loaded = train_or_load(_model().to(device), bce_loss, X.to(device), **BASE, progress=False, verbose=False)
    assert loaded.history == trained.history and not loaded.training
    assert loaded.seconds == trained.seconds, "a loaded model reports the time its training took"
    for p, q in zip(loaded.parameters(), trained.parameters(), strict=True):
        assert p.device.type == torch.device(device).type and torch.equal(p, q)
    assert checkpoint_dir() == tmp_path


def _key_and_path():
    model = _model()
    key = training_key(model, bce_loss, (X,), ckpt.fit, **BASE)  # ckpt.fit: the counting fit of `trainings`
    return model, key, checkpoint_path(key)


def test_corrupt_checkpoint_is_retrained_and_replaced(trainings, tmp_path):
    assert trainings()
    (path,) = tmp_path.iterdir()
    path.write_bytes(path.read_bytes()[:1000])  # a half-written file
    with pytest.warns(UserWarning, match="unreadable"):
        assert trainings()
    assert not trainings()  # and the new file is good


def test_checkpoint_with_another_key_under_the_name_is_retrained(trainings, tmp_path):
    model, key, path = _key_and_path()
    save_checkpoint(path, model, [1.0], key + "something else")
    with pytest.warns(UserWarning, match="another model or configuration"):
        assert trainings()


def test_checkpoint_with_wrong_shapes_is_retrained(trainings, tmp_path):
    model, key, path = _key_and_path()
    save_checkpoint(path, Autoencoder(3), [1.0], key)  # right key, wrong weights
    with pytest.warns(UserWarning, match="does not fit"):
        assert trainings()


def test_checkpoint_load_refuses_pickled_code(trainings, tmp_path):
    model, key, path = _key_and_path()
    tmp_path.mkdir(exist_ok=True)
    torch.save({"key": key, "obj": tmp_path}, path)  # not loadable with weights_only=True
    with pytest.warns(UserWarning, match="unreadable"):
        assert trainings()
