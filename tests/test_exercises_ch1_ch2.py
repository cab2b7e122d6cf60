"""Chapters 1 and 2: each self-check tells right from wrong and catches the shortcut its exercise forbids."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from aecourse import PCA, as_float, bce_loss, mse, train_or_load
from aecourse.exercises.chapter1 import check_bce, check_linear_autoencoder, check_n_params, check_noise_prediction
from aecourse.exercises.chapter2 import check_probe_prediction, check_short_budget, check_stack_encoder
from aecourse.models import Autoencoder, StackedAutoencoder
from aecourse.pretraining import pretrain_layers

SIZES = lambda d: [(784, 256), (256, 64), (64, d), (d, 64), (64, 256), (256, 784)]  # noqa: E731


# chapter 1: the parameter count is a formula ---------------------------------------------------
def test_n_params_formula_passes_and_the_shortcuts_through_a_model_fail(capsys):
    assert check_n_params(lambda d: sum(m * n + n for m, n in SIZES(d)))
    built = Autoencoder(7)  # a model made before the check runs: counting it is the shortcut too
    shortcuts = [
        lambda d: sum(p.numel() for p in Autoencoder(d).parameters()),  # builds the model
        lambda d: sum(p.numel() for p in built.parameters()) + 129 * (d - 7),  # counts a built one
        lambda d: sum(p.numel() for _, p in built.named_parameters()) + 129 * (d - 7),
        lambda d: sum(t.numel() for t in built.state_dict().values()) + 129 * (d - 7),
    ]
    for shortcut in shortcuts:
        assert shortcut(7) == sum(m * n + n for m, n in SIZES(7))  # the right number, the wrong way
        assert not check_n_params(shortcut)
        assert "formula" in capsys.readouterr().out
    # the patches are gone afterwards: models build and count as usual
    assert sum(p.numel() for p in Autoencoder(2).parameters()) == sum(m * n + n for m, n in SIZES(2))


# chapter 1: binary cross-entropy by hand ----------------------------------------------------------
def _bce_by_hand(x_hat, x, eps=1e-7):
    x_hat = x_hat.clamp(eps, 1 - eps)
    return -(x * x_hat.log() + (1 - x) * (1 - x_hat).log()).mean()


@pytest.mark.parametrize("shortcut", [
    lambda x_hat, x: F.binary_cross_entropy(x_hat, x),
    lambda x_hat, x: nn.BCELoss()(x_hat, x),
    lambda x_hat, x: torch.nn.functional.binary_cross_entropy(x_hat.clamp(1e-7, 1 - 1e-7), x, reduction="mean"),
], ids=["F.binary_cross_entropy", "nn.BCELoss", "torch.nn.functional"])
def test_bce_by_hand_passes_and_pytorchs_bce_inside_fails(shortcut, capsys):
    assert check_bce(_bce_by_hand)
    assert not check_bce(shortcut)
    assert "tensor operations" in " ".join(capsys.readouterr().out.split())  # the verdict wraps at 80
    assert F.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([1.0])).item() == pytest.approx(0.6931, abs=1e-4)


# chapter 1: the linear autoencoder against PCA -----------------------------------------------------
class LinearAE(nn.Module):
    def __init__(self, act=None):
        super().__init__()
        self.act = act
        self.encoder = nn.Sequential(nn.Flatten(), *[nn.Linear(m, n) for m, n in SIZES(8)[:3]])
        self.decoder = nn.Sequential(*[nn.Linear(m, n) for m, n in SIZES(8)[3:]], nn.Unflatten(1, (1, 28, 28)))

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(self.act(z) if self.act else z)


def _pca_as_linear_ae(pca: PCA) -> LinearAE:
    """The six layers set by hand to PCA's projection: the best a trained linear autoencoder can reach."""
    model = LinearAE()
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for lin in layers:
            lin.weight.zero_()
            lin.bias.zero_()
        c, mean = pca.components, pca.mean  # (8, 784), (784,)
        layers[0].weight[:8] = c
        layers[0].bias[:8] = -c @ mean
        for lin in layers[1:5]:
            lin.weight[:8, :8] = torch.eye(8)
        layers[5].weight[:, :8] = c.T
        layers[5].bias[:] = mean
    return model


