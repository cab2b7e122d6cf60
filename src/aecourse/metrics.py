"""Reconstruction metrics on images in [0, 1]."""

import torch


def mse_per_image(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Mean squared error of each image: shape (N,)."""
    if x_hat.shape != x.shape:
        raise ValueError(f"shapes differ: {tuple(x_hat.shape)} vs {tuple(x.shape)}")
    return (x_hat - x).pow(2).flatten(1).mean(1)


def mse(x_hat: torch.Tensor, x: torch.Tensor) -> float:
    """Mean squared error over all images and pixels."""
    return mse_per_image(x_hat, x).mean().item()


def psnr(x_hat: torch.Tensor, x: torch.Tensor, max_value: float = 1.0) -> float:
    """Mean peak signal-to-noise ratio in dB (per image, then averaged). Higher is better."""
    err = mse_per_image(x_hat, x).clamp_min(1e-10)
    return (10 * torch.log10(max_value ** 2 / err)).mean().item()
