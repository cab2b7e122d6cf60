"""Chapter 3's exercise checks: masking noise, the denoising loss, PSNR, noise transfer, a prediction, and noise
of a level drawn anew for every image."""

import math

import torch
import torch.nn.functional as F

from ..metrics import mse, psnr
from ..noise import corrupt
from ..train import predict
from . import NotYet, Spy, call, close, measured, number, off, reaches, right, seeded, slip, tensor, verdict, wrong


@verdict
def check_masking(mask) -> bool:
    """Exercise: masking noise that zeroes a random fraction of the pixels (not through the chapter's own).

    Besides the share zeroed (at two fractions, and at 0 and 1), the pixels to zero must be drawn one by one:
    not one mask for the whole batch, not in rows or columns, and anew on every call (no fixed seed).
    """
    if used := reaches(mask, {"masking_noise", "corrupt"}):
        return wrong(f"mask calls the chapter's {', '.join(used)}: write the masking yourself (torch.rand_like).")
    with seeded(0):
        x = torch.rand(64, 1, 28, 28, device="cpu") * 0.9 + 0.1  # no pixel is 0 before masking
        before = x.clone()

        def run(fraction):
            got = call(mask, "mask", x, fraction)
            if not torch.equal(x, before):
                raise NotYet("mask changed its input in place: the clean image is still needed as the target.")
            return tensor(got, "mask returned", x, none=": return the masked images.")

        outs = {f: run(f) for f in (0.3, 0.7)}
        again, none, every = run(0.3), run(0.0), run(1.0)
    for out in outs.values():
        zeroed = out == 0
        if not close(out[~zeroed], x[~zeroed], rtol=1e-6):
            return wrong("the pixels you keep should stay exactly as they were (no scaling, no noise).")
    z, z2 = (outs[0.3] == 0).flatten(1).double(), (again == 0).flatten(1).double()
    both = z.mean() ** 2 + 0.02  # how often two pixels drawn independently are both zeroed, and some slack
    if (z[:-1] * z[1:]).mean() > both:
        return wrong("the same pixels are zeroed in every image: draw the mask for each pixel of each image "
                     "(torch.rand_like(x)), not one for the whole batch.")
    if max((z[:, :-1] * z[:, 1:]).mean(), (z[:, :-28] * z[:, 28:]).mean()) > both:
        return wrong("the zeroed pixels come in rows or columns: draw one random number per pixel.")
    if (z * z2).mean() > both:
        return wrong("mask zeroes the same pixels on every call (a fixed seed?): draw new noise each time, or the "
                     "model learns to fill in one pattern.")
    for f, out in outs.items():
        share = (out == 0).float().mean().item()
        if abs(share - f) > 0.01:
            flip = " (that is 1 - fraction: the comparison is the wrong way round)" if abs(share + f - 1) < 0.01 else ""
            return wrong(f"with fraction {f} you zeroed {share:.1%} of the pixels; expected about {f:.0%}{flip}.")
    if (none != x).float().mean() > 1e-4 or every.abs().sum() != 0:
        return wrong("fraction 0 should change nothing and fraction 1 should zero everything.")
    share = (outs[0.3] == 0).float().mean().item()
    return right(f"{share:.1%} of the pixels zeroed for fraction 0.3, drawn anew for every pixel, image and call; "
                 "the rest untouched.")


@verdict
def check_dae_loss(loss_fn) -> bool:
    """Exercise: a denoising loss (salt and pepper at 0.2): corrupt the input, compare with the clean image."""
    with seeded(0):
        x = torch.rand(32, 1, 28, 28, device="cpu").round() * 0.9 + 0.05  # pixels near 0 or 1, never 0 or 1
        spy, spy2 = Spy(), Spy()
        loss = call(loss_fn, "sp_loss", spy, x)
        call(loss_fn, "sp_loss", spy2, x)
    def corrupted(seen):  # the images the model was given that are not x, shaped like x
        return [s for s in (s.reshape(x.shape).to(x.dtype) for s in seen if s.numel() == x.numel())
                if not torch.equal(s, x)]

    noisy = corrupted(spy.seen)
    if not spy.seen or not noisy:
        return wrong("the model was never given the corrupted images: corrupt x first, then reconstruct."
                     if spy.seen else "the loss should call the model (on the corrupted images).")
    seen = tensor(noisy[-1], "the model was given", x)
    changed = seen != x
    share = changed.float().mean().item()
    if not ((seen == 0) | (seen == 1))[changed].all():
        return wrong("pixels were changed to values other than 0 and 1: use salt-and-pepper noise at fraction 0.2 "
                     "(corrupt(x, \"salt_and_pepper\", 0.2)).")
    if abs(share - 0.2) > 0.015:
        return wrong(f"{share:.0%} of the pixels were changed; salt and pepper at fraction 0.2 changes 20%.")
    salt = (seen[changed] == 1).float().mean().item()
    if abs(salt - 0.5) > 0.05:
        kind = {0: "all set to 0 (pepper only: that is masking noise)", 1: "all set to 1 (salt only)"}.get(
            round(salt, 1), f"{salt:.0%} set to 1")
        return wrong(f"the changed pixels were {kind}: salt and pepper sets half of them to 1, half to 0.")
    seen2 = corrupted(spy2.seen)
    if seen2 and seen2[-1].shape == seen.shape and torch.equal(seen2[-1], seen):
        return wrong("the noise is the same on every call (a fixed seed?): draw new noise each time, or the model "
                     "learns to undo one pattern.")
    value = number(loss, "sp_loss returned", none=": return the loss (a scalar tensor).", many=" (the mean loss)")
    if not (isinstance(loss, torch.Tensor) and loss.requires_grad):
        return wrong("sp_loss returned a number without a gradient: return the loss tensor itself (no .item(), "
                     "no NumPy), since training differentiates it.")
    with torch.no_grad():
        out = torch.sigmoid(spy.w * (seen - 0.5) * 6)
        clean = F.binary_cross_entropy(out, x).item()
        slips = {"the loss compares the output with the NOISY input: the model then learns to reproduce noise. "
                 "Compare with the clean x.": F.binary_cross_entropy(out, seen).item(),
                 "that is the MSE: the denoising loss is the BCE of the output against the clean x.":
                     F.mse_loss(out, x).item(),
                 "the arguments are swapped: F.binary_cross_entropy(output, target), the clean x as target.":
                     F.binary_cross_entropy(x, out).item(),
                 "the loss is summed, not averaged: take the mean, as F.binary_cross_entropy does.": clean * x.numel()}
    if not close(value, clean, rtol=1e-4):
        return wrong(slip(value, slips, f"the loss is {off(value, clean)} the BCE of the output against the clean "
                          "images: F.binary_cross_entropy(model(noisy), x)."))
    return right("the model sees corrupted images and the loss compares its output with the clean ones.")


