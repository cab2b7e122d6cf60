"""Chapter 6's exercise checks: convolution and transposed-convolution sizes as formulas (building layers
refused), the parameter count, and a prediction of when the denoiser helps."""

import torch
import torch.nn.functional as F
from torch import nn

from . import Forbidden, forbid, param_formula_error, right, wrong

LAYERS = ((nn.Conv2d, "__init__"), (nn.ConvTranspose2d, "__init__"), (F, "conv2d"), (F, "conv_transpose2d"),
          (torch, "conv2d"), (torch, "conv_transpose2d"))  # measuring a layer instead of using the formula


def _size_error(fn, cases, want, name: str, hint: str) -> str | None:
    """Why `fn` gives the wrong side for one of `cases` (want: PyTorch's sides), or None."""
    for args, side in zip(cases, want, strict=True):
        try:
            with forbid(*LAYERS):
                got = fn(*args)
        except Forbidden as err:
            return f"{name} calls {err}: it measures a layer. Write the formula with whole-number arithmetic."
        if got is None:
            return f"{name} returned None: return the side as a whole number."
        if got != side:
            return f"{name}{args}: got {got}, PyTorch gives {side}. {hint}"
    return None


def check_conv_out(conv_out) -> bool:
    """Exercise: the output side of a Conv2d, as a formula."""
    cases = ((28, 3, 2, 1), (14, 3, 2, 1), (28, 5, 1, 0), (27, 4, 3, 2), (7, 3, 1, 1))
    want = [nn.Conv2d(1, 1, k, s, p)(torch.zeros(1, 1, n, n)).shape[-1] for n, k, s, p in cases]
    error = _size_error(conv_out, cases, want, "conv_out", "Pad both sides, then count the positions the kernel "
                        "fits, one step of `stride` apart (the arguments are n, kernel_size, stride, padding).")
    if error:
        return wrong(error)
    return right("matches PyTorch, including odd sizes where the division rounds down.")


def check_deconv_out(deconv_out) -> bool:
    """Exercise: the output side of a ConvTranspose2d, as a formula."""
    cases = ((7, 3, 2, 1, 1), (7, 3, 2, 1, 0), (14, 3, 2, 1, 1), (5, 4, 2, 1, 0), (9, 5, 3, 2, 2))
    want = [nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op)(torch.zeros(1, 1, n, n)).shape[-1]
            for n, k, s, p, op in cases]
    error = _size_error(deconv_out, cases, want, "deconv_out",
                        "It is the inverse of conv_out: (n - 1) * stride, ...")
    if error:
        return wrong(error)
    return right("matches PyTorch; output_padding picks between the sizes that a strided convolution "
                 "maps to the same n.")


def check_n_conv_params(n_conv_params, model_class) -> bool:
    """Exercise: a formula for the parameters of the chapter's ConvAutoencoder (building it is refused)."""
    error = param_formula_error(n_conv_params, model_class, (2, 16, 32), "n_conv_params",
                                 "A ConvTranspose2d(c_in, c_out, k) has c_in * c_out * k * k weights and c_out biases.")
    if error:
        return wrong(error)
    return right(f"latent_dim=32 gives {n_conv_params(32):,} parameters.")


def check_denoiser_prediction(helps_at_0, helps_at_1, psnr_by_noise: dict) -> bool:
    """Exercise: predict whether the DAE's output beats its input at noise_factor 0 and 1.

    `psnr_by_noise` maps noise_factor -> (PSNR of the noisy input, PSNR of the DAE's output), in dB.
    """
    if not all(isinstance(h, bool) for h in (helps_at_0, helps_at_1)):
        return wrong(f"set helps_at_0 and helps_at_1 to True or False; got {helps_at_0!r} and {helps_at_1!r}.")
    measured = {nf: psnr_by_noise[nf][1] > psnr_by_noise[nf][0] for nf in (0.0, 1.0)}
    said = "; ".join(f"at {nf:g}: input {psnr_by_noise[nf][0]:.1f} dB, output {psnr_by_noise[nf][1]:.1f} dB"
                     for nf in (0.0, 1.0))
    misses = [f"at {nf:g} it {'helps' if helps else 'does not help'}"
              for (nf, helps), guess in zip(measured.items(), (helps_at_0, helps_at_1), strict=True) if helps != guess]
    if misses:
        return wrong(f"the run says {' and '.join(misses)} ({said}). Move the slider to both ends.")
    return right(f"{said} (a clean input's PSNR is capped at 100 dB). The DAE pays only when there is noise to remove.")
