"""Classical baselines the autoencoders are measured against."""

import torch
import torch.nn.functional as F

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


def median_filter(x: torch.Tensor, size: int = 3) -> torch.Tensor:
    """Replace each pixel by the median of its `size` x `size` neighbourhood (edges reflected).

    The classical denoiser: no training, good against isolated outliers (salt and pepper),
    weaker against dense Gaussian noise. Works on a whole batch at once.
    """
    if size < 1 or size % 2 == 0:
        raise ValueError(f"the median filter needs an odd size of at least 1; got {size}")
    pad = size // 2
    out = []
    for chunk in as_float(x).split(1000):  # the patches take size**2 times the memory of the images
        padded = F.pad(chunk, (pad, pad, pad, pad), mode="reflect") if pad else chunk
        patches = padded.unfold(2, size, 1).unfold(3, size, 1)  # (N, C, H, W, size, size)
        out.append(patches.flatten(-2).median(-1).values)
    return torch.cat(out)
