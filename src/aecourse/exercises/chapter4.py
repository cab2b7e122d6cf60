"""Chapter 4's exercise checks: accuracy, a classifier on copied layers, freezing the encoder, a prediction,
the nearest class mean and the confident images of self-training."""

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


@verdict
def check_nearest_mean(nearest_mean) -> bool:
    """Exercise: `nearest_mean(z_labelled, y_labelled, z)` -> for each row of z, the digit whose mean labelled
    code is nearest (Euclidean distance).

    Tried on two made-up sets of codes (means of different lengths, labels shuffled, queries the means partly
    get wrong): the farthest mean, the largest dot product, the cosine and ignored arguments are told apart.
    Near-ties may go either way (1% of the queries)."""
    cases = []
    with seeded(0):
        for d, per, n in ((6, 10, 300), (3, 5, 200)):
            centres = torch.randn(10, d) * torch.linspace(1, 4, 10)[torch.randperm(10), None]
            y, y_query = torch.randperm(10 * per) % 10, torch.randint(0, 10, (n,))
            cases.append((centres[y] + torch.randn(10 * per, d), y, centres[y_query] + 1.5 * torch.randn(n, d)))
    for z_labelled, y, z in cases:
        means = torch.stack([z_labelled[y == c].double().mean(0) for c in range(10)])
        dist, unit = torch.cdist(z.double(), means), nn.functional.normalize
        got = tensor(call(nearest_mean, "nearest_mean", z_labelled.clone(), y.clone(), z.clone()),
                     "nearest_mean returned", torch.empty(len(z), dtype=torch.float64),
                     none=": return one digit per row of z.",
                     shape=": one digit (0-9) per row of z; take the argmin over the 10 distances")
        if not (torch.equal(got, got.round()) and got.min() >= 0 and got.max() <= 9):
            return wrong("nearest_mean returned numbers that are not all digits 0-9: return the index of the "
                         "nearest mean.")
        if (share := (got.long() == dist.argmin(1)).double().mean().item()) >= 0.99:
            continue
        return wrong(next((message for pred, message in (
            (dist.argmax(1), "those are the farthest means: the nearest is the smallest distance."),
            ((z.double() @ means.T).argmax(1), "the largest dot product z . mean is not the nearest mean: it "
                                               "favours long means. Take the distance |z - mean|."),
            ((unit(z.double(), dim=1) @ unit(means, dim=1).T).argmax(1),
             "the cosine compares directions only: the nearest mean is the smallest distance |z - mean|."))
            if (got.long() == pred).double().mean() >= 0.99),
            f"{share:.0%} of the digits agree with the nearest mean on {len(z)} made-up codes of {z.shape[1]} "
            "numbers: for each digit c, average the labelled codes z_labelled[y_labelled == c], then give each "
            "row of z the digit of the nearest of the ten means."))
    return right("each code gets the digit of its nearest mean, on two sets of made-up codes.")


def _pairs(idx, labels) -> list:
    return sorted(zip(idx.tolist(), labels.tolist(), strict=True))


@verdict
def check_confident(confident) -> bool:
    """Exercise: `confident(probs, per_class)` -> (idx, labels): for each digit c, the indices of the `per_class`
    images with the highest probability of c (column c of probs), and the digit each was chosen for.

    Tried on two made-up tables (7 and 3 a digit), any order of the pairs right; the least confident, the surest
    overall (not per digit) and labels that do not go with their images are told apart."""
    with seeded(0):
        tables = [(torch.softmax(3 * torch.randn(n, 10), 1), k) for n, k in ((400, 7), (120, 3))]
    for probs, per_class in tables:
        top = probs.topk(per_class, dim=0).indices  # (per_class, 10)
        want = _pairs(top.flatten(), torch.arange(10).repeat(per_class))
        out = call(confident, "confident", probs.clone(), per_class)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise NotYet(f"confident returned {'None' if out is None else type(out).__name__}, not two things: "
                         "return (idx, labels).")
        n = 10 * per_class
        idx, labels = (tensor(v, f"the {what} are", torch.empty(n, dtype=torch.float64),
                              none=f": return the {what} {where}.",
                              shape=f": {per_class} a digit, {n} in all")
                       for v, what, where in zip(out, ("indices", "labels"), ("first", "second"), strict=True))
        if not (torch.equal(idx, idx.round()) and torch.equal(labels, labels.round())):
            return wrong("the indices and labels should be whole numbers (positions in probs, digits 0-9).")
        if (got := _pairs(idx := idx.long(), labels := labels.long())) == want:
            continue
        counts = torch.bincount(labels.clamp(0, 9), minlength=10)
        if sorted(idx.tolist()) == sorted(top.flatten().tolist()) and (counts == per_class).all():
            return wrong("the right images, but their labels do not go with them: the image chosen for digit c "
                         "is labelled c (mind the order in which topk's columns flatten).")
        if got == _pairs(probs.topk(per_class, dim=0, largest=False).indices.flatten(),
                         torch.arange(10).repeat(per_class)):
            return wrong("those are the least confident images of each digit: take the largest probabilities.")
        if not (counts == per_class).all():
            return wrong(f"each digit should get {per_class} images; got {counts.tolist()} for digits 0-9. For "
                         "each digit c, rank the images by probs[:, c].")
        return wrong(f"for each digit c, the {per_class} images with the largest probs[:, c] "
                     "(probs.topk(per_class, dim=0)), each labelled c.")
    return right("for each digit, the images the head is surest of, with that digit as their label.")
