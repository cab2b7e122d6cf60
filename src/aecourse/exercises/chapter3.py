"""Chapter 3's exercise checks: masking noise, the denoising loss, PSNR, noise transfer, a prediction."""

import torch
import torch.nn.functional as F

from ..metrics import mse, psnr
from ..noise import corrupt
from ..train import predict
from . import reaches, right, wrong


def check_masking(mask) -> bool:
    """Exercise: masking noise that zeroes a random fraction of the pixels (not through the chapter's own)."""
    if used := reaches(mask, {"masking_noise", "corrupt"}):
        return wrong(f"mask calls the chapter's {', '.join(used)}: write the masking yourself (torch.rand_like).")
    torch.manual_seed(0)
    x = torch.rand(64, 1, 28, 28, device="cpu") * 0.9 + 0.1  # no pixel is 0 before masking
    before = x.clone()
    out = mask(x, 0.3)
    if out is None:
        return wrong("mask returned None: return the masked images.")
    if not torch.equal(x, before):
        return wrong("mask changed its input in place: the clean image is still needed as the target.")
    if out.shape != x.shape:
        return wrong(f"the output should have the input's shape {tuple(x.shape)}; got {tuple(out.shape)}.")
    zeroed = out == 0
    if not torch.allclose(out[~zeroed], x[~zeroed]):
        return wrong("the pixels you keep should stay exactly as they were (no scaling, no noise).")
    share = zeroed.float().mean().item()
    if abs(share - 0.3) > 0.02:
        return wrong(f"with fraction 0.3 you zeroed {share:.1%} of the pixels; expected about 30%.")
    if not torch.equal(mask(x, 0.0), x) or mask(x, 1.0).abs().sum() != 0:
        return wrong("fraction 0 should change nothing and fraction 1 should zero everything.")
    return right(f"{share:.1%} of the pixels zeroed for fraction 0.3, the rest untouched.")


class _Spy(torch.nn.Module):
    """A stand-in model that records the images it is given."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(0.8))

    def forward(self, x):
        self.seen = x.detach().clone()
        return torch.sigmoid(self.w * (x - 0.5) * 6)


def check_dae_loss(loss_fn) -> bool:
    """Exercise: a denoising loss (salt and pepper at 0.2): corrupt the input, compare with the clean image."""
    torch.manual_seed(0)
    x = torch.rand(32, 1, 28, 28, device="cpu").round() * 0.9 + 0.05  # pixels near 0 or 1
    spy = _Spy()
    loss = loss_fn(spy, x)
    if loss is None or not hasattr(spy, "seen"):
        return wrong("the loss should call the model and return a scalar tensor.")
    seen = spy.seen
    if torch.equal(seen, x):
        return wrong("the model was given the clean images: corrupt them first, then reconstruct.")
    changed = (seen != x).float().mean().item()
    if abs(changed - 0.2) > 0.05 or not ((seen == 0) | (seen == 1) | (seen == x)).all():
        return wrong(f"{changed:.0%} of the pixels were changed, and not only to 0 or 1: use "
                     "salt-and-pepper noise at fraction 0.2.")
    with torch.no_grad():
        out = torch.sigmoid(spy.w * (seen - 0.5) * 6)
        against_clean, against_noisy = F.binary_cross_entropy(out, x), F.binary_cross_entropy(out, seen)
    loss = torch.as_tensor(loss).detach()
    if torch.isclose(loss, against_noisy, rtol=1e-4):
        return wrong("the loss compares the output with the NOISY input: the model then learns to "
                     "reproduce noise. Compare with the clean x.")
    if not torch.isclose(loss, against_clean, rtol=1e-4):
        return wrong(f"loss {loss.item():.4f}, expected the BCE against the clean images, "
                     f"{against_clean.item():.4f}.")
    return right("the model sees corrupted images and the loss compares its output with the clean ones.")


def check_psnr(my_psnr) -> bool:
    """Exercise: PSNR per image in dB, averaged over the images, by hand."""
    if used := reaches(my_psnr, {"psnr", "mse", "mse_per_image"}):
        return wrong(f"my_psnr calls the package's {', '.join(used)}: compute the error of each image yourself.")
    torch.manual_seed(0)
    x = torch.rand(16, 1, 28, 28, device="cpu")
    x_hat = (x + torch.randn_like(x) * torch.linspace(0.02, 0.4, 16).view(-1, 1, 1, 1)).clamp(0, 1)
    got = my_psnr(x_hat, x)
    if got is None:
        return wrong("my_psnr returned None: return the mean PSNR as a number.")
    got, want = float(got), psnr(x_hat, x)
    of_mean = 10 * torch.log10(1 / (x_hat - x).pow(2).mean()).item()
    if abs(got - of_mean) < 1e-3:
        return wrong(f"that is the PSNR of the mean MSE ({of_mean:.2f} dB); average the PSNR of each "
                     f"image instead ({want:.2f} dB).")
    if abs(got - 2 * want) < 1e-2:
        return wrong("twice the right value: 10 log10(1 / MSE), or 20 log10(1 / RMSE), not 20 log10(1 / MSE).")
    if abs(got - want) > 1e-3:
        return wrong(f"got {got:.3f} dB, expected {want:.3f} dB: 10 log10(1 / MSE) per image, then the mean.")
    return right(f"{got:.2f} dB, as the package computes it.")


def check_transfer(mse_on, model, x_test, run_gaussian: float, masking_dae: float) -> bool:
    """Exercise: the DAE trained on Gaussian noise, tested on masking noise, measured as the chapter measures."""
    got = mse_on(model, "gaussian", 0.5)
    if got is None:
        return wrong("mse_on returned None: return the MSE as a number.")
    if abs(float(got) - run_gaussian) > 1e-4 * run_gaussian:
        return wrong(f"on Gaussian noise 0.5 your mse_on gives {float(got):.5f}, the chapter's table "
                     f"{run_gaussian:.5f}: corrupt x_test with seed=1 (the chapter's draw) and compare the output "
                     "with the CLEAN images.")
    want = mse(predict(model, corrupt(x_test, "masking", 0.5, seed=1)), x_test)
    got = float(mse_on(model, "masking", 0.5))
    if abs(got - want) > 1e-4 * want:
        return wrong(f"on masking noise 0.5 you get {got:.5f}, expected {want:.5f}: corrupt with the kind and "
                     "level you are given.")
    return right(f"the DAE trained on Gaussian noise has MSE {got:.4f} on masking noise 0.5, "
                 f"{got / masking_dae:.1f} times the {masking_dae:.4f} of the DAE trained on masking noise.")


def check_prediction(my_guess, errors: dict) -> bool:
    """Exercise: predict which training noise_factor denoises the heaviest test noise best.

    `errors`: training level -> the run's MSE on that test noise.
    """
    if my_guess not in errors:
        return wrong(f"my_guess should be one of the training levels {list(errors)}; got {my_guess!r}.")
    best = min(errors, key=errors.get)
    measured = ", ".join(f"{s}: {e:.4f}" for s, e in errors.items())
    if my_guess != best:
        return wrong(f"this run measured (training noise_factor: MSE) {measured}; the best is {best}, not "
                     f"{my_guess}. Move the slider to {my_guess} and to {best} and compare the bottom rows.")
    return right(f"training at {best} gives the smallest error on the heaviest test noise ({measured}).")