@pytest.fixture(scope="module")
def low_rank_images():
    g = torch.Generator().manual_seed(0)
    basis = torch.rand(10, 784, generator=g)
    x = (torch.rand(200, 10, generator=g) @ basis / 5).clamp(0, 1)
    return x.reshape(-1, 1, 28, 28)


def test_linear_autoencoder_at_pca_passes_and_shortcuts_fail(low_rank_images, capsys):
    x = low_rank_images
    pca = PCA(8).fit(x)
    pca_mse = mse(pca(x), as_float(x))
    assert check_linear_autoencoder(_pca_as_linear_ae(pca), x, pca_mse)
    assert "PCA" in capsys.readouterr().out
    assert not check_linear_autoencoder(None, x, pca_mse)
    assert not check_linear_autoencoder(pca, x, pca_mse)  # PCA itself is not the trained network
    assert not check_linear_autoencoder(Autoencoder(8), x, pca_mse)  # still has its ReLUs and sigmoid
    assert "ReLU" in capsys.readouterr().out
    relu_inside = _pca_as_linear_ae(pca)
    relu_inside.act = torch.relu  # a nonlinearity in forward, not a module
    assert not check_linear_autoencoder(relu_inside, x, pca_mse)
    assert "not a linear function" in capsys.readouterr().out
    torch.manual_seed(0)
    assert not check_linear_autoencoder(LinearAE(), x, pca_mse)  # untrained
    assert "train it" in capsys.readouterr().out
    wide = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.Linear(16, 784), nn.Unflatten(1, (1, 28, 28)))
    assert not check_linear_autoencoder(wide, x, pca_mse)  # not Autoencoder(8)'s layers


# chapter 1: predict, then move the slider -------------------------------------------------------
def test_noise_prediction_is_compared_with_the_measured_growth(capsys):
    assert check_noise_prediction("b", 0.010, 0.021)
    assert "2.10 times" in capsys.readouterr().out
    assert not check_noise_prediction("a", 0.010, 0.021)
    assert not check_noise_prediction("c", 0.010, 0.021)
    assert check_noise_prediction("a", 0.010, 0.0115)
    assert check_noise_prediction("d", 0.010, 0.5)
    assert not check_noise_prediction(None, 0.010, 0.021)
    assert not check_noise_prediction(2.0, 0.010, 0.021)


# chapter 2: encoding through the layers, not through a stack ------------------------------------
@pytest.fixture
def small_stack(tmp_path, monkeypatch):
    monkeypatch.setenv("AECOURSE_CHECKPOINTS", str(tmp_path))
    x = (torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 255).to(torch.uint8)
    return pretrain_layers([784, 16, 4], x, epochs=1, batch_size=32), as_float(x)


def test_stack_encoder_by_hand_passes_and_building_or_reusing_a_stack_fails(small_stack, capsys):
    layers, x = small_stack
    before = [p.detach().clone() for layer in layers for p in layer.parameters()]

    def by_hand(images):
        h = images.flatten(1)
        for layer in layers:
            h = layer.encoder(h)
        return h

    assert check_stack_encoder(by_hand, layers, x)
    capsys.readouterr()
    prebuilt = StackedAutoencoder(copy.deepcopy(layers))  # a stack built earlier, as the chapter does
    shortcuts = {
        "builds the package's stack": lambda images: StackedAutoencoder(layers).encoder(images),
        "builds its own stack": lambda images: _ChapterStack(layers).encoder(images),
        "reads a stack built earlier": lambda images: prebuilt.encoder(images),
    }
    for name, shortcut in shortcuts.items():
        assert torch.allclose(shortcut(x[:4]), by_hand(x[:4]), atol=1e-6), name  # the same codes today
        assert not check_stack_encoder(shortcut, layers, x), name
        assert "Not yet" in capsys.readouterr().out
    after = [p.detach() for layer in layers for p in layer.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True)), "the check must leave the layers alone"
    assert not check_stack_encoder(lambda images: layers[0].encoder(images.flatten(1)), layers, x)


