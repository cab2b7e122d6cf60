"""Chapter 1's exercise checks: the parameter count, binary cross-entropy, PCA against the autoencoder,
the linear autoencoder, and a prediction of what input noise does to the reconstructions."""

import torch
import torch.nn.functional as F
from torch import nn

from ..baselines import PCA
from ..data import as_float
from ..metrics import mse
from ..models import Autoencoder
from ..train import predict
from . import Forbidden, forbid, param_formula_error, right, wrong


def check_n_params(n_params) -> bool:
    """Exercise: a formula for the number of parameters of ``Autoencoder(latent_dim)``."""
    error = param_formula_error(n_params, Autoencoder, (2, 7, 32), "n_params",
                                 "Each Linear(m, n) has m*n weights and n biases.")
    if error:
        return wrong(error)
    return right(f"for example latent_dim=32 gives {n_params(32):,} parameters. Each extra code unit "
                 "adds only 129 of them (64 weights in, 64 weights out, one bias).")


def check_bce(bce) -> bool:
    """Exercise: binary cross-entropy written by hand, equal to PyTorch's, safe at 0 and 1."""
    g = torch.Generator(device="cpu").manual_seed(0)  # checks run on the CPU
    x = torch.rand(4, 1, 28, 28, generator=g, device="cpu")
    x_hat = torch.rand(4, 1, 28, 28, generator=g, device="cpu").clamp(0.01, 0.99)
    try:  # the exercise is to write the formula: PyTorch's own BCE is refused while it runs
        with forbid((F, "binary_cross_entropy"), (nn.BCELoss, "forward"), (torch._C._nn, "binary_cross_entropy")):
            got = bce(x_hat, x)
    except Forbidden as err:
        return wrong(f"bce calls PyTorch's {err}: write the formula with tensor operations (log, mean) instead.")
    if got is None:
        return wrong("bce returned None: return the mean loss as a tensor.")
    got = torch.as_tensor(got, dtype=torch.float32)
    want = F.binary_cross_entropy(x_hat, x)
    if got.numel() != 1:
        return wrong("bce should return one number (the mean over pixels and images); "
                     f"got shape {tuple(got.shape)}.")
    if torch.isclose(got, want * 784, rtol=1e-3):
        return wrong("you summed over the 784 pixels; average over pixels too, as PyTorch's mean does.")
    if not torch.isclose(got, want, rtol=1e-4):
        return wrong(f"got {got.item():.5f}, PyTorch gives {want.item():.5f}. "
                     "Check the signs: -[x log x_hat + (1 - x) log(1 - x_hat)].")
    edge = bce(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0]))
    if not torch.isfinite(torch.as_tensor(edge)):
        return wrong("a perfect prediction of 0 or 1 gives nan/inf: log(0) appears. "
                     "Clamp x_hat to [eps, 1 - eps] before taking logs.")
    return right(f"{got.item():.5f} matches PyTorch, and outputs of exactly 0 or 1 stay finite.")


def check_pca_match(k: int, x_train: torch.Tensor, x_test: torch.Tensor, ae_test_mse: float) -> bool:
    """Exercise: the fewest PCA components whose test MSE is at most the autoencoder's."""
    if not isinstance(k, int) or k < 1:
        return wrong(f"k should be a positive whole number of components; got {k!r}.")
    x = as_float(x_test)

    def err(j):
        return mse(PCA(j).fit(x_train)(x_test), x)

    here = err(k)
    if here > ae_test_mse:
        return wrong(f"PCA with {k} components has test MSE {here:.4f}, still above the "
                     f"autoencoder's {ae_test_mse:.4f}: more components are needed.")
    if k > 1 and err(k - 1) <= ae_test_mse:
        return wrong(f"{k - 1} components already reach the autoencoder's {ae_test_mse:.4f}: "
                     "look for the smallest k.")
    return right(f"PCA needs {k} components to match what the autoencoder does with its code "
                 f"(test MSE {here:.4f} <= {ae_test_mse:.4f}).")


LINEAR_LAYERS = [(784, 256), (256, 64), (64, 8), (8, 64), (64, 256), (256, 784)]


def check_linear_autoencoder(model, x_test: torch.Tensor, pca_test_mse: float, slack: float = 1.5) -> bool:
    """Exercise: Autoencoder(8) without its activations, trained with MSE, against PCA with 8 components."""
    if not isinstance(model, nn.Module):
        return wrong(f"linear_ae should be the trained model (an nn.Module); got {type(model).__name__}.")
    leaves = {type(m).__name__ for m in model.modules() if not list(m.children())}
    extra = sorted(leaves - {"Linear", "Flatten", "Unflatten", "Identity"})
    if extra:
        return wrong(f"the model still holds {', '.join(extra)}: remove every activation, keep the Linear layers.")
    shapes = [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]
    if shapes != LINEAR_LAYERS:
        return wrong(f"the Linear layers should be those of Autoencoder(8), {LINEAR_LAYERS}; got {shapes}.")
    x = as_float(x_test)
    a, b = x[:16], x[16:32]
    with torch.no_grad():
        gap = (model(a + b) + model(torch.zeros_like(a)) - model(a) - model(b)).abs().max().item()
    if gap > 1e-3:
        return wrong(f"the output is not a linear function of the input (off by up to {gap:.3f}): "
                     "forward still applies a nonlinearity (F.relu, torch.sigmoid, clamp?).")
    err = mse(predict(model, x), x)
    ratio = err / pca_test_mse
    if ratio < 0.98:
        return wrong(f"its test MSE {err:.4f} is below PCA's {pca_test_mse:.4f}, which no rank-8 linear map "
                     "fitted to the training images should manage: compare on the same test images.")
    if ratio > slack:
        return wrong(f"its test MSE {err:.4f} is {ratio:.1f} times PCA's {pca_test_mse:.4f}: "
                     "train it (train_or_load with mse_loss, lr=1e-3, the chapter's epochs).")
    return right(f"test MSE {err:.4f} against PCA's {pca_test_mse:.4f} ({ratio:.2f} times). Six linear layers "
                 "compose to one linear map of rank 8 at most, and PCA is the best such map for squared "
                 "error on the images it is fitted to: there training can at best tie with it. On test "
                 "images that guarantee is gone, and the two come out close, either way.")


NOISE_CHOICES = {"a": (0, 1.2, "less than 1.2 times"), "b": (1.2, 2.5, "1.2 to 2.5 times"),
                 "c": (2.5, 5, "2.5 to 5 times"), "d": (5, float("inf"), "more than 5 times")}


def check_noise_prediction(choice, clean_mse: float, noisy_mse: float) -> bool:
    """Exercise: predict how much the test error grows at noise_factor 0.1, then compare with the run."""
    if choice not in NOISE_CHOICES:
        return wrong(f"choice should be one of {', '.join(map(repr, NOISE_CHOICES))}; got {choice!r}.")
    ratio = noisy_mse / clean_mse
    measured = next(k for k, (lo, hi, _) in NOISE_CHOICES.items() if lo <= ratio < hi)
    said = f"the run measured {noisy_mse:.4f} against {clean_mse:.4f} on clean digits: {ratio:.2f} times"
    if choice != measured:
        return wrong(f"you predicted {NOISE_CHOICES[choice][2]}; {said} ({measured!r}). Compare the noisy "
                     "inputs with their reconstructions on the slider: where does the noise go?")
    return right(f"{said}. Noise the model never saw in training is encoded like any other pixels "
                 "and part of it comes back out: the denoising autoencoder (chapter 3) trains against it.")
