"""Chapter 4's exercise checks: accuracy, a classifier on copied layers, freezing the encoder, a prediction."""

import torch

from ..train import predict
from . import reaches, right, wrong


def check_accuracy(my_accuracy, model, data) -> bool:
    """Exercise: classification accuracy as a fraction (not through the chapter's `accuracy`)."""
    if used := reaches(my_accuracy, {"accuracy"}):
        return wrong(f"my_accuracy calls the chapter's {', '.join(used)}: compare the predictions with the "
                     "labels yourself.")
    want = (predict(model, data.x_test).argmax(1) == data.y_test).float().mean().item()
    got = my_accuracy(model, data.x_test, data.y_test)
    if got is None:
        return wrong("my_accuracy returned None: return the fraction of right answers.")
    got = float(got)
    if abs(got - 100 * want) < 1e-3:
        return wrong("that is a percentage; return the fraction between 0 and 1.")
    if abs(got - want) > 1e-6:
        return wrong(f"got {got:.4f}, expected {want:.4f}: compare argmax over the 10 scores "
                     "(dimension 1) with the labels, and average over all images.")
    return right(f"{got:.4f}, matching the chapter's accuracy.")


def check_classifier(make_classifier, layers) -> bool:
    """Exercise: a classifier built on copies of pretrained layers (not through the chapter's `classifier`)."""
    if used := reaches(make_classifier, {"classifier"}):
        return wrong(f"make_classifier calls the chapter's {', '.join(used)}: build the network yourself.")
    before = [p.detach().clone() for layer in layers for p in layer.parameters()]
    model = make_classifier(layers)
    if model is None:
        return wrong("make_classifier returned None: return the network.")
    device = next(layers[0].parameters()).device
    model = model.to(device)
    x = torch.rand(8, 1, 28, 28, device=device)
    out = model(x)
    if tuple(out.shape) != (8, 10):
        return wrong(f"the classifier should give 10 scores per image, shape (8, 10); got {tuple(out.shape)}.")
    out.pow(2).sum().backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * (p.grad if p.grad is not None else 0)
    after = [p.detach() for layer in layers for p in layer.parameters()]
    if any(not torch.equal(a, b) for a, b in zip(before, after, strict=False)):
        with torch.no_grad():
            for p, b in zip((p for layer in layers for p in layer.parameters()), before, strict=False):
                p.copy_(b)  # undo, so the chapter's stack is left as it was
        return wrong("training the classifier changed the pretrained layers: it shares their "
                     "weights. Use copy.deepcopy(layers).")
    return right("10 scores per image, and training it leaves the pretrained layers untouched.")


def check_frozen(freeze, model) -> bool:
    """Exercise: freeze a classifier's encoder, keep its head trainable."""
    result = freeze(model)
    if isinstance(result, torch.nn.Module):
        model = result
    enc, head = list(model[0].parameters()), list(model[1].parameters())
    if any(p.requires_grad for p in enc):
        return wrong("some encoder parameters still require gradients: set requires_grad to False "
                     "for every parameter of model[0].")
    if not all(p.requires_grad for p in head):
        return wrong("the head (model[1]) should stay trainable.")
    return right(f"{sum(p.numel() for p in enc):,} encoder parameters frozen, "
                 f"{sum(p.numel() for p in head):,} head parameters left to train.")


def check_prediction(my_guess, accuracies: dict) -> bool:
    """Exercise: predict which classifier is the more accurate; `accuracies`: name -> the run's test accuracy."""
    if my_guess not in accuracies:
        return wrong(f"my_guess should be one of {', '.join(map(repr, accuracies))}; got {my_guess!r}.")
    best = max(accuracies, key=accuracies.get)
    measured = ", ".join(f"{name} {a:.1%}" for name, a in accuracies.items())
    if my_guess != best:
        return wrong(f"this run measured {measured}: {best!r} is ahead. Move the slider to 100 and compare the bars.")
    return right(f"{measured}: {best!r} is ahead.")
