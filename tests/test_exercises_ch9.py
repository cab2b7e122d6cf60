"""Unit tests of the closing page's exercise self-checks (aecourse.exercises.chapter9)."""

from types import SimpleNamespace

import pytest
import torch

from aecourse import PCA, as_float, mse, psnr
from aecourse.exercises.chapter9 import check_crossing, check_pca_row, check_picks, crossing_level
from aecourse.noise import corrupt

TABLE = {"AE": {"MSE": 0.01, "denoising PSNR": 12.0, "100 labels": 0.70},
         "DAE": {"MSE": 0.02, "denoising PSNR": 18.0, "100 labels": 0.75},
         "VAE": {"MSE": 0.03, "denoising PSNR": 14.0, "100 labels": 0.72}}
TASKS = ["reconstruct clean digits (lowest MSE)", "clean digits with noise_factor 0.5 (highest denoising PSNR)",
         "classify with 100 labels (highest '100 labels')"]


def test_check_picks_wants_the_best_of_each_column(capsys):
    assert check_picks(dict(zip(TASKS, ["AE", "DAE", "DAE"], strict=True)), TABLE)
    assert not check_picks(dict(zip(TASKS, ["DAE", "DAE", "DAE"], strict=True)), TABLE)  # not the best reconstructor
    assert "AE does better" in capsys.readouterr().out
    assert not check_picks(dict(zip(TASKS, ["AE", None, "DAE"], strict=True)), TABLE)
    assert not check_picks(dict(zip(TASKS, ["AE", "DAE", "PCA"], strict=True)), TABLE)  # not a model of the table
    assert not check_picks({"something else": "AE"}, TABLE)
    assert not check_picks(None, TABLE)


class Copier(torch.nn.Module):
    def forward(self, x):
        return x


class Blur(torch.nn.Module):
    """Averages each pixel with its neighbours: worse than a copy on clean images, better on noisy ones."""

    def forward(self, x):
        return torch.nn.functional.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


def test_check_crossing_compares_the_prediction_with_the_measured_crossing(capsys):
    x = torch.zeros(50, 1, 28, 28)
    x[:, :, 8:20, 12:16] = 1.0  # a bar: smooth images that a blur barely harms
    measured = crossing_level(Copier(), Blur(), x)
    assert 0 < measured < 1, "the blur loses on clean images and wins on noisy ones"
    assert check_crossing(measured, Copier(), Blur(), x)
    assert check_crossing(min(1.0, measured + 0.05), Copier(), Blur(), x)
    assert not check_crossing(min(1.0, measured + 0.3) if measured < 0.7 else measured - 0.3, Copier(), Blur(), x)
    assert "this run measures" in capsys.readouterr().out
    assert not check_crossing(None, Copier(), Blur(), x)
    assert not check_crossing(1.5, Copier(), Blur(), x)


@pytest.fixture(scope="module")
def data():
    g = torch.Generator().manual_seed(0)
    return SimpleNamespace(x_train=(torch.rand(200, 28, 28, generator=g) * 255).to(torch.uint8),
                           x_test=(torch.rand(50, 28, 28, generator=g) * 255).to(torch.uint8))


def test_check_pca_row_recomputes_the_row(data):
    x = as_float(data.x_test)
    x_noisy = corrupt(x, "gaussian", 0.5, seed=1)

    def right():
        pca = PCA(32).fit(data.x_train)
        return {"MSE": mse(pca(x), x), "denoising PSNR": psnr(pca(x_noisy), x)}

    def against_noisy():  # the PSNR measured against the noisy input instead of the clean digits
        pca = PCA(32).fit(data.x_train)
        return {"MSE": mse(pca(x), x), "denoising PSNR": psnr(pca(x_noisy), x_noisy)}

    def other_size():
        pca = PCA(16).fit(data.x_train)
        return {"MSE": mse(pca(x), x), "denoising PSNR": psnr(pca(x_noisy), x)}

    assert check_pca_row(right, data, x_noisy)
    assert not check_pca_row(against_noisy, data, x_noisy)
    assert not check_pca_row(other_size, data, x_noisy)
    assert not check_pca_row(lambda: None, data, x_noisy)
