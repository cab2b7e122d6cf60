"""Models taught in one chapter and reused in later ones (and on the closing page).

Each class here is the same code its chapter writes inline (a test checks they agree),
so a later chapter can import it instead of pasting it again.
"""

import torch
from torch import nn

from .data import as_float


# Chapter 1: the autoencoder.
class Autoencoder(nn.Module):
    """An MLP autoencoder: 784 -> 256 -> 64 -> latent_dim -> 64 -> 256 ->
    784."""

    def __init__(self, latent_dim: int = 32):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            nn.Flatten(),                      # (B, 1, 28, 28) -> (B, 784)
            nn.Linear(784, 256), nn.ReLU(),
            nn.Linear(256, 64), nn.ReLU(),
            # the code: no activation, any real value
            nn.Linear(64, latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 64), nn.ReLU(),
            nn.Linear(64, 256), nn.ReLU(),
            nn.Linear(256, 784), nn.Sigmoid(),  # pixel intensities in (0, 1)
            nn.Unflatten(1, (1, 28, 28)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


# Chapter 2: the stacked autoencoder.
class Layer(nn.Module):
    """One shallow autoencoder of a stack: n_in -> n_out -> n_in, rebuilding
    values in [0, 1]."""

    def __init__(self, n_in: int, n_out: int, code=nn.Sigmoid):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_in, n_out), code())
        self.decoder = nn.Sequential(nn.Linear(n_out, n_in), nn.Sigmoid())

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(h))


def new_layers(sizes):
    """Untrained layers for sizes = [784, n_1, ..., latent_dim]: sigmoid
    codes, a linear top code."""
    top = len(sizes) - 1
    return [Layer(n_in, n_out, code=nn.Identity if k == top else nn.Sigmoid)
            for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1)]


class StackedAutoencoder(nn.Module):
    """The pretrained layers stacked: encoders bottom-up, decoders top-down."""

    def __init__(self, layers):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Flatten(), *[layer.encoder for layer in layers])
        self.decoder = nn.Sequential(
            *[layer.decoder for layer in reversed(layers)],
            nn.Unflatten(1, (1, 28, 28)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


# Chapter 3: the denoising autoencoder.
class DenoisingAutoencoder(nn.Module):
    """A wider MLP autoencoder for denoising: 784 -> 512 -> latent_dim -> 512
    -> 784."""

    def __init__(self, latent_dim: int = 128):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 512), nn.ReLU(),
            nn.Linear(512, latent_dim), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 512), nn.ReLU(),
            nn.Linear(512, 784), nn.Sigmoid(),
            nn.Unflatten(1, (1, 28, 28)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


# Chapter 5: the variational autoencoder.
class VAE(nn.Module):
    """784 -> 400 -> (mu, log-variance) of a latent_dim normal; z -> 400 ->
    784."""

    def __init__(self, latent_dim: int = 20):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, 400),
                                     nn.ReLU())
        self.mu = nn.Linear(400, latent_dim)
        # log sigma^2: any real number, so sigma > 0
        self.logvar = nn.Linear(400, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 400), nn.ReLU(),
                                     nn.Linear(400, 784), nn.Sigmoid(),
                                     nn.Unflatten(1, (1, 28, 28)))

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def forward(self, x):
        mu, logvar = self.encode(x)
        # the reparameterisation trick
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decoder(z), mu, logvar


# Chapter 6: the convolutional autoencoder.
class ConvAutoencoder(nn.Module):
    """(1, 28, 28) -> 16 x 14 x 14 -> 32 x 7 x 7 -> latent_dim -> 32 x 7 x 7
    -> 16 x 14 x 14 -> (1, 28, 28)."""

    def __init__(self, latent_dim: int = 32):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            # 28 -> 14
            nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            # 14 -> 7
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 32 * 7 * 7), nn.ReLU(),
            nn.Unflatten(1, (32, 7, 7)),
            # 7 -> 14
            nn.ConvTranspose2d(32, 16, kernel_size=3, stride=2, padding=1,
                               output_padding=1), nn.ReLU(),
            # 14 -> 28
            nn.ConvTranspose2d(16, 1, kernel_size=3, stride=2, padding=1,
                               output_padding=1), nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


# Chapter 7: the sparse autoencoder.
class TopK(nn.Module):
    """Keep the k largest values of each code, set the others to 0."""

    def __init__(self, k: int):
        super().__init__()
        self.k = k

    def extra_repr(self) -> str:
        return f"k={self.k}"

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        top = z.topk(self.k, dim=1)
        return torch.zeros_like(z).scatter(1, top.indices, top.values)


class SparseAutoencoder(nn.Module):
    """784 -> latent_dim code units, most of them 0 -> 784 through a linear
    decoder: an image is rebuilt as the decoder's bias plus a weighted sum of
    a few of its columns."""

    def __init__(self, latent_dim: int = 1024, k: int | None = None,
                 code=nn.ReLU):
        super().__init__()
        self.latent_dim = latent_dim
        top_k = [TopK(k)] if k else []  # without k: a penalty keeps it sparse
        self.encoder = nn.Sequential(
            nn.Flatten(), nn.Linear(784, latent_dim), code(), *top_k)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 784),  # no activation: a sum of features
            nn.Unflatten(1, (1, 28, 28)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def centred_start(model: SparseAutoencoder,
                  x: torch.Tensor) -> SparseAutoencoder:
    """A tied start centred on the mean image of `x`: each unit's encoder
    weights start as its own decoder column (Gao et al. 2024), its bias so
    that it answers the mean image with 0, and the decoder's bias at the mean
    image; the mean image, which every digit contains, then favours no unit."""
    mean = as_float(x).flatten(1).mean(0)
    with torch.no_grad():
        model.encoder[1].weight.copy_(model.decoder[0].weight.T)
        model.encoder[1].bias.copy_(-model.encoder[1].weight @ mean)
        model.decoder[0].bias.copy_(mean)
    return model
