"""Chapter 5's exercise checks: the KL divergence and the reparameterization trick by hand (torch.distributions
and the chapter's kl_to_prior refused), interpolation along the line and along the arc, a Gaussian for each
digit's codes, and a prediction of what input noise does to the encoder's sigma."""

import torch

from ..losses import kl_to_prior
from . import NotYet, call, close, measured, pick, reaches, right, seeded, slip, tensor, verdict, wrong

DISTRIBUTIONS = ((torch.distributions.Distribution, "__init__"), (torch.distributions, "kl_divergence"),
                 (torch.distributions.kl, "kl_divergence"))  # building any distribution, or PyTorch's KL
FORMULA = "0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2)"


def _size(value) -> int:
    try:
        return torch.as_tensor(value).numel()
    except Exception:
        return 0


@verdict
def check_kl(my_kl) -> bool:
    """Exercise: the analytic KL divergence from N(mu, exp(logvar)) to N(0, I), per row, from the formula."""
    chapter = reaches(my_kl, ("kl_to_prior", "elbo_terms", "vae_loss"))
    if chapter:
        return wrong(f"my_kl calls the chapter's {', '.join(chapter)}: that is the answer written for you. Write "
                     f"the closed form with tensor operations: {FORMULA}.")
    refused = ("my_kl calls {}: torch.distributions computes the KL for you. Write the closed form with tensor "
               f"operations: {FORMULA}.")
    with seeded(0):
        mu, logvar = torch.randn(6, 4, device="cpu"), torch.randn(6, 4, device="cpu")  # 6 rows, 4 code dimensions
    want = kl_to_prior(mu, logvar)
    raw = call(my_kl, "my_kl", mu, logvar, refuse=DISTRIBUTIONS, refused=refused)
    shape = {1: ": one value per row is wanted; you reduced over the rows too",
             4: ": that is one value per code dimension: sum over dimension 1 (the code), not 0 (the rows)",
             24: ": sum over the code dimensions (dimension 1), one value per row"}.get(_size(raw), "")
    nan = (": logvar is log sigma^2 already and can be negative: the variance is exp(logvar), and no log or "
           "square root of logvar is needed.")
    got = tensor(raw, "my_kl returned", want, none=": return one KL value per row.", nan=nan, shape=shape)
    if not close(got, want, rtol=1e-4, atol=1e-6):
        var = logvar.exp()
        return wrong(slip(got, {
            "the sign is flipped: a KL divergence is never negative.": -want,
            "twice the right value: the formula has a factor 1/2.": 2 * want,
            "you averaged over the code dimensions: sum them (one value per row).": want / 4,
            "logvar and the variance are swapped: sigma^2 is exp(logvar), log sigma^2 is logvar.":
                0.5 * (mu.pow(2) + logvar - 1 - var).sum(1),
            "that uses sigma, exp(logvar / 2), where the formula has the variance sigma^2 = exp(logvar).":
                0.5 * (mu.pow(2) + (0.5 * logvar).exp() - 1 - logvar).sum(1),
            "mu is missing: the formula has mu^2.": 0.5 * (var - 1 - logvar).sum(1),
            "the variance terms are missing: the formula has sigma^2 - 1 - log sigma^2 besides mu^2.":
                0.5 * mu.pow(2).sum(1),
        }, f"wrong values: {FORMULA}, with sigma^2 = exp(logvar) and log sigma^2 = logvar.", rtol=1e-4))
    zero = tensor(call(my_kl, "my_kl", torch.zeros_like(mu), torch.zeros_like(logvar), refuse=DISTRIBUTIONS,
                       refused=refused), "my_kl returned, at the prior,", want)
    if not close(zero, torch.zeros_like(want), atol=1e-6):
        return wrong("the KL of the prior to itself (mu = 0, logvar = 0) should be 0.")
    return right("one value per image, zero exactly at the prior.")


MU, SIGMA = (1.5, -1.0), (0.5, 2.0)  # the two code dimensions the sampler is tried on


