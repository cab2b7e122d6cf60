"""Chapter 6's exercise checks: convolution and transposed-convolution sizes as formulas (building layers and
calling convolution or pooling functions refused), the parameter count, a prediction of when the denoiser
helps, an autoencoder whose code is a feature map, and the overlap count of a transposed convolution."""

import random

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import NotYet, call, measured, param_formula_error, right, seeded, tensor, verdict, whole, wrong

_CONVS = [f"conv{d}d" for d in (1, 2, 3)] + [f"conv_transpose{d}d" for d in (1, 2, 3)]
_POOLS = [f"{kind}_pool{d}d" for kind in ("max", "avg") for d in (1, 2, 3)]
LAYERS = tuple((owner, name) for owner, names in (
    (F, [*_CONVS, *_POOLS, "lp_pool1d", "lp_pool2d", "unfold", "fold", "interpolate"]),
    (torch, [*_CONVS, *_POOLS]),
    (torch._C._nn, ["avg_pool2d", "avg_pool3d", "max_pool2d_with_indices", "max_pool3d_with_indices", "im2col"]),
    (torch.Tensor, ["unfold"]), (nn.Module, ["__init__"]),  # any layer built (Conv1d, MaxPool2d, ...)
) for name in names if hasattr(owner, name))  # measuring a layer's output instead of using the formula


def _size_error(fn, cases, want, name: str, hint: str) -> str | None:
    """Why `fn` gives the wrong side for one of `cases` (want: PyTorch's sides), or None."""
    refused = f"{name} calls {{}}: it measures a layer. Write the formula with whole-number arithmetic."
    for args, side in zip(cases, want, strict=True):
        got = whole(call(fn, name, *args, refuse=LAYERS, refused=refused, on=f"for {name}{args}"),
                    f"{name}{args} returned", none=": return the side as a whole number.",
                    frac=": round down where the division does not come out even (//).")
        if got != side:
            return f"{name}{args}: got {got}, PyTorch gives {side}. {hint}"
    return None


def _conv_side(n, k, s, p) -> int:
    return F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p).shape[-1]


def _deconv_side(n, k, s, p, op) -> int:
    return F.conv_transpose2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p,
                              output_padding=op).shape[-1]


