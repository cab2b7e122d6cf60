"""Metrics: reconstruction on images in [0, 1], linear probes on codes, and chapter 8's AUROC of an anomaly
score."""

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


def linear_probe(z_train: torch.Tensor, y_train: torch.Tensor, z_test: torch.Tensor, y_test: torch.Tensor,
                 steps: int = 100, weight_decay: float = 1e-4) -> float:
    """Test accuracy of a linear classifier (softmax regression) trained on frozen codes.

    How linearly readable the digit class is from a code: the codes are standardised with
    the training codes' statistics, the classifier is fitted by full-batch L-BFGS.
    """
    z_train, z_test = z_train.detach().float().flatten(1), z_test.detach().float().flatten(1)
    mean, std = z_train.mean(0), z_train.std(0).clamp_min(1e-6)
    z_train, z_test = (z_train - mean) / std, (z_test - mean) / std
    with torch.enable_grad():
        probe = torch.nn.Linear(z_train.shape[1], int(y_train.max()) + 1).to(z_train.device)
        opt = torch.optim.LBFGS(probe.parameters(), max_iter=steps, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(probe(z_train), y_train)
            loss = loss + weight_decay * probe.weight.pow(2).sum()
            loss.backward()
            return loss

        opt.step(closure)
    with torch.no_grad():
        return (probe(z_test).argmax(1) == y_test).float().mean().item()


def balanced_subset(y: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    """Indices of `n` labelled examples, n // 10 of each of the ten classes in `y`, drawn with `seed`.

    Drawn on the CPU, so the same labels are picked on every device; returned on `y`'s device.
    """
    if n < 10 or n % 10:
        raise ValueError(f"n must be a positive multiple of 10 (the same number per digit); got {n}")
    g = torch.Generator(device="cpu").manual_seed(seed)
    labels = y.cpu()
    picks = [torch.nonzero(labels == c).flatten() for c in range(10)]
    return torch.cat([p[torch.randperm(len(p), generator=g, device="cpu")[: n // 10]] for p in picks]).to(y.device)


def auroc(normal, anomalous):
    """The probability that a random anomaly scores above a random normal
    input (a tie counts half): the area under the ROC curve."""
    above = (anomalous[:, None] > normal[None, :]).float().mean()
    ties = (anomalous[:, None] == normal[None, :]).float().mean()
    return (above + ties / 2).item()