@verdict
def check_reparameterize(sample) -> bool:
    """Exercise: z = mu + sigma * eps, differentiable in mu and logvar, without torch.distributions.

    20,000 draws of two code dimensions with their own mu and sigma: the mean and spread of each, the noise
    drawn per entry and anew per call, and the gradients, 1 for mu and exactly 0.5 * sigma * eps for logvar.
    """
    mu = torch.tensor(MU, device="cpu").repeat(20000, 1).requires_grad_()
    logvar = (2 * torch.tensor(SIGMA, device="cpu").log()).repeat(20000, 1).requires_grad_()
    refused = ("sample calls {}: a distribution's rsample() does the trick for you. Draw eps with "
               "torch.randn_like and build z from mu, logvar and eps yourself.")
    with seeded(0):
        z = call(sample, "sample", mu, logvar, refuse=DISTRIBUTIONS, refused=refused)
        z2 = call(sample, "sample", mu.detach(), logvar.detach(), refuse=DISTRIBUTIONS, refused=refused)
    nan = ": sigma is exp(logvar / 2). logvar can be negative: its square root, or its log, is nan."
    z = tensor(z, "sample returned", mu, keep_grad=True, none=": return the codes.", nan=nan)
    if not z.requires_grad:
        return wrong("no gradient reaches mu and logvar: build z from them with tensor operations "
                     "(torch.normal, or NumPy, cuts the graph).")
    call(lambda: z.sum().backward(), "sample's backward pass")
    for name, grad in (("mu", mu.grad), ("logvar", logvar.grad)):
        if grad is None or not grad.abs().sum() > 0:
            return wrong(f"the gradient does not reach {name}: build z = mu + exp(logvar / 2) * eps from both "
                         "(torch.normal, or .detach(), cuts the graph).")
    zd = z.detach()
    mean, std = zd.mean(0), zd.std(0)
    for j in (0, 1):
        said = f"in a dimension with mu = {MU[j]:g} and sigma = {SIGMA[j]:g}, the samples' "
        if std[j] < 0.01 * SIGMA[j]:
            return wrong(said + "spread is 0: every row got the same eps. Draw one per entry, torch.randn_like(mu).")
        if abs(mean[j].item() - MU[j]) > 0.05 * SIGMA[j]:
            return wrong(said + f"mean is {mean[j].item():.3f}: z should be centred on mu.")
        if close(std[j], SIGMA[j] ** 2, rtol=0.03):
            return wrong(said + f"spread is {std[j].item():.3f} = exp(logvar), the variance; the standard deviation "
                         "is exp(logvar / 2).")
        if not close(std[j], SIGMA[j], rtol=0.03):
            return wrong(said + f"spread is {std[j].item():.3f}: it should be sigma = exp(logvar / 2).")
    eps = (zd - mean) / std
    if abs((eps[:, 0] * eps[:, 1]).mean().item()) > 0.05:
        return wrong("the two code dimensions share their noise: draw eps with torch.randn_like(mu), one per entry.")
    if torch.equal(tensor(z2, "sample returned", mu), zd):
        return wrong("sample gives the same codes on every call (a fixed seed?): draw new eps each time.")
    if not close(mu.grad, torch.ones_like(mu), rtol=1e-4):
        return wrong("the gradient reaching mu should be 1 for every entry, as z = mu + sigma * eps has it.")
    if not close(logvar.grad, 0.5 * (zd - mu.detach()), rtol=1e-3, atol=1e-5):
        return wrong("the gradient reaching logvar is not that of z = mu + exp(logvar / 2) * eps: build z from "
                     "mu, logvar and one eps drawn from N(0, 1).")
    spread = ", ".join(f"{s:.3f}" for s in std.tolist())
    return right(f"means {', '.join(f'{m:.3f}' for m in mean.tolist())}, spreads {spread} (sigma "
                 f"{', '.join(f'{s:g}' for s in SIGMA)}), and gradients reach mu and logvar.")


