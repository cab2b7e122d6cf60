"""Autoencoders, hands-on: the helper package the chapters import.

The machinery lives here (device, data, training loop, checkpoint cache, plots, sliders,
metrics, exercise checks in `aecourse.exercises`); each model is taught, and written, in its
chapter's notebook, and the models later chapters reuse are kept in `aecourse.models`.
"""

from .baselines import PCA
from .checkpoints import train_or_load
from .data import MNIST, as_float, load_mnist
from .device import get_device
from .losses import bce_loss, mse_loss
from .metrics import mse, mse_per_image, psnr
from .plots import plot_history, plot_latent, show_images
from .profiles import Profile, get_profile
from .progress import progress
from .session import setup
from .sliders import Slider, slider
from .train import batches, fit, predict

__all__ = [
    "MNIST", "PCA", "Profile", "Slider", "as_float", "batches", "bce_loss", "fit", "get_device", "get_profile",
    "load_mnist", "mse", "mse_loss", "mse_per_image", "plot_history", "plot_latent", "predict", "progress", "psnr",
    "setup", "show_images", "slider", "train_or_load",
]
__version__ = "0.1.0"
