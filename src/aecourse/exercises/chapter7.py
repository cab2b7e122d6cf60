"""The closing page's exercise checks: reading the table, the noise crossing, PCA as a seventh row."""

import torch

from ..baselines import PCA
from ..data import as_float
from ..metrics import mse, psnr
from ..noise import corrupt
from ..train import predict
from . import right, wrong

BEST = {"lowest MSE": ("MSE", min), "highest denoising PSNR": ("denoising PSNR", max),
        "highest '100 labels'": ("100 labels", max)}


def check_picks(picks: dict, table: dict) -> bool:
    """Exercise: for each task, the model the table says does it best."""
    if not isinstance(picks, dict) or not picks:
        return wrong("picks should be the dict of tasks, each with a model's name.")
    for task, name in picks.items():
        column, best_of = next(((col, fn) for words, (col, fn) in BEST.items() if words in task), (None, None))
        if column is None:
            return wrong(f"the task {task!r} is not one of the exercise's: keep the dict's keys as given.")
        if name is None:
            return wrong(f"no model picked for {task!r} yet.")
        if name not in table:
            return wrong(f"{name!r} is not a model of the table; pick one of {list(table)}.")
        best = best_of(table, key=lambda n: table[n][column])
        if name != best:
            return wrong(f"for {task!r} you picked the {name} ({column} {table[name][column]:.4g}), but the "
                         f"{best} does better in this run ({table[best][column]:.4g}). Read the column again.")
    return right("each pick is the best model of its column in this run.")


def crossing_level(ae, dae, x: torch.Tensor, step: float = 0.05, seed: int = 3) -> float:
    """The smallest noise_factor, on a grid of `step`, at which `dae` beats `ae` in PSNR on `x` (1.0 if never)."""
    levels = torch.arange(0, 1 + step / 2, step).tolist()
    for level in levels:
        noisy = corrupt(as_float(x), "gaussian", level, seed=seed)
        if psnr(predict(dae, noisy), as_float(x)) > psnr(predict(ae, noisy), as_float(x)):
            return round(level, 2)
    return 1.0


def check_crossing(prediction, ae, dae, x: torch.Tensor) -> bool:
    """Exercise: predict where the DAE overtakes the AE as the noise grows; compared with the run."""
    if prediction is None:
        return wrong("write your prediction first: a noise_factor between 0 and 1.")
    if not isinstance(prediction, (int, float)) or not 0 <= prediction <= 1:
        return wrong(f"the prediction should be a number between 0 and 1; got {prediction!r}.")
    measured = crossing_level(ae, dae, x)
    if abs(prediction - measured) > 0.1:
        side = "lower" if prediction > measured else "higher"
        return wrong(f"you predicted {prediction:g}; this run measures {measured:g}. The crossing is {side}: "
                     "move the noise slider and watch the two rows.")
    return right(f"this run measures the crossing at noise_factor {measured:g}, within 0.1 of your {prediction:g}.")


def check_pca_row(pca_row, data, x_noisy: torch.Tensor) -> bool:
    """Exercise: PCA with 32 components as a row of the table (MSE, denoising PSNR)."""
    got = pca_row()
    if not isinstance(got, dict) or {"MSE", "denoising PSNR"} - set(got):
        return wrong("pca_row() should return a dict with the keys 'MSE' and 'denoising PSNR'.")
    x = as_float(data.x_test)
    pca = PCA(32).fit(data.x_train)
    want = {"MSE": mse(pca.decode(pca.encode(x)), x), "denoising PSNR": psnr(pca.decode(pca.encode(x_noisy)), x)}
    for key, value in want.items():
        if not isinstance(got[key], (int, float)) or abs(got[key] - value) > 1e-3 * max(1.0, abs(value)):
            hint = " (against the clean digits, from the noisy ones)" if key == "denoising PSNR" else ""
            return wrong(f"{key}: got {got[key]!r}, expected {value:.4f} for PCA with 32 components{hint}.")
    return right(f"PCA(32): test MSE {want['MSE']:.4f}, denoising PSNR {want['denoising PSNR']:.1f} dB.")
