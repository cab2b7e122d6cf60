"""Chapter 3's exercise checks: masking noise, the denoising loss, PSNR."""

import torch
import torch.nn.functional as F

from ..metrics import psnr
from . import right, wrong


def check_masking(mask) -> bool:
    """Exercise: masking noise that zeroes a random fraction of the pixels."""
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
    """Exercise: PSNR per image in dB, averaged over the images."""
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
