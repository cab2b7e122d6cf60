"""Chapter 2's exercise checks: the all-black "accuracy", encoding through a stack, per-layer probes,
pretraining on a smaller budget, and a prediction of what input noise does to the code."""

import torch
from torch import nn
from torch.nn.modules.module import register_module_forward_pre_hook

from ..data import as_float
from ..metrics import linear_probe, mse
from ..models import StackedAutoencoder
from ..train import predict
from . import NotYet, call, close, measured, number, off, pick, reachable, right, seeded, tensor, verdict, wrong


@verdict
def check_rounded_accuracy(score, x_test: torch.Tensor) -> bool:
    """Exercise: the rounded-pixel "accuracy" an all-black output scores."""
    got = number(score, "score is", none=": compute it and assign it.")
    x_test = as_float(x_test)
    truth = (x_test == 0).double().mean().item()
    if close(got, 100 * truth, rtol=1e-4):
        return wrong("that is a percentage; give the fraction (between 0 and 1).")
    if close(got, 1 - truth, rtol=1e-4):
        return wrong("you counted the pixels that are NOT zero: a black output matches the zeros.")
    if close(got, (x_test.round() == 0).double().mean().item(), rtol=1e-5) and not close(got, truth, rtol=1e-5):
        return wrong("you counted the pixels below 0.5 (those that round to 0), but the rounded output is compared "
                     "with x itself: a black output matches only the pixels that are exactly 0.")
    if not close(got, truth, rtol=1e-5):
        return wrong(f"got {got:.4f}, {off(got, truth)} the right share: count the test pixels that equal "
                     "round(0) = 0, over all pixels of all images.")
    return right(f"{truth:.1%} of the pixels are background, so a model that draws nothing 'scores' {truth:.1%}.")


def _codes(layers, x: torch.Tensor) -> torch.Tensor:
    h = x.flatten(1)
    for layer in layers:
        h = layer.encoder(h)
    return h


STACK = ("encode runs the images through a stack (a StackedAutoencoder, or a module holding several of the "
         "layers' encoders or their decoders), built earlier or on the way: apply each layer's encoder yourself, "
         "one after the other, to the output of the one before.")


@verdict
def check_stack_encoder(encode, layers, x: torch.Tensor) -> bool:
    """Exercise: encoding through a list of pretrained layers by hand, without building a stack.

    Refused: a stack the code can reach (a StackedAutoencoder, or a module holding two of the layers'
    encoders or one of their decoders), or one it calls while it runs. The answer runs twice: as given, and
    with the layers' weights moved a little (then put back), so codes read from a copy of the layers give
    themselves away.
    """
    if not all(isinstance(getattr(layer, "encoder", None), nn.Module) for layer in layers):
        raise NotYet("layers should be the list that pretrain_layers returns.")
    x = x[:64]
    encoders = {id(layer.encoder) for layer in layers}
    decoders = {id(getattr(layer, "decoder", None)) for layer in layers}
    own = {id(m) for layer in layers for m in layer.modules()}

    def is_stack(m):
        if not isinstance(m, nn.Module) or id(m) in own:
            return False
        inside = {id(s) for s in m.modules()}
        return isinstance(m, StackedAutoencoder) or len(inside & encoders) >= 2 or bool(inside & decoders)

    if any(is_stack(v) for v in reachable(encode)):
        return wrong(STACK)
    params = [p for layer in layers for p in layer.encoder.parameters()]
    saved = [p.detach().clone() for p in params]
    g = torch.Generator(device="cpu").manual_seed(0)
    called = []
    hook = register_module_forward_pre_hook(lambda m, inputs: called.append(m))
    try:
        with torch.no_grad():
            want, got = _codes(layers, x), call(encode, "encode", x)
            for p in params:
                p.add_(0.1 * torch.randn(p.shape, generator=g, device="cpu").to(p.device))
            want_moved, got_moved = _codes(layers, x), call(encode, "encode", x)
    finally:
        hook.remove()
        with torch.no_grad():
            for p, s in zip(params, saved, strict=True):
                p.copy_(s)
    if any(is_stack(m) for m in called):
        return wrong(STACK)
    hint = ": flatten the images and apply every encoder (not the decoders), layer 1 first"
    got = tensor(got, "encode returned", want, none=": return the top codes.", shape=hint)
    if not close(got, want, rtol=1e-4, atol=1e-5 * max(1.0, want.abs().max().item())):
        return wrong("right shape, wrong values: apply the encoders in order, layer 1 first, each to the output "
                     "of the one before (the images flattened to (B, 784) first).")
    got_moved = tensor(got_moved, "encode returned", want_moved)
    if not close(got_moved, want_moved, rtol=1e-4, atol=1e-5 * max(1.0, want_moved.abs().max().item())):
        return wrong("the codes do not follow the layers' weights: encode reads them from a stack built "
                     "earlier (a copy of the layers). Use the list `layers` itself.")
    return right(f"{tuple(x.shape)} -> {tuple(got.shape)}, the same codes as the stack's encoder.")


def _layer(key):
    """1, 2 or 3 from a key written 1, np.int64(1), "1" or "layer 1"; else None."""
    text = str(key).strip().lower().removeprefix("layer").strip()
    return int(text) if text in ("1", "2", "3") else None