class _ChapterStack(nn.Module):
    """The class the chapter writes in its notebook (not the package's object)."""

    def __init__(self, layers):
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), *[layer.encoder for layer in layers])
        self.decoder = nn.Sequential(*[layer.decoder for layer in reversed(layers)], nn.Unflatten(1, (1, 28, 28)))


# chapter 2: pretraining and fine-tuning on a quarter of the budget ---------------------------------
@pytest.fixture(scope="module")
def budget_runs():
    """Both trainings of the short-budget exercise on 64 images: the full run (8 epochs a stage) and the short
    one (2), with the full run's errors and the short run's error ratios before and after fine-tuning."""
    x = (torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 255).to(torch.uint8)
    images = as_float(x)

    def stack(epochs):
        layers = pretrain_layers([784, 16, 4], x, epochs=epochs, batch_size=32)
        tuned = train_or_load(StackedAutoencoder(copy.deepcopy(layers)), bce_loss, x, epochs=epochs, batch_size=32,
                              lr=1e-3, verbose=False)
        return layers, tuned

    full_layers, full_tuned = stack(8)
    full_mse = {"pretrained only": mse(StackedAutoencoder(full_layers)(images), images),
                "fine-tuned": mse(full_tuned(images), images)}
    short_layers, short_tuned = stack(2)
    before = mse(StackedAutoencoder(short_layers)(images), images) / full_mse["pretrained only"]
    after = mse(short_tuned(images), images) / full_mse["fine-tuned"]
    return full_layers, full_tuned, short_layers, short_tuned, full_mse, images, before, after


def test_short_budget_compares_with_the_full_run_and_refuses_the_wrong_trainings(budget_runs, capsys):
    full_layers, full_tuned, short_layers, short_tuned, full_mse, images, before, after = budget_runs
    measured, other = ("after", "before") if after > before else ("before", "after")
    assert check_short_budget(short_layers, short_tuned, measured, full_mse, images, epochs=8)
    assert not check_short_budget(short_layers, short_tuned, other, full_mse, images, epochs=8)
    assert f"{after:.2f} times after" in capsys.readouterr().out
    assert not check_short_budget(short_layers, short_tuned, None, full_mse, images, epochs=8)
    assert not check_short_budget(None, None, measured, full_mse, images, epochs=8)
    assert not check_short_budget(full_layers, short_tuned, measured, full_mse, images, epochs=8)  # full pretraining
    assert not check_short_budget(short_layers, full_tuned, measured, full_mse, images, epochs=8)  # full fine-tuning
    in_place = StackedAutoencoder(short_layers)  # fine-tuned without a copy: the pretrained stack is gone
    in_place.history = short_tuned.history
    assert not check_short_budget(short_layers, in_place, measured, full_mse, images, epochs=8)
    assert "copy" in capsys.readouterr().out


# chapter 2: predict, then move the slider -------------------------------------------------------
def test_probe_prediction_is_compared_with_the_measured_loss(capsys):
    assert check_probe_prediction("a", 0.872, 0.854)
    assert "1.8 points" in " ".join(capsys.readouterr().out.split())  # the verdict wraps at 80
    assert not check_probe_prediction("b", 0.872, 0.854)
    assert check_probe_prediction("b", 0.872, 0.78)
    assert check_probe_prediction("c", 0.872, 0.356)
    assert check_probe_prediction("a", 0.85, 0.86)  # a gain counts as no loss
    assert not check_probe_prediction(None, 0.872, 0.854)
