"""Chapter 2's exercise checks: the all-black "accuracy", encoding through a stack, per-layer probes."""

import torch

from ..metrics import linear_probe
from ..train import predict
from . import right, wrong


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


def check_stack_encoder(encode, layers, x: torch.Tensor) -> bool:
    """Exercise: encoding through a list of pretrained layers by hand."""
    x = x[:64]
    with torch.no_grad():
        want = x.flatten(1)
        for layer in layers:
            want = layer.encoder(want)
        got = encode(x)
    if got is None:
        return wrong("encode returned None: return the top codes.")
    if tuple(got.shape) != tuple(want.shape):
        return wrong(f"the codes should have shape {tuple(want.shape)}; got {tuple(got.shape)}. "
                     "Did you flatten the images and apply every encoder (not the decoders)?")
    if not torch.allclose(got, want, atol=1e-5):
        return wrong("right shape, wrong values: apply the encoders in order, layer 1 first.")
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
