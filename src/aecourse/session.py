"""Starting a chapter's session: seeds, device, profile, figure settings, and one line that says which."""

import os
import random

import matplotlib
import numpy as np
import torch

from .device import get_device
from .profiles import Profile, get_profile
from .progress import wrapped


def setup(seed: int = 0, verbose: bool = True) -> tuple[torch.device, Profile]:
    """Seed every generator, pick the device and the run profile, and print them."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    device = get_device()
    profile = get_profile(device)
    # On a CPU, numbers below ~1e-38 (denormals) compute many times slower. Adam's moving averages of a
    # weight that gets no gradient (a unit that never fires) decay into that range: flush them to zero.
    torch.set_flush_denormal(True)
    matplotlib.rcParams.update({"figure.dpi": 90, "savefig.dpi": 90, "image.cmap": "gray"})
    if verbose:
        how = "AECOURSE_PROFILE" if os.environ.get("AECOURSE_PROFILE") else "default for this device"
        print(wrapped(f"Profile: {profile.name} ({how}) | device: {device} | torch {torch.__version__}"))
        if device.type == "cpu" and profile.name == "gpu":
            print(wrapped("No GPU found: the gpu profile's full budget runs on the CPU, which is much slower "
                          "(set AECOURSE_PROFILE=cpu for a few minutes a chapter)."))
        elif device.type == "cpu":
            print(wrapped(f"No GPU found: training runs on the CPU, with the {profile.name} profile's budget."))
    return device, profile
