"""Chapter 6's exercise checks: convolution and transposed-convolution sizes, the parameter count."""

import torch

from . import right, wrong
from .chapter1 import _param_formula_error


def check_conv_out(conv_out) -> bool:
    """Exercise: the output side of a Conv2d."""
    for n, k, s, p in ((28, 3, 2, 1), (14, 3, 2, 1), (28, 5, 1, 0), (27, 4, 3, 2), (7, 3, 1, 1)):
        want = torch.nn.Conv2d(1, 1, k, s, p)(torch.zeros(1, 1, n, n)).shape[-1]
        got = conv_out(n, k, s, p)
        if got is None:
            return wrong("conv_out returned None: return the side as a whole number.")
        if got != want:
            return wrong(f"n={n}, kernel_size={k}, stride={s}, padding={p}: got {got}, PyTorch gives {want}. "
                         "Pad both sides, then count the positions the kernel fits, one step of `stride` apart.")
    return right("matches PyTorch, including odd sizes where the division rounds down.")


def check_deconv_out(deconv_out) -> bool:
    """Exercise: the output side of a ConvTranspose2d."""
    for n, k, s, p, op in ((7, 3, 2, 1, 1), (7, 3, 2, 1, 0), (14, 3, 2, 1, 1), (5, 4, 2, 1, 0), (9, 5, 3, 2, 2)):
        want = torch.nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op)(torch.zeros(1, 1, n, n)).shape[-1]
        got = deconv_out(n, k, s, p, op)
        if got is None:
            return wrong("deconv_out returned None: return the side as a whole number.")
        if got != want:
            return wrong(f"n={n}, kernel_size={k}, stride={s}, padding={p}, output_padding={op}: got {got}, "
                         f"PyTorch gives {want}. It is the inverse of conv_out: (n - 1) * stride, ...")
    return right("matches PyTorch; output_padding picks between the sizes that a strided convolution "
                 "maps to the same n.")


def check_n_conv_params(n_conv_params, model_class) -> bool:
    """Exercise: a formula for the parameters of the chapter's ConvAutoencoder."""
    error = _param_formula_error(n_conv_params, model_class, (2, 16, 32), "n_conv_params",
                                 "A ConvTranspose2d(c_in, c_out, k) has c_in * c_out * k * k weights and c_out biases.")
    if error:
        return wrong(error)
    return right(f"latent_dim=32 gives {n_conv_params(32):,} parameters.")
