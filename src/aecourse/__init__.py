"""Autoencoders, hands-on: the helper package the chapters import.

The machinery lives here (device, data, training loop, checkpoint cache, plots, sliders,
metrics, exercise checks (aecourse.exercises)); each model is taught, and written, in its
chapter's notebook.
"""

from .baselines import PCA
from .checkpoints import load_or_train
from .course import setup
from .data import MNIST, as_float, load_mnist
from .device import get_device
from .metrics import mse, mse_per_image, psnr
from .plots import plot_history, plot_latent, show_images
from .profiles import Profile, get_profile
from .sliders import Slider, slider
from .train import batches, fit, predict

__all__ = [
    "MNIST", "PCA", "Profile", "Slider", "as_float", "batches", "fit", "get_device", "get_profile",
    "load_mnist", "load_or_train", "mse", "mse_per_image", "plot_history", "plot_latent", "predict",
    "psnr", "setup", "show_images", "slider",
]
__version__ = "0.1.0"
