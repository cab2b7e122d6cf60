"""Chapter 8's exercise checks: the area under an ROC curve by the trapezoid rule (library integrators refused),
a threshold for a given rate of false alarms, and a prediction of which the VAE finds more likely, a blank image
or a digit."""

import torch

from . import NotYet, call, close, measured, number, pick, reaches, right, seeded, slip, tensor, verdict, wrong

INTEGRATORS = {"trapz", "trapezoid", "cumulative_trapezoid", "cumtrapz", "simpson", "simps", "roc_auc_score"}


def _curve(normal: torch.Tensor, anomalous: torch.Tensor):
    """An ROC curve as the chapter's roc_curve makes it: rates at every threshold, the highest score first."""
    thresholds = torch.cat([normal, anomalous]).sort(descending=True).values
    return ((normal[None, :] >= thresholds[:, None]).double().mean(1),
            (anomalous[None, :] >= thresholds[:, None]).double().mean(1))


def _trapezoids(x: torch.Tensor, y: torch.Tensor) -> float:
    return float(((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2).sum())


def _with_corners(x: torch.Tensor, y: torch.Tensor):
    zero, one = torch.zeros(1, dtype=x.dtype), torch.ones(1, dtype=x.dtype)
    return torch.cat([zero, x, one]), torch.cat([zero, y, one])


@verdict
def check_area(area) -> bool:
    """Exercise: the area under an ROC curve, corners added, by the trapezoid rule (on curves drawn anew)."""
    used = reaches(area, INTEGRATORS)
    if used:
        return wrong(f"area calls {used[0]}: add up the trapezoids yourself, (x[i+1] - x[i]) times the mean of "
                     "y[i] and y[i+1].")
    with seeded():
        # the second has ties, also at the top: its first point lies off both axes, so the corner (0, 0) counts
        scores = [(torch.randn(40), torch.randn(30) + 0.8),
                  (torch.randint(0, 8, (60,)).double(), torch.randint(3, 8, (30,)).double())]
    scores[1][0][0] = scores[1][1][0] = 7.0
    curves = [_curve(*pair) for pair in scores]
    # a curve that stops short of (1, 1): only the corner added at the end closes it
    curves.append((torch.tensor([0.1, 0.3, 0.6], dtype=torch.float64),
                   torch.tensor([0.4, 0.7, 0.9], dtype=torch.float64)))
    for fa, det in curves:
        got = number(call(area, "area", fa.float().clone(), det.float().clone()), "area returned",
                     none=": return the area as a number.")
        x, y = _with_corners(fa, det)
        want = _trapezoids(x, y)
        if close(got, want, rtol=1e-4, atol=1e-6):
            continue
        steps = x[1:] - x[:-1]
        slips = {"the corners (0, 0) and (1, 1) are missing: put them at both ends first.": _trapezoids(fa, det),
                 "those are rectangles as high as each step's left point: a trapezoid takes the mean of both "
                 "heights.": float((steps * y[:-1]).sum()),
                 "those are rectangles as high as each step's right point: a trapezoid takes the mean of both "
                 "heights.": float((steps * y[1:]).sum()),
                 "the axes are swapped: the false-alarm rate runs along x, the detection rate up y.":
                     _trapezoids(y, x)}
        return wrong(slip(got, slips, f"got {got:.4f}; the trapezoids under this curve add up to {want:.4f}.",
                          rtol=1e-4))
    return right("the trapezoids add up to the area under the curve, ties and corners included.")


def _share_above(scores: torch.Tensor, t: float) -> float:
    return float((scores > t).double().mean())


@verdict
def check_threshold(threshold_for) -> bool:
    """Exercise: the threshold above which at most `rate` of the scores lie, as close to `rate` as they allow."""
    with seeded():
        drawn = [torch.randn(1000), torch.randint(0, 40, (400,)).float(), torch.rand(100), torch.rand(7) * 10]
    for scores in drawn:
        for rate in (0.05, 0.01, 0.25, 0.29):
            got = call(threshold_for, "threshold_for", scores.clone(), rate, on=f"for rate={rate}")
            if isinstance(got, torch.Tensor):
                got = tensor(got, f"for rate={rate}, threshold_for returned", torch.zeros(()),
                             shape=": one threshold")
            t = number(got, f"for rate={rate}, threshold_for returned", none=": return the threshold.")
            values = scores.unique()
            feasible = [_share_above(scores, v) for v in values if _share_above(scores, v) <= rate + 1e-12]
            best = max(feasible)
            share = _share_above(scores, t)
            if share <= rate + 1e-12 and abs(share - best) < 1e-12:
                continue
            slips = {f"for rate={rate} you flag {share:.0%} of the scores: the threshold should leave a share `rate` "
                     f"above it, the (1 - rate) quantile.": float(torch.quantile(scores, rate)),
                     f"for rate={rate}, the mean plus two standard deviations assumes a bell curve: place the "
                     "threshold by the scores themselves.": float(scores.mean() + 2 * scores.std())}
            if share > rate:
                otherwise = (f"for rate={rate} your threshold {t:.4g} flags {share:.1%} of {len(scores)} scores, "
                             f"more than {rate:.0%}: move it up (a quantile rounds or interpolates between scores; "
                             "count the scores above the threshold instead).")
            else:
                otherwise = (f"for rate={rate} your threshold {t:.4g} flags {share:.1%}, where {best:.1%} is "
                             "possible: it is higher than it needs to be.")
            return wrong(slip(t, slips, otherwise, rtol=1e-6))
    return right("each threshold flags at most the share asked for, and as much of it as the scores allow, ties "
                 "included.")


@verdict
def check_blank_prediction(choice, blank_scores, normal_scores) -> bool:
    """Exercise: predict whether the VAE finds a blank image ("a") or a typical digit ("b") more likely, or both
    about as likely ("c": within 10 nats of each other). Scores are -log p(x) in nats."""
    if choice is None:
        return wrong("write your prediction first: \"a\", \"b\" or \"c\".")
    guess = pick(choice, ["a", "b", "c"], "the prediction")
    try:
        blank, typical = measured(torch.as_tensor(blank_scores).float().mean(),
                                  torch.as_tensor(normal_scores).float().median(), what="the run's -log p(x)")
    except (TypeError, ValueError, RuntimeError):
        raise NotYet("the run's -log p(x) are not tensors of numbers: run the chapter's cells above again.") from None
    truth = "a" if blank < typical - 10 else "b" if blank > typical + 10 else "c"
    said = f"-log p(x) of a blank image {blank:.1f} nats, of a typical digit {typical:.1f}"
    if guess != truth:
        names = {"a": "the blank image is more likely", "b": "the typical digit is more likely",
                 "c": "they are about as likely"}
        return wrong(f"in this run {names[truth]}: {said} (lower is more likely).")
    return right(f"{said}: lower is more likely.")