def _psnr_slip(got: float, x_hat, x, want: float) -> str:
    err = (x_hat - x).pow(2).flatten(1).mean(1)
    slips = {"that is the PSNR of the mean MSE: average the PSNRs of the images.": -10 * err.mean().log10().item(),
             "twice the right value: 10 log10(1 / MSE), or 20 log10(1 / RMSE), not 20 log10(1 / MSE).": 2 * want,
             "half the right value: 10 log10(1 / MSE) with the MSE, not its root.": want / 2,
             "you summed the images' PSNRs: take their mean.": len(x) * want,
             "the sign is flipped: 10 log10(1 / MSE), not 10 log10(MSE).": -want,
             "that is the natural log: PSNR uses log10.": want * math.log(10),
             "the error is averaged over the wrong axis: one MSE per image (over its pixels), then the mean of "
             "the PSNRs.": (-10 * (x_hat - x).pow(2).mean(0).log10()).mean().item()}
    return slip(got, slips, f"got {got:.3f} dB, {off(got, want)} the right value: 10 log10(1 / MSE) per image, "
                "then the mean.")


@verdict
def check_psnr(my_psnr) -> bool:
    """Exercise: PSNR per image in dB, averaged over the images, by hand (images drawn anew on every call)."""
    if used := reaches(my_psnr, {"psnr", "mse", "mse_per_image"}):
        return wrong(f"my_psnr calls the package's {', '.join(used)}: compute the error of each image yourself.")
    with seeded():
        for n, top in ((16, 0.4), (8, 0.1)):
            x = torch.rand(n, 1, 28, 28, device="cpu")
            x_hat = (x + torch.randn_like(x) * torch.linspace(0.02, top, n, device="cpu").view(-1, 1, 1, 1)).clamp(0, 1)
            got = number(call(my_psnr, "my_psnr", x_hat, x), "my_psnr returned",
                         none=": return the mean PSNR as a number.", many=" (the mean over the images)")
            want = psnr(x_hat, x)
            if not close(got, want, rtol=1e-4):
                return wrong(_psnr_slip(got, x_hat, x, want))
    return right(f"my_psnr gives what the package's psnr does, on two sets of noisy images ({got:.2f} dB).")


@verdict
def check_transfer(mse_on, model, x_test, run_gaussian: float, masking_dae: float) -> bool:
    """Exercise: the DAE trained on Gaussian noise, tested on masking noise, measured as the chapter measures."""
    run, other = measured(run_gaussian, masking_dae, what="the chapter's table entries")

    def ask(m, kind, level):
        return number(call(mse_on, "mse_on", m, kind, level), f"mse_on(model, {kind!r}, {level}) returned",
                      none=": return the MSE as a number.")

    got = ask(model, "gaussian", 0.5)
    if not close(got, run, rtol=1e-4):
        noisy = corrupt(x_test, "gaussian", 0.5, seed=1)
        if close(got, mse(predict(model, noisy), noisy), rtol=1e-4):
            return wrong("mse_on compares the output with the NOISY images: compare it with the clean x_test.")
        return wrong(f"on Gaussian noise 0.5 your mse_on gives {got:.5f}, the chapter's table {run:.5f}: corrupt "
                     "x_test with seed=1 (the chapter's draw) and compare the output with the CLEAN images.")
    stand_in, transfer = Spy().to(x_test.device), got
    for m, kind, level, hint in ((model, "masking", 0.5, "corrupt with the kind you are given"),
                                 (model, "masking", 0.25, "corrupt at the level you are given"),
                                 (stand_in, "gaussian", 0.5, "use the model you are given")):
        want = mse(predict(m, corrupt(x_test, kind, level, seed=1)), x_test)
        value = ask(m, kind, level)
        if not close(value, want, rtol=1e-4):
            who = "a stand-in model" if m is stand_in else "the DAE"
            return wrong(f"with {who} on {kind} noise {level} you get {value:.5f}, expected {want:.5f}: {hint}.")
        transfer = value if m is model and level == 0.5 else transfer
    return right(f"the DAE trained on Gaussian noise has MSE {transfer:.4f} on masking noise 0.5, "
                 f"{transfer / other:.1f} times the {other:.4f} of the DAE trained on masking noise.")


