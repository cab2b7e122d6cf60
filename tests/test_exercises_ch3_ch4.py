"""The self-checks of chapters 3 and 4 catch the shortcuts their exercises forbid, and compare with the run."""

import copy
from functools import partial
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn

import aecourse
from aecourse import mse, predict, psnr
from aecourse.exercises import chapter3, chapter4, reaches
from aecourse.exercises.chapter3 import check_masking, check_psnr, check_transfer
from aecourse.exercises.chapter4 import check_accuracy, check_classifier
from aecourse.metrics import mse_per_image
from aecourse.models import StackedAutoencoder, new_layers
from aecourse.noise import corrupt, masking_noise


def hand_psnr(x_hat, x):
    return (10 * torch.log10(1 / (x_hat - x).pow(2).flatten(1).mean(1))).mean().item()


def per_image_error(x_hat, x):  # a helper of the learner's that calls the package
    return mse_per_image(x_hat, x)


# the shortcut finder ------------------------------------------------------------------------
def test_reaches_finds_calls_by_name_through_modules_helpers_partials_and_closures():
    assert reaches(lambda a, b: psnr(a, b), {"psnr"}) == ["psnr"]
    assert reaches(lambda a, b: aecourse.psnr(a, b), {"psnr"}) == ["psnr"]
    assert reaches(lambda a, b: aecourse.metrics.psnr(a, b), {"psnr"}) == ["psnr"]
    assert reaches(lambda x: aecourse.baselines.median_filter(x), {"median_filter"}) == ["median_filter"]
    assert reaches(lambda a, b: (10 * torch.log10(1 / per_image_error(a, b))).mean(), {"mse_per_image"}) == \
        ["mse_per_image"]
    assert reaches(partial(masking_noise, fraction=0.3), {"masking_noise"}) == ["masking_noise"]
    inner = psnr
    assert reaches(lambda a, b: inner(a, b), {"psnr"}) == ["psnr"]
    assert reaches(hand_psnr, {"psnr", "mse", "mse_per_image"}) == []
    assert reaches(lambda a, b: F.mse_loss(a, b), {"mse"}) == []  # torch's own functions are allowed


# chapter 3 ----------------------------------------------------------------------------------
def test_check_masking_refuses_the_chapters_own_corruption(capsys):
    assert check_masking(lambda x, f: x * (torch.rand_like(x) >= f))
    assert not check_masking(lambda x, f: masking_noise(x, f))
    assert not check_masking(lambda x, f: corrupt(x, "masking", f))
    assert "masking_noise" in capsys.readouterr().out
    assert not check_masking(lambda x, f: x.mul_(torch.rand_like(x) >= f))  # in place
    assert "in place" in capsys.readouterr().out


def test_check_psnr_refuses_the_packages_psnr_and_mse(capsys):
    assert check_psnr(hand_psnr)
    for shortcut in (lambda a, b: psnr(a, b), lambda a, b: aecourse.psnr(a, b),
                     lambda a, b: (10 * torch.log10(1 / mse_per_image(a, b))).mean().item(),
                     lambda a, b: (10 * torch.log10(1 / per_image_error(a, b))).mean().item()):
        assert not check_psnr(shortcut)
        assert "my_psnr calls the package's" in capsys.readouterr().out
    assert not check_psnr(lambda a, b: 10 * torch.log10(torch.tensor(1 / mse(a, b))).item())


def small_denoiser():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28))).eval()


def test_check_transfer_compares_with_the_run_and_catches_a_wrong_draw_or_target(capsys):
    model, x_test = small_denoiser(), torch.rand(50, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    run = mse(predict(model, corrupt(x_test, "gaussian", 0.5, seed=1)), x_test)  # the chapter's table entry

    def right(m, kind, level):
        return mse(predict(m, corrupt(x_test, kind, level, seed=1)), x_test)

    def fresh_noise(m, kind, level):
        return mse(predict(m, corrupt(x_test, kind, level)), x_test)

    def noisy_target(m, kind, level):
        noisy = corrupt(x_test, kind, level, seed=1)
        return mse(predict(m, noisy), noisy)

    def always_gaussian(m, kind, level):
        return right(m, "gaussian", level)

    assert check_transfer(right, model, x_test, run, masking_dae=0.01)
    assert "times" in capsys.readouterr().out
    for wrong in (fresh_noise, noisy_target, always_gaussian, lambda m, kind, level: None):
        assert not check_transfer(wrong, model, x_test, run, masking_dae=0.01)
    assert "Not yet" in capsys.readouterr().out


def test_chapter_3_prediction_is_compared_with_what_the_run_measured(capsys):
    measured = {0.0: 0.14, 0.25: 0.08, 0.5: 0.05, 0.75: 0.034}
    assert chapter3.check_prediction(0.75, measured)
    assert not chapter3.check_prediction(0.5, measured)
    assert "0.75" in capsys.readouterr().out
    assert not chapter3.check_prediction(None, measured)
    assert not chapter3.check_prediction(1.0, measured)


# chapter 4 ----------------------------------------------------------------------------------
def accuracy(model, x, y):  # the chapter's function, as the notebook names it
    return (predict(model, x).argmax(1) == y).float().mean().item()


def classifier(layers):  # the chapter's function, as the notebook names it
    return nn.Sequential(StackedAutoencoder(copy.deepcopy(layers)).encoder, nn.Linear(4, 10))


def test_check_accuracy_refuses_the_chapters_accuracy(capsys):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    x = (torch.rand(200, 1, 28, 28) * 255).to(torch.uint8)
    data = SimpleNamespace(x_test=x, y_test=torch.randint(0, 10, (200,)))
    assert check_accuracy(lambda m, x, y: (predict(m, x).argmax(1) == y).float().mean().item(), model, data)
    assert not check_accuracy(lambda m, x, y: accuracy(m, x, y), model, data)
    assert "accuracy" in capsys.readouterr().out
    assert not check_accuracy(lambda m, x, y: None, model, data)


def test_check_classifier_refuses_the_chapters_classifier():
    torch.manual_seed(0)
    layers = new_layers([784, 16, 4])
    assert check_classifier(lambda ls: nn.Sequential(StackedAutoencoder(copy.deepcopy(ls)).encoder, nn.Linear(4, 10)),
                            layers)
    assert not check_classifier(lambda ls: classifier(ls), layers)
    assert not check_classifier(classifier, layers)


def test_chapter_4_prediction_is_compared_with_what_the_run_measured(capsys):
    measured = {"network": 0.695, "pixels": 0.773}
    assert chapter4.check_prediction("pixels", measured)
    assert not chapter4.check_prediction("network", measured)
    assert "'pixels' is ahead" in capsys.readouterr().out
    assert not chapter4.check_prediction(None, measured)
    assert chapter4.check_prediction(" Pixels", measured)  # the same name, written differently
    assert not chapter4.check_prediction("pixel", measured)
