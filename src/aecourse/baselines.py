"""Classical baselines the autoencoders are measured against."""

import torch

from .data import as_float


class PCA:
    """Principal component analysis with k components: the best *linear* code of size k.

    ``encode`` projects centred images on the top-k principal directions (from an SVD of the
    training images); ``decode`` maps the k coordinates back to pixels.
    """

    def __init__(self, k: int):
        if k < 1:
            raise ValueError(f"PCA needs at least one component; got k={k}")
        self.k = k

    def fit(self, x: torch.Tensor) -> "PCA":
        x = as_float(x).flatten(1)
        self.mean = x.mean(0)
        # rows of vh are the principal directions, sorted by explained variance
        _, _, vh = torch.linalg.svd(x - self.mean, full_matrices=False)
        self.components = vh[: self.k]
        return self

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        x = as_float(x).flatten(1)
        return (x - self.mean) @ self.components.T

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (z @ self.components + self.mean).clamp(0, 1).reshape(-1, 1, 28, 28)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
