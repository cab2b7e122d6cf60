"""Chapter 2's exercise checks: the all-black "accuracy", encoding through a stack, per-layer probes,
pretraining on a smaller budget, and a prediction of what input noise does to the code."""

import torch
from torch import nn

from ..metrics import linear_probe, mse
from ..models import StackedAutoencoder
from ..train import predict
from . import Forbidden, forbid, right, wrong


def check_rounded_accuracy(score, x_test: torch.Tensor) -> bool:
    """Exercise: the rounded-pixel "accuracy" an all-black output scores."""
    truth = (x_test == 0).float().mean().item()
    if score is None:
        return wrong("score is None: compute it and assign it.")
    score = float(score)
    if abs(score - 100 * truth) < 0.05:
        return wrong("that is a percentage; give the fraction (between 0 and 1).")
    if abs(score - (1 - truth)) < 1e-4:
        return wrong("you counted the pixels that are NOT zero: a black output matches the zeros.")
    if abs(score - truth) > 1e-4:
        return wrong(f"got {score:.4f}, expected {truth:.4f}: count the test pixels that equal "
                     "round(0) = 0, over all pixels of all images.")
    return right(f"{truth:.1%} of the pixels are background, so a model that draws nothing 'scores' "
                 f"{truth:.1%}.")


def _codes(layers, x: torch.Tensor) -> torch.Tensor:
    h = x.flatten(1)
    for layer in layers:
        h = layer.encoder(h)
    return h


def check_stack_encoder(encode, layers, x: torch.Tensor) -> bool:
    """Exercise: encoding through a list of pretrained layers by hand, without building a stack.

    The answer runs twice: as given, and with the layers' weights moved a little (then put back),
    so codes read from a stack built earlier (a copy of the layers) give themselves away; and
    while it runs, building a decoder's Unflatten (what every StackedAutoencoder does) is refused.
    """
    x = x[:64]
    params = [p for layer in layers for p in layer.encoder.parameters()]
    saved = [p.detach().clone() for p in params]
    g = torch.Generator(device="cpu").manual_seed(0)
    try:
        with torch.no_grad(), forbid((nn.Unflatten, "__init__")):
            want, got = _codes(layers, x), encode(x)
            for p in params:
                p.add_(0.1 * torch.randn(p.shape, generator=g).to(p.device))
            want_moved, got_moved = _codes(layers, x), encode(x)
    except Forbidden:
        return wrong("encode builds a StackedAutoencoder (or another model with a decoder): "
                     "use only the encoders of the layers in the list, one after the other.")
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved, strict=True):
                p.copy_(s)
    if got is None:
        return wrong("encode returned None: return the top codes.")
    if tuple(got.shape) != tuple(want.shape):
        return wrong(f"the codes should have shape {tuple(want.shape)}; got {tuple(got.shape)}. "
                     "Did you flatten the images and apply every encoder (not the decoders)?")
    if not torch.allclose(got, want, atol=1e-5):
        return wrong("right shape, wrong values: apply the encoders in order, layer 1 first.")
    if not torch.allclose(got_moved, want_moved, atol=1e-5):
        return wrong("the codes do not follow the layers' weights: encode reads them from a stack built "
                     "earlier (a copy of the layers). Use the list `layers` itself.")
    return right(f"{tuple(x.shape)} -> {tuple(got.shape)}, the same codes as the stack's encoder.")


def check_layer_probes(acc, encoder, data) -> bool:
    """Exercise: linear-probe accuracy of the codes of each layer of a stack."""
    if not isinstance(acc, dict) or set(acc) != {1, 2, 3}:
        return wrong("acc should be a dict with keys 1, 2, 3 (one accuracy per layer).")
    for k in (1, 2, 3):
        part = encoder[:k + 1]
        want = linear_probe(predict(part, data.x_train), data.y_train, predict(part, data.x_test), data.y_test)
        got = float(acc[k])
        if got > 1:
            return wrong("give accuracies as fractions between 0 and 1, not percentages.")
        if abs(got - want) > 0.02:
            return wrong(f"layer {k}: got {got:.3f}, the probe gives {want:.3f}. "
                         f"Use encoder[:{k + 1}] (Flatten plus {k} layer(s)) on the train and test images.")
    return right("each layer's probe accuracy matches.")


def check_short_budget(short_layers, short_tuned, where, full_mse: dict, x_test: torch.Tensor, epochs: int) -> bool:
    """Exercise: a stack pretrained and fine-tuned for a quarter of the epochs, against the chapter's full run."""
    quarter = max(1, epochs // 4)
    if short_layers is None or short_tuned is None:
        return wrong("short_layers and short_tuned are None: pretrain the layers, then fine-tune a copy of them.")
    spent = [len(getattr(layer, "history", [])) for layer in short_layers]
    if spent != [quarter] * len(short_layers):
        return wrong(f"each layer should be pretrained for {quarter} epochs (max(1, EPOCHS // 4)); "
                     f"these were trained for {spent}.")
    if len(getattr(short_tuned, "history", [])) != quarter:
        return wrong(f"fine-tune for the same {quarter} epochs (train_or_load(..., epochs=...)).")
    if {id(p) for p in short_tuned.parameters()} & {id(p) for layer in short_layers for p in layer.parameters()}:
        return wrong("short_tuned shares its weights with short_layers: fine-tune a copy "
                     "(copy.deepcopy), so that the pretrained stack stays as it was.")
    if where not in ("before", "after"):
        return wrong(f"where should be \"before\" or \"after\" (fine-tuning); got {where!r}.")
    before = mse(predict(StackedAutoencoder(short_layers), x_test), x_test) / full_mse["pretrained only"]
    after = mse(predict(short_tuned, x_test), x_test) / full_mse["fine-tuned"]
    measured = "after" if after > before else "before"
    said = (f"a quarter of the budget gives {before:.2f} times the full budget's test MSE before fine-tuning "
            f"and {after:.2f} times after it")
    if where != measured:
        return wrong(f"the run says {measured!r}: {said}.")
    return right(f"{said}. The epochs of end-to-end training count for more than those of layer-wise pretraining.")


PROBE_CHOICES = {"a": (0, 5, "fewer than 5 points"), "b": (5, 15, "5 to 15 points"),
                 "c": (15, 101, "more than 15 points")}


def check_probe_prediction(choice, clean_accuracy: float, noisy_accuracy: float) -> bool:
    """Exercise: predict how many points of linear-probe accuracy noise costs the code, then compare with the run."""
    if choice not in PROBE_CHOICES:
        return wrong(f"choice should be one of {', '.join(map(repr, PROBE_CHOICES))}; got {choice!r}.")
    lost = 100 * (clean_accuracy - noisy_accuracy)
    measured = next(k for k, (lo, hi, _) in PROBE_CHOICES.items() if lo <= max(lost, 0) < hi)
    said = (f"the run measured {clean_accuracy:.1%} on clean codes and {noisy_accuracy:.1%} on noisy ones: "
            f"{lost:.1f} points")
    if choice != measured:
        return wrong(f"you predicted {PROBE_CHOICES[choice][2]}; {said} ({measured!r}).")
    return right(f"{said}. Which digit it is survives noise that already blurs the reconstruction.")
