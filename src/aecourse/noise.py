"""Corruption processes for denoising autoencoders (taught in chapter 3, reused in 4 and 6).

Each takes images in [0, 1] and returns a corrupted copy in [0, 1]; the input is never
changed in place. ``corrupt`` picks one by name and checks the level.
"""

import torch


def gaussian_noise(x, noise_factor):
    """Add Gaussian noise of standard deviation `noise_factor`, then clamp
    back to [0, 1]."""
    return (x + noise_factor * torch.randn_like(x)).clamp(0, 1)


def masking_noise(x, fraction):
    """Set a random `fraction` of the pixels to zero (the corruption of
    Vincent et al. 2008)."""
    keep = torch.rand_like(x) >= fraction
    return x * keep


def salt_and_pepper_noise(x, fraction):
    """Set a random `fraction` of the pixels to 0 or 1, half each."""
    u = torch.rand_like(x)
    x = torch.where(u < fraction / 2, 0.0, x)
    return torch.where((u >= fraction / 2) & (u < fraction), 1.0, x)


CORRUPTIONS = {"gaussian": gaussian_noise, "masking": masking_noise, "salt_and_pepper": salt_and_pepper_noise}


def corrupt(x: torch.Tensor, kind: str = "gaussian", level: float = 0.5,
            seed: int | None = None) -> torch.Tensor:
    """Corrupt images `x` with the named process at `level` (noise_factor or
    fraction).

    With `seed`, the same images get the same noise on every call (for fair
    comparisons)."""
    if kind not in CORRUPTIONS:
        raise ValueError(f"kind must be one of {', '.join(CORRUPTIONS)}; "
                         f"got {kind!r}")
    high = 3.0 if kind == "gaussian" else 1.0
    if not isinstance(level, (int, float)) or not 0 <= level <= high:
        raise ValueError(f"the {kind} level must be a number between 0 and "
                         f"{high:g}; got {level!r}")
    if seed is None:
        return CORRUPTIONS[kind](x, level)
    with torch.random.fork_rng(
            devices=[x.device] if x.device.type == "cuda" else []):
        torch.manual_seed(seed)
        return CORRUPTIONS[kind](x, level)
