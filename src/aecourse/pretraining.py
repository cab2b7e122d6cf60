"""Chapter 2's greedy layer-wise pretraining, which chapter 4 runs again with corrupted inputs."""

import torch
import torch.nn.functional as F

from .checkpoints import train_or_load
from .data import as_float
from .models import new_layers
from .train import predict


def pretrain_layers(sizes, x, epochs, batch_size, corrupt=None, lr=2e-3,
                    seed=0):
    """Greedy layer-wise pretraining: layer k is a shallow autoencoder
    trained on layer k-1's codes.

    Every layer rebuilds values in [0, 1] (pixels, then sigmoid codes) with
    the BCE loss. With `corrupt`, each layer sees a corrupted input and must
    rebuild the clean one (chapter 4). Another `seed` gives other starting
    weights and another order of the batches (another run)."""
    def loss(layer, h):
        h_in = h if corrupt is None else corrupt(h)
        # the target is the clean input
        return F.binary_cross_entropy(layer(h_in), h)

    torch.manual_seed(seed)  # the same initial weights on every run
    # the input of layer 1: pixels
    layers, h = new_layers(sizes), as_float(x).flatten(1)
    for k, layer in enumerate(layers, start=1):
        train_or_load(layer.to(h.device), loss, h, epochs=epochs,
                      batch_size=batch_size, lr=lr, seed=seed,
                      desc=f"layer {k}", verbose=False)
        # the codes of layer k are the data of layer k + 1
        h = predict(layer.encoder, h)
    return layers
