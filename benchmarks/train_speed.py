"""Images per second: the course's training loop against the usual DataLoader loop.

    python benchmarks/train_speed.py [--batch-sizes 64 256] [--repeats 3]

Both train chapter 1's model (``Autoencoder(32)``, BCE, Adam) for one epoch over the same
training images in the same run:

* ``aecourse.fit``: the images are one uint8 tensor on the device; a batch is an index.
* the usual pipeline: ``DataLoader(datasets.MNIST(..., transform=ToTensor()), shuffle=True)``,
  which turns every image into a PIL image and back into a tensor, one by one. Offline, the
  same ``datasets.MNIST`` class is given the loaded images, so its per-image path is unchanged.

A third column, "compute only", trains on one fixed batch with no data path at all: the
ceiling any loop can reach for this model on this machine. Each measurement is the median of
`repeats` epochs after one warm-up epoch.
"""

import argparse
import statistics
import time

import torch
from torch.utils.data import DataLoader
from torchvision import datasets
from torchvision.datasets.vision import VisionDataset
from torchvision.transforms import ToTensor

from aecourse import as_float, bce_loss, fit, get_device, load_mnist
from aecourse.data import data_dir
from aecourse.models import Autoencoder
from aecourse.train import adam


def usual_dataset(data):
    """torchvision's MNIST dataset with ToTensor, over the very images `data` holds."""
    try:
        ds = datasets.MNIST(data_dir(), train=True, download=False, transform=ToTensor())
        if len(ds) == len(data.x_train):
            return ds
    except RuntimeError:
        pass
    ds = datasets.MNIST.__new__(datasets.MNIST)
    VisionDataset.__init__(ds, str(data_dir()), transform=ToTensor())
    ds.data, ds.targets = data.x_train.cpu(), data.y_train.cpu()
    return ds


def time_epochs(run_epoch, repeats):
    run_epoch()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_epoch()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    device = get_device()
    data = load_mnist(device)
    n = len(data.x_train)
    dataset = usual_dataset(data)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, {n:,} images an epoch\n")
    print(f"{'batch':>5}  {'aecourse.fit':>14}  {'DataLoader':>14}  {'speed-up':>8}  {'compute only':>14}")
    for bs in args.batch_sizes:
        torch.manual_seed(0)
        model = Autoencoder(32).to(device)
        ours = time_epochs(lambda: fit(model, bce_loss, data.x_train, epochs=1, batch_size=bs, lr=2e-3,
                                       progress=False), args.repeats)

        torch.manual_seed(0)
        model = Autoencoder(32).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=2e-3)
        loader = DataLoader(dataset, batch_size=bs, shuffle=True)

        def usual_epoch():
            model.train()
            for x, _ in loader:
                x = x.to(device)
                loss = bce_loss(model, x)
                opt.zero_grad()
                loss.backward()
                opt.step()

        theirs = time_epochs(usual_epoch, args.repeats)

        model = Autoencoder(32).to(device)
        opt = adam(model, 2e-3)
        fixed = as_float(data.x_train[:bs])

        def compute_epoch():
            for _ in range(0, n, bs):
                loss = bce_loss(model, fixed)
                opt.zero_grad()
                loss.backward()
                opt.step()

        ceiling = time_epochs(compute_epoch, args.repeats)
        print(f"{bs:>5}  {n / ours:>9,.0f} im/s  {n / theirs:>9,.0f} im/s  {theirs / ours:>7.1f}x  "
              f"{n / ceiling:>9,.0f} im/s")


if __name__ == "__main__":
    main()
