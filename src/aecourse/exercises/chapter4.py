"""Chapter 4's exercise checks: accuracy, a classifier on copied layers, freezing the encoder, a prediction."""

import copy

import torch
from torch import nn

from ..train import predict
from . import NotYet, call, close, measured, number, pick, reaches, right, seeded, slip, tensor, verdict, wrong


@verdict
def check_accuracy(my_accuracy, model, data) -> bool:
    """Exercise: classification accuracy as a fraction (not through the chapter's `accuracy`).

    Tried on the model and test images given, on half of them, and on another model: an answer that
    ignores one of its arguments, or returns a number worked out once, does not pass.
    """
    if used := reaches(my_accuracy, {"accuracy"}):
        return wrong(f"my_accuracy calls the chapter's {', '.join(used)}: compare the predictions with the "
                     "labels yourself.")
    x, y = data.x_test, data.y_test
    want = (predict(model, x).argmax(1) == y).double().mean().item()
    share = torch.bincount(y.cpu(), minlength=10).double() / len(y)  # a model that always says c scores share[c]
    with seeded(0):  # the learner's random stream is left as it was
        other = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).to(x.device)
    with torch.no_grad():
        other[1].weight.zero_()
        other[1].bias.copy_(torch.eye(10, device="cpu")[int((share - want).abs().argmax())])
    half = max(1, len(y) // 2)
    for m, xs, ys, what in ((model, x, y, ""), (model, x[:half], y[:half], f" on the first {half} test images"),
                            (other, x, y, " with another model")):
        want = (predict(m, xs).argmax(1) == ys).double().mean().item()
        got = number(call(my_accuracy, "my_accuracy", m, xs, ys), "my_accuracy returned",
                     none=": return the fraction of right answers.", many=" (the fraction of right answers)")
        if not close(got, want, rtol=1e-5, atol=1e-7):
            otherwise = (f"got {got:.4f}{what}, expected {want:.4f}: " +
                         ("use the model, images and labels you are given." if what else
                          "compare argmax over the 10 scores (dimension 1) with the labels, and average over all "
                          "images."))
            return wrong(slip(got, {"that is a percentage; return the fraction between 0 and 1.": 100 * want,
                                    "that is the error rate: return the share of RIGHT answers.": 1 - want,
                                    "that is the number of right answers: divide by the number of images.":
                                        want * len(ys)}, otherwise, rtol=1e-5))
    return right(f"{got:.4f} with another model, and the chapter's accuracy on the model and images given.")


@verdict
def check_classifier(make_classifier, layers) -> bool:
    """Exercise: a classifier built on copies of pretrained layers (not through the chapter's `classifier`).

    The network must carry the pretrained encoders' weights as copies (not shared, not fresh ones), made anew
    on every call, from the layers it is given; training it must leave `layers` as they were.
    """
    if used := reaches(make_classifier, {"classifier"}):
        return wrong(f"make_classifier calls the chapter's {', '.join(used)}: build the network yourself.")
    device = next(layers[0].parameters()).device

    def build(ls):
        net = call(make_classifier, "make_classifier", ls)
        if not isinstance(net, nn.Module):
            raise NotYet("make_classifier returned None: return the network." if net is None else
                         f"make_classifier should return a network (an nn.Module); got {type(net).__name__}.")
        return net.to(device)

    def carries(net, ls):  # every encoder weight of `ls` is among the network's parameters, by value
        params = [q.detach() for q in net.parameters()]
        return all(any(q.shape == p.shape and torch.equal(q, p.detach()) for q in params)
                   for layer in ls for p in layer.encoder.parameters())

    def shares(a, b):
        return bool({p.data_ptr() for p in a.parameters()} & {p.data_ptr() for p in b})

    before = [p.detach().clone() for layer in layers for p in layer.parameters()]
    model, again = build(layers), build(layers)
    pretrained = [p for layer in layers for p in layer.parameters()]
    if not carries(model, layers):
        return wrong("the network does not start from the pretrained weights: build it from the layers' "
                     "encoders (copies of them), then a new linear head.")
    if shares(model, pretrained):
        return wrong("the network shares its weights with the pretrained layers: training it would change "
                     "them. Use copy.deepcopy(layers).")
    if shares(model, list(again.parameters())):
        return wrong("two calls of make_classifier share their weights: copy the layers inside it, so that every "
                     "classifier starts from the pretrained weights, not from the last one trained.")
    other = copy.deepcopy(layers)
    with torch.no_grad(), seeded(0):
        for p in (p for layer in other for p in layer.parameters()):
            p.add_(0.01 * torch.randn(p.shape, device="cpu").to(p.device))
    if not carries(build(other), other):
        return wrong("make_classifier ignores the layers it is given (it uses other ones): build from `layers`.")
    with seeded(0):
        x = torch.rand(8, 1, 28, 28, device="cpu").to(device)
    out = tensor(call(model, "the network", x), "the network returned", torch.empty(8, 10, device=device),
                 reshape=False, keep_grad=True, shape=": 10 scores per image")
    if not out.requires_grad:
        return wrong("no gradient flows through the network: leave its parameters trainable.")
    call(lambda: out.pow(2).sum().backward(), "the network's backward pass")
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * (p.grad if p.grad is not None else 0)
    if any(not torch.equal(a, b.detach()) for a, b in zip(before, pretrained, strict=True)):
        with torch.no_grad():
            for p, b in zip(pretrained, before, strict=True):
                p.copy_(b)  # undo, so the chapter's stack is left as it was
        return wrong("training the classifier changed the pretrained layers: it shares their "
                     "weights. Use copy.deepcopy(layers).")
    return right("10 scores per image, from copies of the pretrained encoders: training it leaves them untouched.")


@verdict
def check_frozen(freeze, model) -> bool:
    """Exercise: freeze a classifier's encoder, keep its head trainable.

    What counts is what freeze does to the model it is given (whatever it returns): after it, a backward pass
    through that model must reach the head's parameters and none of the encoder's.
    """
    try:
        enc, head = list(model[0].parameters()), list(model[1].parameters())
    except Exception:
        raise NotYet("the model should be a classifier made by `classifier`: model[0] the encoder, "
                     "model[1] the head.") from None
    result = call(freeze, "freeze", model)
    first = (enc + head)[0]
    saved = {p: p.grad for p in model.parameters()}
    try:
        for p in saved:
            p.grad = None
        with seeded(0):
            x = torch.rand(4, 1, 28, 28, device="cpu").to(first.device, first.dtype)
        out = tensor(call(model, "the model", x), "the model returned", torch.empty(4, 10, device=first.device),
                     reshape=False, keep_grad=True)
        if out.requires_grad:
            call(lambda: out.pow(2).sum().backward(), "the model's backward pass")
        enc_moves = [p.requires_grad and p.grad is not None for p in enc]
        head_moves = [p.requires_grad and p.grad is not None for p in head]
    finally:
        for p, g in saved.items():
            p.grad = g
    if any(enc_moves):
        if isinstance(result, nn.Module) and not {p.data_ptr() for p in result.parameters()} & {
                p.data_ptr() for p in model.parameters()} and not all(p.requires_grad for p in result.parameters()):
            return wrong("freeze returned a frozen copy, but the model it was given still trains its encoder: "
                         "change the model passed in.")
        if not model[0].training:
            return wrong("eval() does not stop the gradients (it switches dropout and batch norm to their test "
                         "behaviour): set requires_grad to False for every parameter of model[0].")
        return wrong(f"{sum(enc_moves)} of the encoder's {len(enc)} parameter tensors still get gradients: set "
                     "requires_grad to False for every parameter of model[0].")
    if not all(head_moves):
        return wrong("the head (model[1]) should stay trainable: freeze model[0] only.")
    return right(f"{sum(p.numel() for p in enc):,} encoder parameters frozen, "
                 f"{sum(p.numel() for p in head):,} head parameters left to train.")


@verdict
def check_prediction(my_guess, accuracies: dict) -> bool:
    """Exercise: predict which classifier is the more accurate; `accuracies`: name -> the run's test accuracy."""
    my_guess = pick(my_guess, accuracies, "my_guess")
    measured(*accuracies.values(), what="the run's accuracies")
    best = max(accuracies, key=accuracies.get)
    said = ", ".join(f"{name} {a:.1%}" for name, a in accuracies.items())
    if my_guess != best:
        return wrong(f"this run measured {said}: {best!r} is ahead. Move the slider to 100 and compare the bars.")
    return right(f"{said}: {best!r} is ahead.")