@verdict
def check_interpolation(interpolate) -> bool:
    """Exercise: evenly spaced codes on the line from z0 to z1, ends included (tried with 5, 2 and 9 steps)."""
    pairs = ((torch.tensor([0.0, 2.0, -1.0]), torch.tensor([4.0, -2.0, 1.0])),
             (torch.tensor([1.0, 1.0, 0.5, -3.0]), torch.tensor([-1.0, 2.0, 0.5, 3.0])))
    for (z0, z1), steps in ((pairs[0], 5), (pairs[0], 2), (pairs[1], 9)):
        t = torch.linspace(0, 1, steps).unsqueeze(1)
        want = z0 + t * (z1 - z0)
        got = tensor(call(interpolate, "interpolate", z0.clone(), z1.clone(), steps),
                     f"interpolate(z0, z1, {steps}) returned", want, reshape=False,
                     none=": return a (steps, d) tensor.", shape=f": {steps} codes of {len(z0)} numbers")
        if close(got, want, rtol=1e-5, atol=1e-6):
            continue
        if close(got, want.flip(0), rtol=1e-5, atol=1e-6):
            return wrong("the codes run from z1 to z0: the first should be z0 and the last z1.")
        if not (close(got[0], z0, atol=1e-6) and close(got[-1], z1, rtol=1e-5, atol=1e-6)):
            return wrong(f"with {steps} steps, the first code should be z0 and the last z1.")
        return wrong(f"with {steps} steps, the codes should be evenly spaced along the line from z0 to z1.")
    return right("evenly spaced codes from z0 to z1, for 2, 5 and 9 steps.")


@verdict
def check_noise_prediction(prediction, under_noise: dict) -> bool:
    """Exercise: predict whether the encoder's mean sigma grows or shrinks as the input gets noisier.

    `under_noise` maps noise_factor -> (mean sigma, mean length of mu), as the chapter measured them.
    """
    prediction = pick(prediction, ("grows", "shrinks"), "sigma_prediction")
    low, high = min(under_noise), max(under_noise)
    first, last = measured(under_noise[low][0], under_noise[high][0], what="the run's mean sigmas")
    measured_trend = "grows" if last > first else "shrinks"
    said = f"mean sigma {first:.2f} at noise_factor {low:g}, {last:.2f} at {high:g}"
    if prediction != measured_trend:
        return wrong(f"the run says it {measured_trend}: {said}. Move the slider and watch its title.")
    why = (" The encoder learned its sigma on clean digits only: on noisy ones it is not a measure of how "
           "unsure it should be." if measured_trend == "shrinks" else "")
    return right(f"it {measured_trend}: {said}.{why}")


def _slerp(z0, z1, steps):
    """The reference: `steps` codes on the arc from z0 to z1 (float64)."""
    z0, z1 = z0.double(), z1.double()
    t = torch.linspace(0, 1, steps, dtype=torch.float64).unsqueeze(1)
    omega = torch.arccos((z0 @ z1 / (z0.norm() * z1.norm())).clamp(-1, 1))
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


@verdict
def check_slerp(slerp) -> bool:
    """Exercise: spherical interpolation, `steps` codes on the arc from z0 to z1, ends included.

    Tried on codes of different lengths at 90 degrees and at other angles, with 5, 2 and 9 steps; the chapter's
    straight line, the codes scaled to length 1 and the arc walked backwards are told apart."""
    pairs = ((torch.tensor([3.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])),
             (torch.tensor([1.0, 2.0, -1.0, 0.5]), torch.tensor([-2.0, 1.0, 0.5, 3.0])),
             (torch.tensor([2.0, 0.5, 1.0, -1.0, 0.0]), torch.tensor([1.0, 1.5, -0.5, 0.5, 2.0])))
    for (z0, z1), steps in zip(pairs, (5, 2, 9), strict=True):
        want = _slerp(z0, z1, steps).float()
        got = tensor(call(slerp, "slerp", z0.clone(), z1.clone(), steps), f"slerp(z0, z1, {steps}) returned",
                     want, reshape=False, none=": return a (steps, d) tensor.",
                     shape=f": {steps} codes of {len(z0)} numbers", nan=": is sin(omega) 0? The check's codes are "
                     "never parallel; look for an arccos of a number above 1 (normalise the dot product).")
        if close(got, want, rtol=1e-4, atol=1e-5):
            continue
        t = torch.linspace(0, 1, steps).unsqueeze(1)
        line = (1 - t) * z0 + t * z1
        unit = _slerp(z0 / z0.norm(), z1 / z1.norm(), steps).float()
        return wrong(slip(got, {
            "that is the straight line, the chapter's interpolate: its middle codes are shorter than both ends. "
            "The arc needs the angle omega between z0 and z1.": line,
            "the codes run from z1 to z0: the first should be z0 and the last z1.": want.flip(0),
            "your codes all have length 1: slerp turns z0 into z1 on the arc without normalising them first "
            "(the ends are z0 and z1 themselves).": unit,
            "your codes have the straight line's direction, rescaled: slerp mixes z0 and z1 with weights "
            "sin((1 - t) omega) / sin(omega) and sin(t omega) / sin(omega).":
                line / line.norm(dim=1, keepdim=True)
                * ((1 - t) * z0.norm() + t * z1.norm()),
        }, f"with {steps} steps the codes should be sin((1 - t) omega) / sin(omega) * z0 + sin(t omega) / "
           "sin(omega) * z1, t evenly spaced from 0 to 1 and omega the angle between z0 and z1 "
           "(cos omega = z0 . z1 / (|z0| |z1|)).", rtol=1e-4))
    return right("codes on the arc from z0 to z1, for 2, 5 and 9 steps; the ends are z0 and z1.")


