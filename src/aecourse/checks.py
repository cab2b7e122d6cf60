"""Self-checks for the exercises: each says whether an answer is right and, if not, why.

Every check prints its verdict and returns True or False, so a learner sees the reason and
a test can assert on the result.
"""

import math

import torch
import torch.nn.functional as F


def verdict(ok: bool, right: str, wrong: str) -> bool:
    print(("Correct: " + right) if ok else ("Not yet: " + wrong))
    return ok


def _param_formula_error(formula, model_class, dims, name: str, hint: str) -> str | None:
    """Why `formula(latent_dim)` miscounts the parameters of `model_class(latent_dim)`, or None if it never does."""
    for d in dims:
        truth = sum(p.numel() for p in model_class(d).parameters())
        got = formula(d)
        if got is None:
            return f"{name} returned None: write the formula and return it."
        if got != truth:
            return f"for latent_dim={d} you count {got:,} but the model has {truth:,} (off by {got - truth:+,}). {hint}"
    return None


# Chapter 1 -------------------------------------------------------------------------------
def check_n_params(n_params) -> bool:
    """Exercise: a formula for the number of parameters of ``Autoencoder(latent_dim)``."""
    from .models import Autoencoder

    wrong = _param_formula_error(n_params, Autoencoder, (2, 7, 32), "n_params",
                                 "Each Linear(m, n) has m*n weights and n biases.")
    if wrong:
        return verdict(False, "", wrong)
    return verdict(True, f"for example latent_dim=32 gives {n_params(32):,} parameters. Each extra code unit "
                         "adds only 129 of them (64 weights in, 64 weights out, one bias).", "")


def check_bce(bce) -> bool:
    """Exercise: binary cross-entropy written by hand, equal to PyTorch's, safe at 0 and 1."""
    g = torch.Generator(device="cpu").manual_seed(0)  # checks run on the CPU
    x = torch.rand(4, 1, 28, 28, generator=g, device="cpu")
    x_hat = torch.rand(4, 1, 28, 28, generator=g, device="cpu").clamp(0.01, 0.99)
    got = bce(x_hat, x)
    if got is None:
        return verdict(False, "", "bce returned None: return the mean loss as a tensor.")
    got = torch.as_tensor(got, dtype=torch.float32)
    want = F.binary_cross_entropy(x_hat, x)
    if got.numel() != 1:
        return verdict(False, "", "bce should return one number (the mean over pixels and images); "
                                  f"got shape {tuple(got.shape)}.")
    if torch.isclose(got, want * 784, rtol=1e-3):
        return verdict(False, "", "you summed over the 784 pixels; average over pixels too, as PyTorch's mean does.")
    if not torch.isclose(got, want, rtol=1e-4):
        return verdict(False, "", f"got {got.item():.5f}, PyTorch gives {want.item():.5f}. "
                                  "Check the signs: -[x log x_hat + (1 - x) log(1 - x_hat)].")
    edge = bce(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0]))
    if not torch.isfinite(torch.as_tensor(edge)):
        return verdict(False, "", "a perfect prediction of 0 or 1 gives nan/inf: log(0) appears. "
                                  "Clamp x_hat to [eps, 1 - eps] before taking logs.")
    return verdict(True, f"{got.item():.5f} matches PyTorch, and outputs of exactly 0 or 1 stay finite.", "")


def check_pca_match(k: int, x_train: torch.Tensor, x_test: torch.Tensor, ae_test_mse: float) -> bool:
    """Exercise: the fewest PCA components whose test MSE is at most the autoencoder's."""
    from .baselines import PCA
    from .data import as_float
    from .metrics import mse

    if not isinstance(k, int) or k < 1:
        return verdict(False, "", f"k should be a positive whole number of components; got {k!r}.")
    x = as_float(x_test)

    def err(j):
        return mse(PCA(j).fit(x_train)(x_test), x)

    here = err(k)
    if here > ae_test_mse:
        return verdict(False, "", f"PCA with {k} components has test MSE {here:.4f}, still above the "
                                  f"autoencoder's {ae_test_mse:.4f}: more components are needed.")
    if k > 1 and err(k - 1) <= ae_test_mse:
        return verdict(False, "", f"{k - 1} components already reach the autoencoder's {ae_test_mse:.4f}: "
                                  "look for the smallest k.")
    return verdict(True, f"PCA needs {k} components to match what the autoencoder does with its code "
                         f"(test MSE {here:.4f} <= {ae_test_mse:.4f}).", "")


