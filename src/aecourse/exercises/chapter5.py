"""Chapter 5's exercise checks: the KL divergence and the reparameterization trick by hand (torch.distributions
and the chapter's kl_to_prior refused), interpolation, and a prediction of what input noise does to the
encoder's sigma."""

import math

import torch

from ..losses import kl_to_prior
from . import Forbidden, forbid, reaches, right, wrong

DISTRIBUTIONS = ((torch.distributions.Distribution, "__init__"), (torch.distributions, "kl_divergence"),
                 (torch.distributions.kl, "kl_divergence"))  # building any distribution, or PyTorch's KL


def _by_hand(fn, *args):
    """fn(*args) with torch.distributions refused; (result, None) or (None, what it called)."""
    try:
        with forbid(*DISTRIBUTIONS):
            return fn(*args), None
    except Forbidden as err:
        return None, str(err)


def check_kl(my_kl) -> bool:
    """Exercise: the analytic KL divergence from N(mu, exp(logvar)) to N(0, I), per row, from the formula."""
    torch.manual_seed(0)
    mu, logvar = torch.randn(6, 4, device="cpu"), torch.randn(6, 4, device="cpu")
    want = kl_to_prior(mu, logvar)
    chapter = reaches(my_kl, ("kl_to_prior", "elbo_terms", "vae_loss"))
    if chapter:
        return wrong(f"my_kl calls the chapter's {', '.join(chapter)}: that is the answer written for you. Write "
                     "the closed form with tensor operations: 0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2).")
    got, called = _by_hand(my_kl, mu, logvar)
    if called:
        return wrong(f"my_kl calls {called}: torch.distributions computes the KL for you. Write the closed "
                     "form with tensor operations: 0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2).")
    if got is None:
        return wrong("my_kl returned None: return one KL value per row.")
    got = torch.as_tensor(got)
    if got.numel() == 1:
        return wrong("one value per row is wanted (shape (6,)); you reduced over the rows too.")
    if got.shape != want.shape:
        return wrong(f"expected shape {tuple(want.shape)}; got {tuple(got.shape)}: sum over dimension 1.")
    if torch.allclose(got, -want, atol=1e-5):
        return wrong("the sign is flipped: a KL divergence is never negative.")
    if torch.allclose(got, 2 * want, atol=1e-5):
        return wrong("twice the right value: the formula has a factor 1/2.")
    if not torch.allclose(got, want, atol=1e-5):
        return wrong("wrong values: 0.5 * sum(mu^2 + exp(logvar) - 1 - logvar). logvar is log sigma^2.")
    if not torch.allclose(my_kl(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(2)):
        return wrong("the KL of the prior to itself (mu = 0, logvar = 0) should be 0.")
    return right("one value per image, zero exactly at the prior.")


def check_reparameterize(sample) -> bool:
    """Exercise: z = mu + sigma * eps, differentiable in mu and logvar, without torch.distributions."""
    mu = torch.full((20000, 2), 1.5, requires_grad=True)
    logvar = torch.full((20000, 2), math.log(0.25), requires_grad=True)  # sigma = 0.5
    z, called = _by_hand(sample, mu, logvar)
    if called:
        return wrong(f"sample calls {called}: a distribution's rsample() does the trick for you. Draw eps "
                     "with torch.randn_like and build z from mu, logvar and eps yourself.")
    if z is None:
        return wrong("sample returned None: return the codes.")
    if not z.requires_grad:
        return wrong("no gradient reaches mu and logvar: build z from them with tensor operations "
                     "(torch.normal cuts the graph).")
    z.sum().backward()
    if mu.grad is None or logvar.grad is None or logvar.grad.abs().sum() == 0:
        return wrong("the gradient should reach both mu and logvar.")
    mean, std = z.mean().item(), z.std().item()
    if abs(mean - 1.5) > 0.02:
        return wrong(f"the samples' mean is {mean:.3f}, expected mu = 1.5.")
    if abs(std - 0.25) < 0.02:
        return wrong("the spread is 0.25 = exp(logvar), the variance; the standard deviation is exp(logvar / 2).")
    if abs(std - 0.5) > 0.02:
        return wrong(f"the samples' spread is {std:.3f}, expected sigma = 0.5.")
    return right(f"mean {mean:.3f}, spread {std:.3f}, and gradients reach mu and logvar.")


def check_interpolation(interpolate) -> bool:
    """Exercise: evenly spaced codes on the line from z0 to z1, ends included."""
    z0, z1 = torch.tensor([0.0, 2.0, -1.0]), torch.tensor([4.0, -2.0, 1.0])
    got = interpolate(z0, z1, 5)
    if got is None:
        return wrong("interpolate returned None: return a (steps, d) tensor.")
    got = torch.as_tensor(got, dtype=torch.float32)
    if tuple(got.shape) != (5, 3):
        return wrong(f"expected shape (5, 3); got {tuple(got.shape)}.")
    if not (torch.allclose(got[0], z0) and torch.allclose(got[-1], z1)):
        return wrong("the first code should be z0 and the last z1.")
    steps = got[1:] - got[:-1]
    if not torch.allclose(steps, steps[0].expand_as(steps), atol=1e-5):
        return wrong("the codes should be evenly spaced along the line.")
    return right("5 evenly spaced codes from z0 to z1.")


def check_noise_prediction(prediction, under_noise: dict) -> bool:
    """Exercise: predict whether the encoder's mean sigma grows or shrinks as the input gets noisier.

    `under_noise` maps noise_factor -> (mean sigma, mean length of mu), as the chapter measured them.
    """
    if prediction not in ("grows", "shrinks"):
        return wrong(f'write "grows" or "shrinks"; got {prediction!r}.')
    low, high = min(under_noise), max(under_noise)
    first, last = under_noise[low][0], under_noise[high][0]
    measured = "grows" if last > first else "shrinks"
    said = f"mean sigma {first:.2f} at noise_factor {low:g}, {last:.2f} at {high:g}"
    if prediction != measured:
        return wrong(f"the run says it {measured}: {said}. Move the slider and watch its title.")
    why = (" The encoder learned its sigma on clean digits only: on noisy ones it is not a measure of how "
           "unsure it should be." if measured == "shrinks" else "")
    return right(f"it {measured}: {said}.{why}")
