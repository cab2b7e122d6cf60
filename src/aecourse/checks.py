"""Self-checks for the exercises: each says whether an answer is right and, if not, why.

Every check prints its verdict and returns True or False, so a learner sees the reason and
a test can assert on the result.
"""

import torch
import torch.nn.functional as F


def verdict(ok: bool, right: str, wrong: str) -> bool:
    print(("Correct: " + right) if ok else ("Not yet: " + wrong))
    return ok


# Chapter 1 -------------------------------------------------------------------------------
def check_n_params(n_params) -> bool:
    """Exercise: a formula for the number of parameters of ``Autoencoder(latent_dim)``."""
    from .models import Autoencoder

    for d in (2, 7, 32):
        truth = sum(p.numel() for p in Autoencoder(d).parameters())
        got = n_params(d)
        if got is None:
            return verdict(False, "", "n_params returned None: write the formula and return it.")
        if got != truth:
            return verdict(False, "", f"for latent_dim={d} you count {got:,} but the model has {truth:,} "
                                      f"(off by {got - truth:+,}). Each Linear(m, n) has m*n weights and n biases.")
    return verdict(True, f"for example latent_dim=32 gives {n_params(32):,} parameters. Each extra code unit "
                         "adds only 129 of them (64 weights in, 64 weights out, one bias).", "")


def check_bce(bce) -> bool:
    """Exercise: binary cross-entropy written by hand, equal to PyTorch's, safe at 0 and 1."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(4, 1, 28, 28, generator=g)
    x_hat = torch.rand(4, 1, 28, 28, generator=g).clamp(0.01, 0.99)
    got = bce(x_hat, x)
    if got is None:
        return verdict(False, "", "bce returned None: return the mean loss as a tensor.")
    got = torch.as_tensor(got, dtype=torch.float32)
    want = F.binary_cross_entropy(x_hat, x)
    if got.numel() != 1:
        return verdict(False, "", "bce should return one number (the mean over pixels and images); "
                                  f"got shape {tuple(got.shape)}.")
    if torch.isclose(got, want * 784, rtol=1e-3):
        return verdict(False, "", "you summed over the 784 pixels; average over pixels too, as PyTorch's mean does.")
    if not torch.isclose(got, want, rtol=1e-4):
        return verdict(False, "", f"got {got.item():.5f}, PyTorch gives {want.item():.5f}. "
                                  "Check the signs: -[x log x_hat + (1 - x) log(1 - x_hat)].")
    edge = bce(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0]))
    if not torch.isfinite(torch.as_tensor(edge)):
        return verdict(False, "", "a perfect prediction of 0 or 1 gives nan/inf: log(0) appears. "
                                  "Clamp x_hat to [eps, 1 - eps] before taking logs.")
    return verdict(True, f"{got.item():.5f} matches PyTorch, and outputs of exactly 0 or 1 stay finite.", "")


def check_pca_match(k: int, x_train: torch.Tensor, x_test: torch.Tensor, ae_test_mse: float) -> bool:
    """Exercise: the fewest PCA components whose test MSE is at most the autoencoder's."""
    from .baselines import PCA
    from .data import as_float
    from .metrics import mse

    if not isinstance(k, int) or k < 1:
        return verdict(False, "", f"k should be a positive whole number of components; got {k!r}.")
    x = as_float(x_test)

    def err(j):
        return mse(PCA(j).fit(x_train)(x_test), x)

    here = err(k)
    if here > ae_test_mse:
        return verdict(False, "", f"PCA with {k} components has test MSE {here:.4f}, still above the "
                                  f"autoencoder's {ae_test_mse:.4f}: more components are needed.")
    if k > 1 and err(k - 1) <= ae_test_mse:
        return verdict(False, "", f"{k - 1} components already reach the autoencoder's {ae_test_mse:.4f}: "
                                  "look for the smallest k.")
    return verdict(True, f"PCA needs {k} components to match what the autoencoder does with its code "
                         f"(test MSE {here:.4f} <= {ae_test_mse:.4f}).", "")