# Chapter 2 -------------------------------------------------------------------------------
def check_rounded_accuracy(score, x_test: torch.Tensor) -> bool:
    """Exercise: the rounded-pixel "accuracy" an all-black output scores."""
    truth = (x_test == 0).float().mean().item()
    if score is None:
        return verdict(False, "", "score is None: compute it and assign it.")
    score = float(score)
    if abs(score - 100 * truth) < 0.05:
        return verdict(False, "", "that is a percentage; give the fraction (between 0 and 1).")
    if abs(score - (1 - truth)) < 1e-4:
        return verdict(False, "", "you counted the pixels that are NOT zero: a black output matches the zeros.")
    if abs(score - truth) > 1e-4:
        return verdict(False, "", f"got {score:.4f}, expected {truth:.4f}: count the test pixels that equal "
                                  "round(0) = 0, over all pixels of all images.")
    return verdict(True, f"{truth:.1%} of the pixels are background, so a model that draws nothing 'scores' "
                         f"{truth:.1%}.", "")


def check_stack_encoder(encode, layers, x: torch.Tensor) -> bool:
    """Exercise: encoding through a list of pretrained layers by hand."""
    x = x[:64]
    with torch.no_grad():
        want = x.flatten(1)
        for layer in layers:
            want = layer.encoder(want)
        got = encode(x)
    if got is None:
        return verdict(False, "", "encode returned None: return the top codes.")
    if tuple(got.shape) != tuple(want.shape):
        return verdict(False, "", f"the codes should have shape {tuple(want.shape)}; got {tuple(got.shape)}. "
                                  "Did you flatten the images and apply every encoder (not the decoders)?")
    if not torch.allclose(got, want, atol=1e-5):
        return verdict(False, "", "right shape, wrong values: apply the encoders in order, layer 1 first.")
    return verdict(True, f"{tuple(x.shape)} -> {tuple(got.shape)}, the same codes as the stack's encoder.", "")


def check_layer_probes(acc, encoder, data) -> bool:
    """Exercise: linear-probe accuracy of the codes of each layer of a stack."""
    from .metrics import linear_probe
    from .train import predict

    if not isinstance(acc, dict) or set(acc) != {1, 2, 3}:
        return verdict(False, "", "acc should be a dict with keys 1, 2, 3 (one accuracy per layer).")
    for k in (1, 2, 3):
        part = encoder[:k + 1]
        want = linear_probe(predict(part, data.x_train), data.y_train, predict(part, data.x_test), data.y_test)
        got = float(acc[k])
        if got > 1:
            return verdict(False, "", "give accuracies as fractions between 0 and 1, not percentages.")
        if abs(got - want) > 0.02:
            return verdict(False, "", f"layer {k}: got {got:.3f}, the probe gives {want:.3f}. "
                                      f"Use encoder[:{k + 1}] (Flatten plus {k} layer(s)) on the train and test images.")
    return verdict(True, "each layer's probe accuracy matches.", "")


# Chapter 3 -------------------------------------------------------------------------------
def check_masking(mask) -> bool:
    """Exercise: masking noise that zeroes a random fraction of the pixels."""
    torch.manual_seed(0)
    x = torch.rand(64, 1, 28, 28, device="cpu") * 0.9 + 0.1  # no pixel is 0 before masking
    before = x.clone()
    out = mask(x, 0.3)
    if out is None:
        return verdict(False, "", "mask returned None: return the masked images.")
    if not torch.equal(x, before):
        return verdict(False, "", "mask changed its input in place: the clean image is still needed as the target.")
    if out.shape != x.shape:
        return verdict(False, "", f"the output should have the input's shape {tuple(x.shape)}; got {tuple(out.shape)}.")
    zeroed = out == 0
    if not torch.allclose(out[~zeroed], x[~zeroed]):
        return verdict(False, "", "the pixels you keep should stay exactly as they were (no scaling, no noise).")
    share = zeroed.float().mean().item()
    if abs(share - 0.3) > 0.02:
        return verdict(False, "", f"with fraction 0.3 you zeroed {share:.1%} of the pixels; expected about 30%.")
    if not torch.equal(mask(x, 0.0), x) or mask(x, 1.0).abs().sum() != 0:
        return verdict(False, "", "fraction 0 should change nothing and fraction 1 should zero everything.")
    return verdict(True, f"{share:.1%} of the pixels zeroed for fraction 0.3, the rest untouched.", "")


