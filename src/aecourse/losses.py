"""The losses the chapters teach, kept here for the later pages that reuse them.

Chapter 1's reconstruction losses, chapter 3's denoising loss, chapter 4's classification loss
and chapter 5's negative ELBO: each is the same code its chapter writes out (tests/test_config.py
checks that they agree), so a model trained with it in a chapter is found again in the cache.
"""

import torch.nn.functional as F

from .noise import corrupt


def bce_loss(model, x):
    return F.binary_cross_entropy(model(x), x)  # the target is the input itself


def mse_loss(model, x):
    return F.mse_loss(model(x), x)


def dae_loss(model, x, kind="gaussian", level=0.5):
    x_noisy = corrupt(x, kind, level)  # new noise on every call
    # the target is the CLEAN image
    return F.binary_cross_entropy(model(x_noisy), x)


def ce_loss(model, x, y):
    return F.cross_entropy(model(x), y)


def kl_to_prior(mu, logvar):
    """Per image, in nats: the KL divergence from N(mu, diag exp(logvar)) to
    N(0, I), in closed form."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)


def elbo_terms(model, x):
    """Per image, in nats: the reconstruction term -log p(x|z) (one sample of
    z) and the KL term."""
    x_hat, mu, logvar = model(x)
    reconstruction = F.binary_cross_entropy(
        x_hat, x, reduction="none").flatten(1).sum(1)
    return reconstruction, kl_to_prior(mu, logvar)


def vae_loss(model, x, beta=1.0):
    reconstruction, kl = elbo_terms(model, x)
    # the negative ELBO (beta = 1), averaged over the batch
    return (reconstruction + beta * kl).mean()