def _class_gaussians(codes, labels):
    """The reference: each class's mean code and the covariance of its codes (float64)."""
    codes = codes.double()
    means = torch.stack([codes[labels == c].mean(0) for c in range(10)])
    covs = torch.stack([torch.cov(codes[labels == c].T) for c in range(10)])
    return means, covs


@verdict
def check_class_gaussians(class_gaussians) -> bool:
    """Exercise: `class_gaussians(codes, labels)` -> (means, covariances): for each digit 0-9, the mean of its
    codes (10, d) and the full covariance matrix of its codes (10, d, d).

    Tried on 300 codes of 4 numbers, the ten classes given different means and correlated spreads, the labels
    shuffled: the covariance of all codes, the variances alone, a covariance of the rows and the labels ignored
    are told apart. Dividing by n (NumPy's bias=True) instead of n - 1 is right too."""
    with seeded(0):
        labels = torch.randperm(300) % 10
        mix = torch.randn(10, 4, 4)  # each class its own correlated spread
        codes = 3 * torch.randn(10, 4)[labels] + (torch.randn(300, 1, 4) @ mix[labels]).squeeze(1)
    want_means, want_covs = _class_gaussians(codes, labels)
    out = call(class_gaussians, "class_gaussians", codes.clone(), labels.clone())
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise NotYet(f"class_gaussians returned {type(out).__name__}, not two things: return (means, covariances).")
    means = tensor(out[0], "the means are", want_means.float(), reshape=False, none=": return them first.",
                   shape=": one mean code per digit, (10, d)")
    covs = tensor(out[1], "the covariances are", want_covs.float(), reshape=False, none=": return them second.",
                  shape=": one d x d matrix per digit, (10, d, d) (torch.cov wants the codes as columns: codes.T)")
    if not close(means, want_means, rtol=1e-4, atol=1e-5):
        if close(means, codes.double().mean(0).expand(10, -1), rtol=1e-4, atol=1e-5):
            return wrong("every digit got the mean of all the codes: take the mean of each digit's own codes "
                         "(codes[labels == c]).")
        return wrong("the means are not those of each digit's codes: for digit c, codes[labels == c].mean(0).")
    n = torch.bincount(labels, minlength=10).double()[:, None, None]
    if close(covs, want_covs, rtol=1e-4, atol=1e-5) or close(covs, want_covs * (n - 1) / n, rtol=1e-4, atol=1e-5):
        return right("each digit's mean code and the full covariance of its codes.")
    return wrong(slip(covs, {
        "every digit got the covariance of all the codes: each digit's Gaussian has the spread of its own codes.":
            torch.cov(codes.double().T).expand(10, -1, -1),
        "those are the variances alone (a diagonal matrix): the codes' dimensions vary together, and a Gaussian "
        "that ignores it draws codes where no digit's codes lie. Keep the full matrix.":
            torch.diag_embed(torch.diagonal(want_covs, dim1=1, dim2=2)),
    }, "the covariances are not those of each digit's codes: for digit c, torch.cov(codes[labels == c].T).",
        rtol=1e-4))
