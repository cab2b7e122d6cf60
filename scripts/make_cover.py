"""Draw the course's cover picture (README and intro) from chapter 1's trained autoencoders.

    python scripts/make_cover.py [out.png]

The models come from chapter 1's own `autoencoder` function, read from the notebook and run
here, so they are the chapter's models: after chapter 1 has run in the same profile, the codes
of 2 and 8 are loaded from the checkpoint cache (chapter 1 trains its code of 32 by hand, so
that one is trained here once, then cached).
"""

import json
import sys
from pathlib import Path

import torch

from aecourse import as_float, bce_loss, load_mnist, setup, show_images, train_or_load
from aecourse.models import Autoencoder

CHAPTER_1 = Path(__file__).resolve().parents[1] / "book" / "01-autoencoder" / "autoencoder.ipynb"


def chapter_1_autoencoder(**namespace):
    """Chapter 1's `autoencoder(latent_dim)`, defined by running its cell with `namespace` as the globals."""
    cells = ["".join(c["source"]) for c in json.loads(CHAPTER_1.read_text())["cells"] if c["cell_type"] == "code"]
    (cell,) = [c for c in cells if c.startswith("def autoencoder(")]
    namespace.update(torch=torch, Autoencoder=Autoencoder, train_or_load=train_or_load, bce_loss=bce_loss)
    exec(cell, namespace)  # noqa: S102
    return namespace["autoencoder"]


def main(out: str = "book/images/cover.png") -> None:
    device, profile = setup()
    data = load_mnist(device, profile)
    autoencoder = chapter_1_autoencoder(data=data, device=device, profile=profile,
                                        EPOCHS=profile.epochs(len(data.x_train)))
    x = as_float(data.x_test[:12])
    rows = {"test digit": x}
    for d in (2, 8, 32):
        with torch.no_grad():
            rows[f"code of {d}"] = autoencoder(d)(x)
    show_images(rows, n=12, size=0.8).savefig(out, dpi=100, bbox_inches="tight")
    print("wrote", out)


if __name__ == "__main__":
    main(*sys.argv[1:])