class _Spy(torch.nn.Module):
    """A stand-in model that records the images it is given."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(0.8))

    def forward(self, x):
        self.seen = x.detach().clone()
        return torch.sigmoid(self.w * (x - 0.5) * 6)


def check_dae_loss(loss_fn) -> bool:
    """Exercise: a denoising loss (salt and pepper at 0.2): corrupt the input, compare with the clean image."""
    torch.manual_seed(0)
    x = torch.rand(32, 1, 28, 28, device="cpu").round() * 0.9 + 0.05  # pixels near 0 or 1
    spy = _Spy()
    loss = loss_fn(spy, x)
    if loss is None or not hasattr(spy, "seen"):
        return verdict(False, "", "the loss should call the model and return a scalar tensor.")
    seen = spy.seen
    if torch.equal(seen, x):
        return verdict(False, "", "the model was given the clean images: corrupt them first, then reconstruct.")
    changed = (seen != x).float().mean().item()
    if abs(changed - 0.2) > 0.05 or not ((seen == 0) | (seen == 1) | (seen == x)).all():
        return verdict(False, "", f"{changed:.0%} of the pixels were changed, and not only to 0 or 1: use "
                                  "salt-and-pepper noise at fraction 0.2.")
    with torch.no_grad():
        out = torch.sigmoid(spy.w * (seen - 0.5) * 6)
        right, wrong = F.binary_cross_entropy(out, x), F.binary_cross_entropy(out, seen)
    loss = torch.as_tensor(loss).detach()
    if torch.isclose(loss, wrong, rtol=1e-4):
        return verdict(False, "", "the loss compares the output with the NOISY input: the model then learns to "
                                  "reproduce noise. Compare with the clean x.")
    if not torch.isclose(loss, right, rtol=1e-4):
        return verdict(False, "", f"loss {loss.item():.4f}, expected the BCE against the clean images, {right.item():.4f}.")
    return verdict(True, "the model sees corrupted images and the loss compares its output with the clean ones.", "")


def check_psnr(my_psnr) -> bool:
    """Exercise: PSNR per image in dB, averaged over the images."""
    from .metrics import psnr

    torch.manual_seed(0)
    x = torch.rand(16, 1, 28, 28, device="cpu")
    x_hat = (x + torch.randn_like(x) * torch.linspace(0.02, 0.4, 16).view(-1, 1, 1, 1)).clamp(0, 1)
    got = my_psnr(x_hat, x)
    if got is None:
        return verdict(False, "", "my_psnr returned None: return the mean PSNR as a number.")
    got, want = float(got), psnr(x_hat, x)
    of_mean = 10 * torch.log10(1 / (x_hat - x).pow(2).mean()).item()
    if abs(got - of_mean) < 1e-3:
        return verdict(False, "", f"that is the PSNR of the mean MSE ({of_mean:.2f} dB); average the PSNR of each "
                                  f"image instead ({want:.2f} dB).")
    if abs(got - 2 * want) < 1e-2:
        return verdict(False, "", "twice the right value: 10 log10(1 / MSE), or 20 log10(1 / RMSE), not 20 log10(1 / MSE).")
    if abs(got - want) > 1e-3:
        return verdict(False, "", f"got {got:.3f} dB, expected {want:.3f} dB: 10 log10(1 / MSE) per image, then the mean.")
    return verdict(True, f"{got:.2f} dB, as the package computes it.", "")


# Chapter 4 -------------------------------------------------------------------------------
def check_accuracy(my_accuracy, model, data) -> bool:
    """Exercise: classification accuracy as a fraction."""
    from .train import predict

    want = (predict(model, data.x_test).argmax(1) == data.y_test).float().mean().item()
    got = my_accuracy(model, data.x_test, data.y_test)
    if got is None:
        return verdict(False, "", "my_accuracy returned None: return the fraction of right answers.")
    got = float(got)
    if abs(got - 100 * want) < 1e-3:
        return verdict(False, "", "that is a percentage; return the fraction between 0 and 1.")
    if abs(got - want) > 1e-6:
        return verdict(False, "", f"got {got:.4f}, expected {want:.4f}: compare argmax over the 10 scores "
                                  "(dimension 1) with the labels, and average over all images.")
    return verdict(True, f"{got:.4f}, matching the chapter's accuracy.", "")


def check_classifier(make_classifier, layers) -> bool:
    """Exercise: a classifier built on copies of pretrained layers."""
    before = [p.detach().clone() for layer in layers for p in layer.parameters()]
    model = make_classifier(layers)
    if model is None:
        return verdict(False, "", "make_classifier returned None: return the network.")
    device = next(layers[0].parameters()).device
    model = model.to(device)
    x = torch.rand(8, 1, 28, 28, device=device)
    out = model(x)
    if tuple(out.shape) != (8, 10):
        return verdict(False, "", f"the classifier should give 10 scores per image, shape (8, 10); got {tuple(out.shape)}.")
    out.pow(2).sum().backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * (p.grad if p.grad is not None else 0)
    after = [p.detach() for layer in layers for p in layer.parameters()]
    if any(not torch.equal(a, b) for a, b in zip(before, after)):
        with torch.no_grad():
            for p, b in zip((p for layer in layers for p in layer.parameters()), before):
                p.copy_(b)  # undo, so the chapter's stack is left as it was
        return verdict(False, "", "training the classifier changed the pretrained layers: it shares their "
                                  "weights. Use copy.deepcopy(layers).")
    return verdict(True, "10 scores per image, and training it leaves the pretrained layers untouched.", "")


def check_frozen(freeze, model) -> bool:
    """Exercise: freeze a classifier's encoder, keep its head trainable."""
    result = freeze(model)
    if isinstance(result, torch.nn.Module):
        model = result
    enc, head = list(model[0].parameters()), list(model[1].parameters())
    if any(p.requires_grad for p in enc):
        return verdict(False, "", "some encoder parameters still require gradients: set requires_grad to False "
                                  "for every parameter of model[0].")
    if not all(p.requires_grad for p in head):
        return verdict(False, "", "the head (model[1]) should stay trainable.")
    return verdict(True, f"{sum(p.numel() for p in enc):,} encoder parameters frozen, "
                         f"{sum(p.numel() for p in head):,} head parameters left to train.", "")


