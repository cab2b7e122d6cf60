"""Chapter 1's exercise checks: the parameter count, binary cross-entropy, PCA against the autoencoder,
the linear autoencoder, and a prediction of what input noise does to the reconstructions."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..baselines import PCA
from ..data import as_float
from ..metrics import mse
from ..models import Autoencoder
from ..train import predict
from . import call, close, measured, number, off, param_formula_error, pick, right, slip, tensor, verdict, whole, wrong


@verdict
def check_n_params(n_params) -> bool:
    """Exercise: a formula for the number of parameters of ``Autoencoder(latent_dim)``."""
    error = param_formula_error(n_params, Autoencoder, (2, 7, 32), "n_params",
                                "Each Linear(m, n) has m*n weights and n biases.")
    if error:
        return wrong(error)
    with torch.device("meta"):  # no memory, no random draws
        count = sum(p.numel() for p in Autoencoder(32).parameters())
    return right(f"for example latent_dim=32 gives {count:,} parameters. Each extra code "
                 "unit adds only 129 of them (64 weights in, 64 weights out, one bias).")


BCE = ((F, "binary_cross_entropy"), (F, "binary_cross_entropy_with_logits"), (nn.BCELoss, "forward"),
       (nn.BCEWithLogitsLoss, "forward"), (torch._C._nn, "binary_cross_entropy"),
       (torch, "binary_cross_entropy_with_logits"))  # PyTorch's BCE, however it is reached
EDGE = (": a prediction of exactly 0 or 1 takes log(0) = -inf (and 0 * -inf is nan). Clamp x_hat to "
        "[eps, 1 - eps] before taking logs.")


def _bce(a, b):
    """-(b log a + (1 - b) log(1 - a)) per pixel, logs clamped: the loss and its usual slips, for a diagnosis."""
    a = a.clamp(1e-7, 1 - 1e-7)
    return -(b * a.log() + (1 - b) * (1 - a).log())


def _bce_slip(got: float, x_hat, x) -> str:
    """What differs between `got` and PyTorch's BCE of (x_hat, x): a known slip, or how far off it is."""
    want, lx, lx1 = _bce(x_hat, x).mean().item(), x_hat.log(), (1 - x_hat).log()
    slips = {
        "the sign is flipped: the loss is MINUS the mean of x log x_hat + (1 - x) log(1 - x_hat).": -want,
        "you summed over the 784 pixels of each image: take the mean over the pixels too.": 784 * want,
        "you summed over every pixel of every image: take the mean, as PyTorch's default does.": x.numel() * want,
        "the arguments are swapped: bce(x_hat, x) takes the logs of the prediction x_hat, not of the target x.":
            _bce(x, x_hat).mean().item(),
        "the (1 - x) log(1 - x_hat) term is missing.": -(x * lx).mean().item(),
        "the x log x_hat term is missing.": -((1 - x) * lx1).mean().item(),
        "log of the wrong thing: the second term is (1 - x) log(1 - x_hat), not (1 - x) log(1 - x).":
            -(x * lx + (1 - x) * (1 - x).clamp_min(1e-7).log()).mean().item(),
        "log of the wrong thing: the first term is x log x_hat, not x_hat log x_hat.":
            -(x_hat * lx + (1 - x) * lx1).mean().item(),
        "that is log10, not the natural log (torch.log).": want / math.log(10),
        "that is log2, not the natural log (torch.log).": want / math.log(2),
        "half the loss: there is no factor 1/2 in binary cross-entropy.": want / 2,
    }
    return slip(got, slips, f"on random images your value is {off(got, want)} PyTorch's: compare each term with "
                "-[x log x_hat + (1 - x) log(1 - x_hat)], averaged over every pixel of every image.", rtol=1e-3)


@verdict
def check_bce(bce) -> bool:
    """Exercise: binary cross-entropy written by hand, equal to PyTorch's, safe at 0 and 1.

    The images are drawn anew on every call (a constant cannot match), twice: grey targets, then black
    and white ones; then exact 0s and 1s as predictions, of the same shape.
    """
    refused = "bce calls PyTorch's {}: write the formula with tensor operations (log, mean) instead."

    def run(x_hat, x, nan):
        out = call(bce, "bce", x_hat, x, refuse=BCE, refused=refused)
        return number(out, "bce returned", none=": return the mean loss as a tensor.", nan=nan,
                      many=" (the mean over pixels and images)")

    g = torch.Generator(device="cpu")
    g.seed()  # a fresh draw on every call
    for low, high, binary in ((0.01, 0.99, False), (0.3, 0.8, True)):
        x = torch.rand(4, 1, 28, 28, generator=g, device="cpu")
        x = x.round() if binary else x
        x_hat = low + (high - low) * torch.rand(4, 1, 28, 28, generator=g, device="cpu")
        got = run(x_hat, x, nan=": the predictions are inside (0, 1) here: look for a log of a negative "
                  "number or a division by 0.")
        if not close(got, F.binary_cross_entropy(x_hat, x).item(), rtol=1e-4):
            return wrong(_bce_slip(got, x_hat, x))
    perfect = run(x.clone(), x, nan=EDGE)
    run(1 - x, x, nan=EDGE)  # every prediction exactly wrong: large, but finite
    if perfect > 0.01:
        return wrong(f"a perfect prediction (x_hat = x, all 0s and 1s) should cost about 0; bce gives {perfect:.3g}: "
                     "clamp x_hat to [eps, 1 - eps] with a small eps such as 1e-7.")
    return right("bce matches PyTorch's on random images, and outputs of exactly 0 or 1 stay finite.")