@verdict
def check_prediction(my_guess, errors: dict) -> bool:
    """Exercise: predict which training noise_factor denoises the heaviest test noise best.

    `errors`: training level -> the run's MSE on that test noise.
    """
    levels = list(errors)
    try:
        guess = number(my_guess, "my_guess is")
    except NotYet as err:
        raise NotYet(f"{err} Write one of the training levels {levels}.") from None
    match = [s for s in levels if close(guess, s, atol=1e-9)]
    if not match:
        return wrong(f"my_guess should be one of the training levels {levels}; got {my_guess!r}.")
    measured(*errors.values(), what="the run's errors")
    best = min(errors, key=errors.get)
    said = ", ".join(f"{s}: {e:.4f}" for s, e in errors.items())
    if match[0] != best:
        return wrong(f"this run measured (training noise_factor: MSE) {said}; the best is {best}, not "
                     f"{match[0]}. Move the slider to {match[0]} and to {best} and compare the bottom rows.")
    return right(f"training at {best} gives the smallest error on the heaviest test noise ({said}).")


@verdict
def check_random_level(random_level_noise) -> bool:
    """Exercise: Gaussian noise whose standard deviation is drawn anew for every image, uniformly between 0 and
    `max_level`, then clamped to [0, 1].

    Tried on 500 grey images (0.5 everywhere) with max_level 0.2, where the clamp hardly acts, so that each
    image's level shows as the spread of its pixels, and on black and white images, where the clamp must hold.
    One level for the whole batch or for every pixel, the argument ignored, levels that are not uniform, noise
    that is not Gaussian, the same draw on every call and a changed input are told apart."""
    x = torch.full((500, 1, 28, 28), 0.5)
    outs = []
    for seed in (0, 1):
        with seeded(seed):
            given = x.clone()
            outs.append(tensor(call(random_level_noise, "random_level_noise", given, 0.2),
                               "random_level_noise(x, 0.2) returned", x, none=": return the noisy images."))
        if not torch.equal(given, x):
            return wrong("random_level_noise changed the images it was given: return a new tensor (no add_ or "
                         "clamp_ on x), so that the clean images are still there for the loss.")
    if torch.equal(*outs):
        return wrong("two calls gave the same noise: draw new levels and new noise on every call (no fixed seed).")
    spread = (outs[0] - 0.5).flatten(1).std(1)  # each image's noise level, as measured
    if spread.std() < 0.01:
        return wrong(f"every image got the same spread of noise ({spread.mean():.3f}): draw one level per image, "
                     "shaped (B, 1, 1, 1) so that it applies to all of its pixels (one level for the batch, or one "
                     "per pixel, gives every image the same spread).")
    if abs(spread.mean() - 0.1) > 0.012:
        return wrong(f"with max_level 0.2 the images' levels average {spread.mean():.3f}; drawn uniformly between 0 "
                     "and max_level they average 0.1. Scale the draw by the max_level you are given.")
    quantiles = 0.2 * (torch.arange(500) + 0.5) / 500
    if (spread.sort().values - quantiles).abs().max() > 0.03:
        return wrong("the levels are not spread evenly between 0 and max_level: draw them with torch.rand "
                     "(uniform on [0, 1)), times max_level.")
    wide = spread > 0.05
    z = (outs[0] - 0.5).flatten(1)[wide] / spread[wide, None]
    if abs(z.pow(4).mean() - 3) > 0.3:  # a Gaussian's fourth moment is 3 (a uniform's 1.8)
        return wrong("within an image the noise is not Gaussian: draw it with torch.randn_like(x), times the "
                     "image's level.")
    ends = torch.cat([torch.zeros(50, 1, 28, 28), torch.ones(50, 1, 28, 28)])
    with seeded(2):
        out = tensor(call(random_level_noise, "random_level_noise", ends.clone(), 1.0),
                     "random_level_noise(x, 1.0) returned", ends)
    if out.min() < 0 or out.max() > 1:
        return wrong(f"on black and white images the values run from {out.min():.2f} to {out.max():.2f}: clamp "
                     "them to [0, 1], as the chapter's Gaussian noise does.")
    return right(f"one level per image, uniform between 0 and max_level (measured from 0.2: mean "
                 f"{spread.mean():.3f}, from {spread.min():.3f} to {spread.max():.3f}), Gaussian, clamped.")
