"""The losses the chapters teach, kept here for the later pages that reuse them.

Chapter 1's reconstruction losses, chapter 3's denoising loss, chapter 4's classification loss
and chapter 5's negative ELBO and importance-weighted log-likelihood: each is the same code its
chapter writes out (tests/test_config.py checks that they agree), so a model trained with it in a
chapter is found again in the cache.
"""

import math

import torch
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


@torch.no_grad()
def iw_log_likelihood(model, x, k=100):
    """Importance-weighted estimate of log p(x), in nats, for each image of
    `x`, with k codes drawn from the encoder."""
    normal = torch.distributions.Normal(0.0, 1.0)
    out = []
    # k images decoded per test image: chunks of 4 keep each tensor near 1 MB
    for xb in x.split(4):
        mu, logvar = model.encode(xb)
        std = torch.exp(0.5 * logvar)
        z = mu + std * torch.randn(k, *mu.shape, device=x.device)  # (k, B, d)
        x_hat = model.decoder(z.flatten(0, 1)).view(k, len(xb), -1)
        log_px_z = -F.binary_cross_entropy(
            x_hat, xb.flatten(1).expand(k, -1, -1), reduction="none").sum(-1)
        log_pz = normal.log_prob(z).sum(-1)
        log_qz = torch.distributions.Normal(mu, std).log_prob(z).sum(-1)
        out.append(torch.logsumexp(log_px_z + log_pz - log_qz, 0) - math.log(k))
    return torch.cat(out)

