"""Chapter 1's exercise checks: the parameter count, binary cross-entropy, PCA against the autoencoder."""

import torch
import torch.nn.functional as F

from ..baselines import PCA
from ..data import as_float
from ..metrics import mse
from ..models import Autoencoder
from . import right, wrong


def _param_formula_error(formula, model_class, dims, name: str, hint: str) -> str | None:
    """Why `formula(latent_dim)` miscounts the parameters of `model_class(latent_dim)`, or None if it never does."""
    for d in dims:
        truth = sum(p.numel() for p in model_class(d).parameters())
        got = formula(d)
        if got is None:
            return f"{name} returned None: write the formula and return it."
        if got != truth:
            return f"for latent_dim={d} you count {got:,} but the model has {truth:,} (off by {got - truth:+,}). {hint}"
    return None


def check_n_params(n_params) -> bool:
    """Exercise: a formula for the number of parameters of ``Autoencoder(latent_dim)``."""
    error = _param_formula_error(n_params, Autoencoder, (2, 7, 32), "n_params",
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
    got = bce(x_hat, x)
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