@verdict
def check_layer_probes(acc, encoder, data) -> bool:
    """Exercise: linear-probe accuracy of the codes of each layer of a stack.

    The probe starts from random weights, so its accuracy moves by a test image or two from one start to the
    next: the tolerance is 3 test images (at least 0.2 points), tighter than the gaps between layers, widened by
    the spread of a second start where an answer falls outside it.
    """
    if isinstance(acc, (list, tuple)) and len(acc) == 3:
        acc = dict(zip((1, 2, 3), acc, strict=True))
    got = {_layer(k): v for k, v in acc.items()} if isinstance(acc, dict) else {}
    if set(got) != {1, 2, 3} or len(acc) != 3:
        return wrong("acc should be a dict with keys 1, 2, 3 (one accuracy per layer).")
    got = {k: number(got[k], f"acc[{k}] is", none=": compute each layer's probe accuracy.") for k in (1, 2, 3)}
    if any(v > 1 for v in got.values()):
        return wrong("give accuracies as fractions between 0 and 1, not percentages.")

    def probe(k, seed):
        part = encoder[:k + 1]
        with seeded(seed):  # the probe's starting weights
            return linear_probe(predict(part, data.x_train), data.y_train, predict(part, data.x_test), data.y_test)

    want, tol = {k: probe(k, k) for k in (1, 2, 3)}, max(3 / len(data.y_test), 0.002)
    if len(set(got.values())) == 1 and max(want.values()) - min(want.values()) > tol:
        return wrong("the three accuracies are one number: compute a probe for each layer, on encoder[:k + 1].")
    for k in (1, 2, 3):
        if close(got[k], want[k], atol=tol) or close(got[k], want[k], atol=tol + abs(probe(k, 10 + k) - want[k])):
            continue
        other = [j for j in (1, 2, 3) if j != k and close(got[k], want[j], atol=tol)]
        said = f", which is layer {other[0]}'s" if other else ""
        return wrong(f"layer {k}: got {got[k]:.3f}{said}, {off(got[k], want[k])} the probe's accuracy. Use "
                     f"encoder[:{k + 1}] (Flatten plus {k} layer(s)) on the train and test images.")
    return right("each layer's probe accuracy matches: " + ", ".join(f"layer {k} {want[k]:.1%}" for k in want) + ".")


@verdict
def check_short_budget(short_layers, short_tuned, where, full_mse: dict, x_test: torch.Tensor, epochs: int) -> bool:
    """Exercise: a stack pretrained and fine-tuned for a quarter of the epochs, against the chapter's full run."""
    quarter = max(1, epochs // 4)
    if short_layers is None or short_tuned is None:
        return wrong("short_layers and short_tuned are None: pretrain the layers, then fine-tune a copy of them.")
    if not isinstance(short_layers, (list, tuple)) or not all(isinstance(m, nn.Module) and hasattr(m, "encoder")
                                                              and hasattr(m, "decoder") for m in short_layers):
        return wrong(f"short_layers should be the list pretrain_layers returns; got {type(short_layers).__name__}.")
    if not isinstance(short_tuned, nn.Module):
        return wrong(f"short_tuned should be the fine-tuned model; got {type(short_tuned).__name__}.")
    spent = [len(getattr(layer, "history", None) or []) for layer in short_layers]
    if spent != [quarter] * len(short_layers):
        return wrong(f"each layer should be pretrained for {quarter} epochs (max(1, EPOCHS // 4)); "
                     f"these were trained for {spent}.")
    if len(getattr(short_tuned, "history", None) or []) != quarter:
        return wrong(f"fine-tune for the same {quarter} epochs (train_or_load(..., epochs=...)).")
    if {id(p) for p in short_tuned.parameters()} & {id(p) for layer in short_layers for p in layer.parameters()}:
        return wrong("short_tuned shares its weights with short_layers: fine-tune a copy "
                     "(copy.deepcopy), so that the pretrained stack stays as it was.")
    where = pick(where, ("before", "after"), "where (fine-tuning)")
    full_before, full_after = measured(*(full_mse.get(k) for k in ("pretrained only", "fine-tuned")),
                                       what="the full run's test MSEs")
    nan = ": its weights hold nan or inf? Train it again."

    def error(model, name):
        out = call(lambda: predict(model(), x_test), name)
        return mse(tensor(out, f"{name} returned", x_test, nan=nan), x_test)

    before = error(lambda: StackedAutoencoder(short_layers), "the stack of short_layers") / full_before
    after = error(lambda: short_tuned, "short_tuned") / full_after
    measured_stage = "after" if after > before else "before"
    said = (f"a quarter of the budget gives {before:.2f} times the full budget's test MSE before fine-tuning "
            f"and {after:.2f} times after it")
    if where != measured_stage:
        return wrong(f"the run says {measured_stage!r}: {said}.")
    return right(f"{said}. The epochs of end-to-end training count for more than those of layer-wise pretraining.")


PROBE_CHOICES = {"a": (0, 5, "fewer than 5 points"), "b": (5, 15, "5 to 15 points"),
                 "c": (15, 101, "more than 15 points")}


@verdict
def check_probe_prediction(choice, clean_accuracy: float, noisy_accuracy: float) -> bool:
    """Exercise: predict how many points of linear-probe accuracy noise costs the code, then compare with the run."""
    choice = pick(choice, PROBE_CHOICES, "choice")
    clean, noisy = measured(clean_accuracy, noisy_accuracy, what="the run's probe accuracies")
    lost = 100 * (clean - noisy)
    measured_choice = next((k for k, (lo, hi, _) in PROBE_CHOICES.items() if lo <= max(lost, 0) < hi), "c")
    said = f"the run measured {clean:.1%} on clean codes and {noisy:.1%} on noisy ones: {lost:.1f} points"
    if choice != measured_choice:
        return wrong(f"you predicted {PROBE_CHOICES[choice][2]}; {said} ({measured_choice!r}).")
    return right(f"{said}. Which digit it is survives noise that already blurs the reconstruction.")
