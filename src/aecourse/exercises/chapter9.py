"""The closing page's exercise checks: reading the table, the noise crossing, PCA as another row."""

import torch

from ..baselines import PCA
from ..data import as_float
from ..metrics import mse, psnr
from ..noise import corrupt
from ..train import predict
from . import call, close, measured, number, off, pick, right, slip, verdict, wrong

BEST = {"lowest MSE": ("MSE", min), "highest denoising PSNR": ("denoising PSNR", max),
        "highest '100 labels'": ("100 labels", max)}


@verdict
def check_picks(picks: dict, table: dict) -> bool:
    """Exercise: for each task, the model the table says does it best (a model's name in any case)."""
    if not isinstance(picks, dict) or not picks:
        return wrong("picks should be the dict of tasks, each with a model's name.")
    columns = []
    for task, name in picks.items():
        column, best_of = next(((col, fn) for words, (col, fn) in BEST.items() if isinstance(task, str)
                                and words in task), (None, None))
        if column is None:
            return wrong(f"the task {task!r} is not one of the exercise's: keep the dict's keys as given.")
        if name is None:
            return wrong(f"no model picked for {task!r} yet.")
        name = pick(name, list(table), f"the pick for {task!r}")
        values = {n: measured(table[n][column], what=f"the table's {column!r} column")[0] for n in table}
        best = best_of(values, key=values.get)
        if name != best:
            return wrong(f"for {task!r} you picked the {name} ({column} {values[name]:.4g}), but the "
                         f"{best} does better in this run ({values[best]:.4g}). Read the column again.")
        columns.append(column)
    if sorted(columns) != sorted(col for col, _ in BEST.values()):
        return wrong("picks should keep the exercise's three tasks, one pick each.")
    return right("each pick is the best model of its column in this run.")


def crossing_level(ae, dae, x: torch.Tensor, step: float = 0.05, seed: int = 3) -> float:
    """The smallest noise_factor, on a grid of `step`, at which `dae` beats `ae` in PSNR on `x` (1.0 if never)."""
    levels = torch.arange(0, 1 + step / 2, step).tolist()
    for level in levels:
        noisy = corrupt(as_float(x), "gaussian", level, seed=seed)
        if psnr(predict(dae, noisy), as_float(x)) > psnr(predict(ae, noisy), as_float(x)):
            return round(level, 2)
    return 1.0


@verdict
def check_crossing(prediction, ae, dae, x: torch.Tensor) -> bool:
    """Exercise: predict where the DAE overtakes the AE as the noise grows; compared with the run."""
    if prediction is None:
        return wrong("write your prediction first: a noise_factor between 0 and 1.")
    guess = number(prediction, "the prediction is")
    if not 0 <= guess <= 1:
        return wrong(f"the prediction should be a number between 0 and 1; got {prediction!r}.")
    level = crossing_level(ae, dae, x)
    if abs(guess - level) > 0.1 + 1e-9:
        side = "lower" if guess > level else "higher"
        return wrong(f"you predicted {guess:g}; this run measures {level:g}. The crossing is {side}: "
                     "move the noise slider and watch the two rows.")
    return right(f"this run measures the crossing at noise_factor {level:g}, within 0.1 of your {guess:g}.")


@verdict
def check_pca_row(pca_row, data, x_noisy: torch.Tensor) -> bool:
    """Exercise: PCA with 32 components as a row of the table (MSE, denoising PSNR), to 0.01% of the values."""
    got = call(pca_row, "pca_row")
    keys = {str(k).strip().lower(): v for k, v in got.items()} if isinstance(got, dict) else {}
    if not {"mse", "denoising psnr"} <= set(keys):
        return wrong("pca_row() should return a dict with the keys 'MSE' and 'denoising PSNR'.")
    row = {key: number(keys[key.lower()], f"pca_row()[{key!r}] is") for key in ("MSE", "denoising PSNR")}
    x = as_float(data.x_test)
    pca = PCA(32).fit(data.x_train)
    clean, denoised = pca.decode(pca.encode(x)), pca.decode(pca.encode(x_noisy))
    want = {"MSE": mse(clean, x), "denoising PSNR": psnr(denoised, x)}
    slips = {"MSE": {"the MSE is of the noisy digits' reconstructions: take it on the clean test digits.":
                         mse(denoised, x), "the two values are swapped.": want["denoising PSNR"]},
             "denoising PSNR": {"the PSNR is against the noisy inputs: measure it against the clean digits.":
                                    psnr(denoised, x_noisy),
                                "the PSNR is of the clean digits' reconstructions: reconstruct x_noisy.":
                                    psnr(clean, x), "the two values are swapped.": want["MSE"]}}
    for key, value in want.items():
        if not close(row[key], value, rtol=1e-4):
            hint = " (against the clean digits, from the noisy ones)" if key == "denoising PSNR" else ""
            return wrong(slip(row[key], slips[key], f"{key}: got {row[key]:.4g}, {off(row[key], value)} the value "
                              f"for PCA with 32 components fitted on data.x_train{hint}."))
    return right(f"PCA(32): test MSE {want['MSE']:.4f}, denoising PSNR {want['denoising PSNR']:.1f} dB.")
