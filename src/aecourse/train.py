"""The training loop every chapter shares, as chapter 1 writes it out: shuffled index batches, Adam, a
progress bar, a loss history."""

from collections.abc import Callable

import torch

from .data import as_float
from .progress import progress as progress_bar


def batches(n: int, batch_size: int, shuffle: bool = True, device: torch.device | str = "cpu",
            generator: torch.Generator | None = None, drop_last: bool = False):
    """Yield index tensors that cover range(n) once, in batches.

    With `drop_last`, a final batch smaller than `batch_size` is left out: in training, a
    ragged batch of a few images would get a full optimiser step on a noisy average. The
    order is shuffled every epoch, so a different few images sit out each time.
    """
    order = torch.randperm(n, device=device, generator=generator) if shuffle else torch.arange(n, device=device)
    stop = n - n % batch_size if drop_last and n > batch_size else n
    for start in range(0, stop, batch_size):
        yield order[start:start + batch_size]


def adam(model: torch.nn.Module, lr: float = 1e-3) -> torch.optim.Adam:
    """Adam, in its fused form (one kernel for all parameters) where the device supports it."""
    params = list(model.parameters())
    try:
        return torch.optim.Adam(params, lr=lr, fused=True)  # ~25% faster a step for chapter 1's MLP on a CPU
    except (RuntimeError, TypeError):
        return torch.optim.Adam(params, lr=lr)


def fit(model: torch.nn.Module, loss_fn: Callable, *tensors: torch.Tensor, epochs: int, batch_size: int = 128,
        lr: float = 1e-3, optimizer: torch.optim.Optimizer | None = None, desc: str = "train",
        progress: bool = True) -> list[float]:
    """Train `model` and return the mean loss of each epoch.

    `tensors` are aligned data tensors on the model's device (images first; uint8 images are
    turned into floats in [0, 1] batch by batch). For each batch, ``loss_fn(model, *batch)``
    returns the scalar loss to minimise: the chapter writes that function, this loop only
    runs it. Every step sees a full batch: the ragged remainder of an epoch (5,000 images in
    batches of 128 leave 8) is skipped that epoch.
    """
    if not tensors:
        raise ValueError("fit needs at least one data tensor (the images)")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1; got {epochs}")
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError("all data tensors must have the same length")
    if any(isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d) for m in model.modules()):
        # 2-D convolutions train about twice as fast (CPU, oneDNN) on channels-last weights;
        # only the layout of the 4-D weights changes, in place, not their values
        model.to(memory_format=torch.channels_last)
    optimizer = optimizer or adam(model, lr)
    history = []
    model.train()
    bar = progress_bar(range(epochs), desc, enabled=progress)
    for _ in bar:
        total, seen = torch.zeros((), device=tensors[0].device), 0
        for idx in batches(n, batch_size, device=tensors[0].device, drop_last=True):
            # one batch of everything: its order changes nothing, so the data is not copied into it
            batch = [t if len(idx) == n else t[idx] for t in tensors]
            batch = [as_float(t) if t.dtype == torch.uint8 else t for t in batch]
            loss = loss_fn(model, *batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(idx)
            seen += len(idx)
        history.append(total.item() / seen)  # one device sync per epoch, not per batch
        bar.set_postfix(loss=f"{history[-1]:.4f}")
    model.eval()
    return history


@torch.no_grad()
def predict(fn: Callable, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Apply `fn` (a model, an encoder, ...) to `x` in batches, without gradients."""
    outs = [fn(as_float(x[i:i + batch_size]) if x.dtype == torch.uint8 else x[i:i + batch_size])
            for i in range(0, len(x), batch_size)]
    return torch.cat(outs)
