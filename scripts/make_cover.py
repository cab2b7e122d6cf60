"""Draw the course's cover picture (README and intro) from chapter 1's trained autoencoders.

    python scripts/make_cover.py [out.png]

Uses the checkpoint cache, so after chapter 1 has run it only draws; otherwise it trains the
three models with the current profile first.
"""

import sys

import torch
import torch.nn.functional as F

from aecourse import as_float, fit, load_mnist, load_or_train, setup, show_images
from aecourse.models import Autoencoder


def main(out: str = "book/images/cover.png") -> None:
    device, profile = setup()
    data = load_mnist(device, profile)
    epochs = profile.epochs(len(data.x_train))
    config = {"profile": profile.name, "data": data.describe(), "epochs": epochs, "loss": "bce", "lr": 2e-3}
    x = as_float(data.x_test[:12])
    rows = {"test digit": x}
    for d in (2, 8, 32):  # the same names and configuration as chapter 1, so its cache is reused
        torch.manual_seed(d)
        model = Autoencoder(d).to(device)
        load_or_train(f"ch1-ae-bce-{d}", model, lambda m, d=d: fit(
            m, lambda m, x: F.binary_cross_entropy(m(x), x), data.x_train, epochs=epochs,
            batch_size=profile.batch_size, lr=2e-3, desc=f"latent_dim={d}"), config=config)
        with torch.no_grad():
            rows[f"code of {d}"] = model(x)
    show_images(rows, n=12, size=0.8).savefig(out, dpi=100, bbox_inches="tight")
    print("wrote", out)


if __name__ == "__main__":
    main(*sys.argv[1:])