@verdict
def check_conv_out(conv_out) -> bool:
    """Exercise: the output side of a Conv2d, as a formula (fixed cases, and three drawn anew on every call)."""
    draw, cases = random.Random(), [(28, 3, 2, 1), (14, 3, 2, 1), (28, 5, 1, 0), (27, 4, 3, 2), (7, 3, 1, 1)]
    for _ in range(3):
        k = draw.randint(1, 7)
        cases.append((draw.randint(k, 64), k, draw.randint(1, 4), draw.randint(0, k // 2)))
    want = [_conv_side(*case) for case in cases]
    error = _size_error(conv_out, cases, want, "conv_out", "Pad both sides, then count the positions the kernel "
                        "fits, one step of `stride` apart (the arguments are n, kernel_size, stride, padding).")
    if error:
        return wrong(error)
    return right("matches PyTorch, including odd sizes where the division rounds down.")


@verdict
def check_deconv_out(deconv_out) -> bool:
    """Exercise: the output side of a ConvTranspose2d, as a formula (fixed cases, and three drawn anew)."""
    draw, cases = random.Random(), [(7, 3, 2, 1, 1), (7, 3, 2, 1, 0), (14, 3, 2, 1, 1), (5, 4, 2, 1, 0),
                                    (9, 5, 3, 2, 2)]
    for _ in range(3):
        k, s = draw.randint(1, 6), draw.randint(1, 4)
        cases.append((draw.randint(1, 20), k, s, draw.randint(0, (k - 1) // 2), draw.randint(0, s - 1)))
    want = [_deconv_side(*case) for case in cases]
    error = _size_error(deconv_out, cases, want, "deconv_out",
                        "It is the inverse of conv_out: (n - 1) * stride, ...")
    if error:
        return wrong(error)
    return right("matches PyTorch; output_padding picks between the sizes that a strided convolution "
                 "maps to the same n.")


@verdict
def check_n_conv_params(n_conv_params, model_class) -> bool:
    """Exercise: a formula for the parameters of the chapter's ConvAutoencoder (building it is refused)."""
    error = param_formula_error(n_conv_params, model_class, (2, 16, 32), "n_conv_params",
                                "A ConvTranspose2d(c_in, c_out, k) has c_in * c_out * k * k weights and c_out biases.")
    if error:
        return wrong(error)
    return right("it counts every ConvAutoencoder, for latent sizes fixed and drawn at random.")


def _yes_no(value):
    """True or False from a bool, NumPy's np.True_ / np.False_, or a one-element bool tensor; else None."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.dtype in (torch.bool, np.bool_):
        size = value.numel() if isinstance(value, torch.Tensor) else value.size
        return bool(value.reshape(())) if size == 1 else None
    return None


@verdict
def check_denoiser_prediction(helps_at_0, helps_at_1, psnr_by_noise: dict) -> bool:
    """Exercise: predict whether the DAE's output beats its input at noise_factor 0 and 1.

    `psnr_by_noise` maps noise_factor -> (PSNR of the noisy input, PSNR of the DAE's output), in dB.
    """
    guesses = [_yes_no(helps_at_0), _yes_no(helps_at_1)]
    if None in guesses:
        return wrong(f"set helps_at_0 and helps_at_1 to True or False; got {helps_at_0!r} and {helps_at_1!r}.")
    if not all(nf in psnr_by_noise for nf in (0.0, 1.0)):
        raise NotYet("psnr_by_noise should hold noise_factor 0 and 1: run the chapter's cells above again.")
    run = {nf: measured(*psnr_by_noise[nf], what="the run's PSNRs") for nf in (0.0, 1.0)}
    measured_help = {nf: output > noisy for nf, (noisy, output) in run.items()}
    said = "; ".join(f"at {nf:g}: input {run[nf][0]:.1f} dB, output {run[nf][1]:.1f} dB" for nf in (0.0, 1.0))
    misses = [f"at {nf:g} it {'helps' if helps else 'does not help'}"
              for (nf, helps), guess in zip(measured_help.items(), guesses, strict=True) if helps != guess]
    if misses:
        return wrong(f"the run says {' and '.join(misses)} ({said}). Move the slider to both ends.")
    return right(f"{said} (a clean input's PSNR is capped at 100 dB). The DAE pays only when there is noise to remove.")


def _moved(x, pixels):
    """The images moved `pixels` to the right, black coming in on the left (the chapter's shift)."""
    return F.pad(x, (pixels, 0))[..., :28]


@verdict
def check_fully_conv(model_class) -> bool:
    """Exercise: `model_class(channels)`, an autoencoder whose code is a feature map of `channels` x 7 x 7.

    Tried untrained with 1 and 3 channels on four images with black borders: a (1, 28, 28) output, a code of
    (channels, 7, 7), and a code that moves one unit when the digit moves 4 pixels (the effect, whatever the
    layers). The chapter's ConvAutoencoder (a flat code), a code with no positions and a code map that does not
    move with the digit are told apart."""
    if isinstance(model_class, nn.Module):
        raise NotYet("pass the class itself, FullyConvAutoencoder, not a model built from it: the check builds "
                     "its own, with 1 and with 3 channels.")
    with seeded(0):
        x = torch.zeros(4, 1, 28, 28)
        x[..., 4:24, 4:20] = torch.rand(4, 1, 20, 16)
    for channels in (1, 3):
        with seeded(1):
            model = call(model_class, "FullyConvAutoencoder", channels, on=f"for channels={channels}")
        if not (isinstance(model, nn.Module) and all(isinstance(getattr(model, part, None), nn.Module)
                                                   for part in ("encoder", "decoder"))):
            raise NotYet(f"FullyConvAutoencoder({channels}) should be an nn.Module with an encoder and a decoder, "
                         "as the chapter's models have.")
        model = model.cpu().eval()
        with torch.no_grad():
            code = call(model.encoder, "its encoder", x, on="on a batch of (4, 1, 28, 28) images")
            moved = call(model.encoder, "its encoder", _moved(x, 4), on="on moved images")
            out = call(model, "the model", x, on="on a batch of (4, 1, 28, 28) images")
        if not isinstance(code, torch.Tensor) or not isinstance(out, torch.Tensor):
            raise NotYet("the encoder and the model should each return one tensor (a code, a reconstruction).")
        if code.dim() != 4:
            return wrong(f"the code is flat, shape {tuple(code.shape)}: a Linear (or Flatten) layer gives every "
                         "position its own weights. Keep the code a feature map, (channels, 7, 7), with a "
                         "convolution (a 1 x 1 one will do) instead.")
        if tuple(code.shape[1:]) != (channels, 7, 7):
            hint = (" It has no positions left: pooling over the whole map throws away where the digit is."
                    if code.shape[-1] == 1 else "")
            return wrong(f"with channels={channels} the code of one image has shape {tuple(code.shape[1:])}; "
                         f"expected ({channels}, 7, 7): the chapter's two strided convolutions, then down to "
                         f"`channels` channels.{hint}")
        if tuple(out.shape) != (4, 1, 28, 28):
            return wrong(f"the reconstruction has shape {tuple(out.shape)}; expected (4, 1, 28, 28).")
        scale = code.abs().max().item() or 1.0
        if (moved[..., 3:-1] - code[..., 2:-2]).abs().max().item() > 1e-4 * scale:
            return wrong("the code map does not move with the digit: 4 pixels to the right should move it one "
                         "unit to the right (away from the border). Is something in the encoder tied to "
                         "positions, a weight or a bias for each place?")
    return right("the code is a (channels, 7, 7) map that moves one unit when the digit moves 4 pixels.")


@verdict
def check_contributions(contributions) -> bool:
    """Exercise: `contributions(n, kernel_size, stride, padding)` -> the (m, m) count of the input values that
    reach each output pixel of a ConvTranspose2d (no output_padding) on an n x n input, without building it.

    Tried on fixed cases (kernel 3 and 4 at stride 2, kernels larger than the stride, stride 1) and two drawn
    anew on every call; an answer that overwrites instead of adding, or leaves the padding in, is told apart."""
    draw, cases = random.Random(), [(7, 3, 2, 1), (7, 4, 2, 1), (5, 5, 3, 2), (6, 3, 1, 1), (4, 2, 2, 0)]
    for _ in range(2):
        k, s = draw.randint(2, 6), draw.randint(1, 3)
        cases.append((draw.randint(3, 9), k, s, draw.randint(0, (k - 1) // 2)))
    for n, k, s, p in cases:
        want = F.conv_transpose2d(torch.ones(1, 1, n, n, dtype=torch.float64),
                                  torch.ones(1, 1, k, k, dtype=torch.float64), stride=s, padding=p)[0, 0]
        args = f"contributions({n}, {k}, {s}, {p})"
        raw = call(contributions, "contributions", n, k, s, p, refuse=LAYERS, on=f"for {args}",
                   refused="contributions calls {}: it builds the layer. Count the contributions yourself: "
                           "each input value writes a kernel_size x kernel_size patch, stride pixels from the last.")
        if (shape := tuple(np.shape(raw.detach().cpu() if isinstance(raw, torch.Tensor) else raw))) == (
                want.shape[0] + 2 * p,) * 2 and p:
            return wrong(f"{args} is {shape[0]} x {shape[0]}: the padding crops {p} rows and columns from each "
                         f"side of the patches' union, leaving {want.shape[0]} (deconv_out's size).")
        got = tensor(raw, f"{args} returned", want, reshape=False, none=": return the table of counts.",
                     shape=f": {want.shape[0]} x {want.shape[0]}, the side deconv_out gives")
        if torch.equal(got, want):
            continue
        if torch.equal(got, (want > 0).double()):
            return wrong(f"{args}: every pixel got 1. Where patches overlap the counts add up (+=); do not "
                         "overwrite them.")
        return wrong(f"{args}: {int((got != want).sum())} of the {want.numel()} counts differ from PyTorch's. Input "
                     "value (i, j) adds 1 to the patch whose corner is (i * stride, j * stride) before the padding "
                     "is cropped.")
    return right("the counts match PyTorch's transposed convolution, for every case tried.")
