"""Models taught in one chapter and reused in later ones.

Each class here is the same code its chapter writes inline (a test checks they agree),
so a later chapter can import it instead of pasting it again.
"""

import torch
from torch import nn


# Chapter 1: the autoencoder.
class Autoencoder(nn.Module):
    """An MLP autoencoder: 784 -> 256 -> 64 -> latent_dim -> 64 -> 256 -> 784."""

    def __init__(self, latent_dim: int = 32):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            nn.Flatten(),                      # (B, 1, 28, 28) -> (B, 784)
            nn.Linear(784, 256), nn.ReLU(),
            nn.Linear(256, 64), nn.ReLU(),
            nn.Linear(64, latent_dim),         # the code: no activation, any real value
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 64), nn.ReLU(),
            nn.Linear(64, 256), nn.ReLU(),
            nn.Linear(256, 784), nn.Sigmoid(),  # pixel intensities in (0, 1)
            nn.Unflatten(1, (1, 28, 28)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))