@verdict
def check_pca_match(k, x_train: torch.Tensor, x_test: torch.Tensor, ae_test_mse: float) -> bool:
    """Exercise: the fewest PCA components whose test MSE is at most the autoencoder's."""
    k = whole(k, "k is", none=": compute it (don't guess), then assign it.", frac=": a number of components.")
    if not 1 <= k <= 784:
        return wrong(f"k should be a number of components between 1 and 784 (the pixels of an image); got {k}.")
    (target,) = measured(ae_test_mse, what="the autoencoder's test MSE")
    x = as_float(x_test)

    def err(j):
        return mse(PCA(j).fit(x_train)(x_test), x)

    here = err(k)
    if here > target:
        return wrong(f"PCA with {k} components has test MSE {here:.4f}, still above the "
                     f"autoencoder's {target:.4f}: more components are needed.")
    if k > 1 and err(k - 1) <= target:
        return wrong(f"{k - 1} components already reach the autoencoder's {target:.4f}: look for the smallest k.")
    return right(f"PCA needs {k} components to match what the autoencoder does with its code "
                 f"(test MSE {here:.4f} <= {target:.4f}).")


LINEAR_LAYERS = [(784, 256), (256, 64), (64, 8), (8, 64), (64, 256), (256, 784)]


@verdict
def check_linear_autoencoder(model, x_test: torch.Tensor, pca_test_mse: float, slack: float = 1.5) -> bool:
    """Exercise: Autoencoder(8) without its activations, trained with MSE, against PCA with 8 components."""
    if not isinstance(model, nn.Module):
        return wrong(f"linear_ae should be the trained model (an nn.Module); got {type(model).__name__}.")
    leaves = {type(m).__name__ for m in model.modules() if not list(m.children())}
    extra = sorted(leaves - {"Linear", "Flatten", "Unflatten", "Identity"})
    if extra:
        return wrong(f"the model still holds {', '.join(extra)}: remove every activation, keep the Linear layers.")
    shapes = [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]
    if sorted(shapes) != sorted(LINEAR_LAYERS):
        return wrong(f"the Linear layers should be those of Autoencoder(8), {LINEAR_LAYERS}; got {shapes}.")
    if not all(torch.isfinite(p).all() for p in model.parameters()):
        return wrong("linear_ae's weights hold nan or inf: training diverged. Train it again from a fresh model, "
                     "with lr=1e-3.")
    (pca_err,) = measured(pca_test_mse, what="PCA's test MSE")
    first = next(model.parameters())
    x = as_float(x_test).to(first.device, first.dtype)

    def out(inputs):
        with torch.no_grad():
            got = call(lambda: predict(model, inputs), "linear_ae")
        return tensor(got, "linear_ae returned", inputs)

    a, b = x[:16], x[16:32]
    parts = [out(a + b), out(torch.zeros_like(a)), out(a), out(b)]
    gap = (parts[0] + parts[1] - parts[2] - parts[3]).abs().max().item()
    scale = max(1.0, *(p.abs().max().item() for p in parts))
    if not gap <= 1e-3 * scale:
        return wrong(f"the output is not a linear function of the input (off by up to {gap:.3g}): "
                     "forward still applies a nonlinearity (F.relu, torch.sigmoid, clamp?).")
    err = mse(out(x), x)
    ratio = err / pca_err
    if ratio < 0.98:
        return wrong(f"its test MSE {err:.4f} is below PCA's {pca_err:.4f}, which no rank-8 linear map "
                     "fitted to the training images should manage: compare on the same test images.")
    if ratio > slack:
        return wrong(f"its test MSE {err:.4f} is {ratio:.1f} times PCA's {pca_err:.4f}: "
                     "train it (train_or_load with mse_loss, lr=1e-3, the chapter's epochs).")
    return right(f"test MSE {err:.4f} against PCA's {pca_err:.4f} ({ratio:.2f} times). Six linear layers "
                 "compose to one linear map of rank 8 at most, and PCA is the best such map for squared "
                 "error on the images it is fitted to: there training can at best tie with it. On test "
                 "images that guarantee is gone: nothing fixes the order there, and the two end close.")


NOISE_CHOICES = {"a": (0, 1.2, "less than 1.2 times"), "b": (1.2, 2.5, "1.2 to 2.5 times"),
                 "c": (2.5, 5, "2.5 to 5 times"), "d": (5, float("inf"), "more than 5 times")}


@verdict
def check_noise_prediction(choice, clean_mse: float, noisy_mse: float) -> bool:
    """Exercise: predict how much the test error grows at noise_factor 0.1, then compare with the run."""
    choice = pick(choice, NOISE_CHOICES, "choice")
    clean, noisy = measured(clean_mse, noisy_mse, what="the run's test MSEs")
    ratio = noisy / clean if clean > 0 else float("inf")
    measured_choice = next((k for k, (lo, hi, _) in NOISE_CHOICES.items() if lo <= max(ratio, 0) < hi), "d")
    said = f"the run measured {noisy:.4f} against {clean:.4f} on clean digits: {ratio:.2f} times"
    if choice != measured_choice:
        return wrong(f"you predicted {NOISE_CHOICES[choice][2]}; {said} ({measured_choice!r}). Compare the noisy "
                     "inputs with their reconstructions on the slider: where does the noise go?")
    return right(f"{said}. Noise the model never saw in training is encoded like any other pixels "
                 "and part of it comes back out: the denoising autoencoder (chapter 3) trains against it.")