# Chapter 5 -------------------------------------------------------------------------------
def check_kl(my_kl) -> bool:
    """Exercise: the analytic KL divergence from N(mu, exp(logvar)) to N(0, I), per row."""
    torch.manual_seed(0)
    mu, logvar = torch.randn(6, 4, device="cpu"), torch.randn(6, 4, device="cpu")
    want = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
    got = my_kl(mu, logvar)
    if got is None:
        return verdict(False, "", "my_kl returned None: return one KL value per row.")
    got = torch.as_tensor(got)
    if got.numel() == 1:
        return verdict(False, "", "one value per row is wanted (shape (6,)); you reduced over the rows too.")
    if got.shape != want.shape:
        return verdict(False, "", f"expected shape {tuple(want.shape)}; got {tuple(got.shape)}: sum over dimension 1.")
    if torch.allclose(got, -want, atol=1e-5):
        return verdict(False, "", "the sign is flipped: a KL divergence is never negative.")
    if torch.allclose(got, 2 * want, atol=1e-5):
        return verdict(False, "", "twice the right value: the formula has a factor 1/2.")
    if not torch.allclose(got, want, atol=1e-5):
        return verdict(False, "", "wrong values: 0.5 * sum(mu^2 + exp(logvar) - 1 - logvar). logvar is log sigma^2.")
    if not torch.allclose(my_kl(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(2)):
        return verdict(False, "", "the KL of the prior to itself (mu = 0, logvar = 0) should be 0.")
    return verdict(True, "one value per image, zero exactly at the prior.", "")


def check_reparameterize(sample) -> bool:
    """Exercise: z = mu + sigma * eps, differentiable in mu and logvar."""
    mu = torch.full((20000, 2), 1.5, requires_grad=True)
    logvar = torch.full((20000, 2), math.log(0.25), requires_grad=True)  # sigma = 0.5
    z = sample(mu, logvar)
    if z is None:
        return verdict(False, "", "sample returned None: return the codes.")
    if not z.requires_grad:
        return verdict(False, "", "no gradient reaches mu and logvar: build z from them with tensor operations "
                                  "(torch.normal or .sample() cut the graph).")
    z.sum().backward()
    if mu.grad is None or logvar.grad is None or logvar.grad.abs().sum() == 0:
        return verdict(False, "", "the gradient should reach both mu and logvar.")
    mean, std = z.mean().item(), z.std().item()
    if abs(mean - 1.5) > 0.02:
        return verdict(False, "", f"the samples' mean is {mean:.3f}, expected mu = 1.5.")
    if abs(std - 0.25) < 0.02:
        return verdict(False, "", "the spread is 0.25 = exp(logvar), the variance; the standard deviation is exp(logvar / 2).")
    if abs(std - 0.5) > 0.02:
        return verdict(False, "", f"the samples' spread is {std:.3f}, expected sigma = 0.5.")
    return verdict(True, f"mean {mean:.3f}, spread {std:.3f}, and gradients reach mu and logvar.", "")


def check_interpolation(interpolate) -> bool:
    """Exercise: evenly spaced codes on the line from z0 to z1, ends included."""
    z0, z1 = torch.tensor([0.0, 2.0, -1.0]), torch.tensor([4.0, -2.0, 1.0])
    got = interpolate(z0, z1, 5)
    if got is None:
        return verdict(False, "", "interpolate returned None: return a (steps, d) tensor.")
    got = torch.as_tensor(got, dtype=torch.float32)
    if tuple(got.shape) != (5, 3):
        return verdict(False, "", f"expected shape (5, 3); got {tuple(got.shape)}.")
    if not (torch.allclose(got[0], z0) and torch.allclose(got[-1], z1)):
        return verdict(False, "", "the first code should be z0 and the last z1.")
    steps = got[1:] - got[:-1]
    if not torch.allclose(steps, steps[0].expand_as(steps), atol=1e-5):
        return verdict(False, "", "the codes should be evenly spaced along the line.")
    return verdict(True, "5 evenly spaced codes from z0 to z1.", "")


# Chapter 6 -------------------------------------------------------------------------------
def check_conv_out(conv_out) -> bool:
    """Exercise: the output side of a Conv2d."""
    for n, k, s, p in ((28, 3, 2, 1), (14, 3, 2, 1), (28, 5, 1, 0), (27, 4, 3, 2), (7, 3, 1, 1)):
        want = torch.nn.Conv2d(1, 1, k, s, p)(torch.zeros(1, 1, n, n)).shape[-1]
        got = conv_out(n, k, s, p)
        if got is None:
            return verdict(False, "", "conv_out returned None: return the side as a whole number.")
        if got != want:
            return verdict(False, "", f"n={n}, kernel_size={k}, stride={s}, padding={p}: got {got}, PyTorch gives {want}. "
                                      "Pad both sides, then count the positions the kernel fits, one step of `stride` apart.")
    return verdict(True, "matches PyTorch, including odd sizes where the division rounds down.", "")


def check_deconv_out(deconv_out) -> bool:
    """Exercise: the output side of a ConvTranspose2d."""
    for n, k, s, p, op in ((7, 3, 2, 1, 1), (7, 3, 2, 1, 0), (14, 3, 2, 1, 1), (5, 4, 2, 1, 0), (9, 5, 3, 2, 2)):
        want = torch.nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op)(torch.zeros(1, 1, n, n)).shape[-1]
        got = deconv_out(n, k, s, p, op)
        if got is None:
            return verdict(False, "", "deconv_out returned None: return the side as a whole number.")
        if got != want:
            return verdict(False, "", f"n={n}, kernel_size={k}, stride={s}, padding={p}, output_padding={op}: got {got}, "
                                      f"PyTorch gives {want}. It is the inverse of conv_out: (n - 1) * stride, ...")
    return verdict(True, "matches PyTorch; output_padding picks between the sizes that a strided convolution "
                         "maps to the same n.", "")


def check_n_conv_params(n_conv_params, model_class) -> bool:
    """Exercise: a formula for the parameters of the chapter's ConvAutoencoder."""
    wrong = _param_formula_error(n_conv_params, model_class, (2, 16, 32), "n_conv_params",
                                 "A ConvTranspose2d(c_in, c_out, k) has c_in * c_out * k * k weights and c_out biases.")
    if wrong:
        return verdict(False, "", wrong)
    return verdict(True, f"latent_dim=32 gives {n_conv_params(32):,} parameters.", "")
