"""Chapter 7's exercise checks: TopK written by hand, a prediction of how the dead units change with the size
of the code, the bits it takes to say which units are on, and an L1 loss without the decoder's lengths."""

import itertools
import math
import random

import torch
import torch.nn.functional as F

from ..models import SparseAutoencoder
from . import NotYet, call, close, measured, number, pick, reaches, right, seeded, slip, tensor, verdict, wrong


def _top_k(z: torch.Tensor, k: int) -> torch.Tensor:
    values, indices = z.topk(k, dim=1)
    return torch.zeros_like(z).scatter(1, indices, values)


@verdict
def check_top_k(top_k) -> bool:
    """Exercise: keep the k largest values of each row of a batch of codes, the others set to 0.

    Tried on codes drawn anew on every call (negative values and a zero row included), for several k."""
    with seeded():
        z = torch.randn(6, 20)
    z[2] = 0.0  # a row of zeros: every choice of k units is right, and all of them give zeros
    draw = random.Random()
    pending = None  # a wrong result two slips explain alike (k=1 often can): a later k tells them apart
    for k in (1, 3, draw.randint(4, 19), 20):
        given = z.clone()
        got = call(top_k, "top_k", given, k, on=f"for k={k}")
        if not torch.equal(given, z):
            raise NotYet("top_k changed the codes it was given: build a new tensor (torch.zeros_like, then "
                          "scatter) instead of writing into z.")
        got = tensor(got, f"for k={k}, top_k returned", z, reshape=False,
                     shape=": one row per code, as many units as it has, the others set to 0")
        want = _top_k(z, k)
        if close(got, want, rtol=1e-6, atol=1e-7):
            continue
        flat = z.flatten()
        batch = torch.zeros_like(flat).scatter(0, flat.topk(k).indices, flat.topk(k).values).view_as(z)
        by_size = z.abs().topk(k, dim=1).indices
        magnitude = torch.zeros_like(z).scatter(1, by_size, z.gather(1, by_size))
        smallest = torch.zeros_like(z).scatter(1, z.topk(k, dim=1, largest=False).indices,
                                               z.topk(k, dim=1, largest=False).values)
        mask = (want != 0).float()
        slips = [(batch, f"for k={k} you keep the k largest values of the whole batch: take them row by row "
                         "(dim=1), so that every code keeps k units."),
                 (magnitude, f"for k={k} you keep the largest magnitudes, so a strongly negative value stays: "
                             "keep the largest values themselves."),
                 (smallest, f"for k={k} you keep the smallest values: topk's default is the largest."),
                 (mask, f"for k={k} you return 1 where a unit is kept: return its value there."),
                 (_top_k(z.clamp(min=0), k), f"for k={k} you also set the negative values to 0: the model's ReLU "
                                              "does that before TopK, top_k itself keeps each row's k largest, "
                                              "negative or not.")]
        matches = [m for other, m in slips if close(got, other, rtol=1e-6, atol=1e-7)]
        if len(matches) > 1:
            pending = pending or matches[0]
            continue
        return wrong(matches[0] if matches else
                     f"for k={k} the result differs from keeping each row's k largest values "
                     f"(in {int((~torch.isclose(got, want)).sum())} of its {got.numel()} numbers).")
    if pending:
        return wrong(pending)
    return right("each code keeps its own k largest values, in place, and the rest are 0, for every k tried.")


@verdict
def check_dead_prediction(choice, dead_by_size: dict) -> bool:
    """Exercise: predict how the number of dead units changes from the smallest code to the largest.

    `dead_by_size` maps latent_dim -> dead units in the run. "a": falls, "b": about the same (within 20
    units), "c": grows."""
    if choice is None:
        return wrong("write your prediction first: \"a\", \"b\" or \"c\".")
    guess = pick(choice, ["a", "b", "c"], "the prediction")
    if not isinstance(dead_by_size, dict) or len(dead_by_size) < 2:
        raise NotYet("the run's dead units by code size are missing: run the chapter's cells above again.")
    sizes = sorted(dead_by_size)
    first, last = measured(dead_by_size[sizes[0]], dead_by_size[sizes[-1]], what="the run's dead units")
    truth = "c" if last > first + 20 else "a" if last < first - 20 else "b"
    said = f"{first:.0f} dead of {sizes[0]} units, {last:.0f} dead of {sizes[-1]}"
    if guess != truth:
        word = {"a": "falls", "b": "stays within 20 units", "c": "grows"}[truth]
        return wrong(f"this run says it {word}: {said}. Move the latent_dim slider and read the titles.")
    grown = sizes[-1] - sizes[0]
    return right(f"{said}. Each image still uses only 32 units, so more of a larger dictionary goes unused; "
                 f"of the {grown:,} units added, {max(0, round(last - first)):,} stayed dead.")


def _bits(m: int, k: int) -> float:
    return math.log2(math.comb(m, k))


@verdict
def check_index_bits(index_bits) -> bool:
    """Exercise: log2 of the number of ways to choose k of m units, as a formula (listing the choices is refused:
    there are more than atoms in the universe for 32 of 1,024)."""
    listed = reaches(index_bits, {"combinations", "permutations", "product", "combinations_with_replacement"})
    if listed:
        return wrong(f"index_bits calls {listed[0]}: listing the choices would never end for 32 of 1,024 units. "
                     "Count them with a formula (math.comb, or math.lgamma for the factorials).")
    draw = random.Random()
    cases = [(1024, 32), (50, 3), (784, 1), (draw.randint(100, 5000), draw.randint(2, 64)), (10, 10)]
    for m, k in cases:
        got = number(call(index_bits, "index_bits", m, k, on=f"for m={m}, k={k}"),
                     f"index_bits({m}, {k}) returned", none=": return the number of bits.")
        want = _bits(m, k)
        if close(got, want, rtol=1e-6, atol=1e-9):
            continue
        slips = {"that is in nats (a natural log): divide by log(2), or use log2.": want * math.log(2),
                 "you count ordered choices (which unit first, second, ...): the order of the units does not "
                 "matter, divide by k!.": math.log2(math.perm(m, k)),
                 "m to the power k counts choices that may repeat a unit and care for order: count each set of k "
                 "distinct units once.": k * math.log2(m),
                 "that is the number of choices, not its log2: bits are log2 of it.": float(math.comb(m, k))
                 if math.comb(m, k) < 1e300 else math.inf}
        return wrong(slip(got, slips, f"index_bits({m}, {k}) = {got:.6g}; log2 of the number of ways to pick {k} "
                                      f"of {m} units is {want:.6g}.", rtol=1e-6))
    return right(f"choosing 32 of 1,024 units takes {_bits(1024, 32):.1f} bits, about a fifth of the 1,024 bits "
                 "of 32 float32 values.")


def _models():
    """Two small sparse autoencoders with the same output: the second has its code doubled and its decoder's
    columns halved, which an L1 penalty without the lengths sees and the chapter's weighted one does not."""
    with seeded(0):
        first = SparseAutoencoder(24)
        x = torch.rand(5, 1, 28, 28)
    second = SparseAutoencoder(24)
    second.load_state_dict(first.state_dict())
    with torch.no_grad():
        second.encoder[1].weight.mul_(2)
        second.encoder[1].bias.mul_(2)
        second.decoder[0].weight.div_(2)
    return [first, second], x


def _plain(model, x, l1):
    z = model.encoder(x)
    return F.mse_loss(model.decoder(z), x) + l1 * z.sum(1).mean()


@verdict
def check_plain_l1(plain_l1_loss) -> bool:
    """Exercise: MSE plus l1 times the summed code activations (mean over the batch), without the decoder's
    column lengths; its value on two models that give the same output, with a gradient."""
    models, x = _models()
    for model, l1 in itertools.product(models, (1e-3, 0.05)):
        got = call(plain_l1_loss, "plain_l1_loss", model, x, l1=l1, on=f"with l1={l1}")
        if not isinstance(got, torch.Tensor) or got.numel() != 1:
            what = "a tensor of one number" if not isinstance(got, torch.Tensor) else f"{got.numel()} numbers"
            return wrong(f"plain_l1_loss should return the loss as a one-number tensor, to train with; got "
                         f"{what if isinstance(got, torch.Tensor) else type(got).__name__}.")
        if not got.requires_grad:
            return wrong("the loss carries no gradient (.item(), .detach() or NumPy inside?): training needs one.")
        value = number(got, "plain_l1_loss returned")
        z = model.encoder(x)
        reconstruction = F.mse_loss(model.decoder(z), x)
        want = _plain(model, x, l1)
        if close(value, want, rtol=1e-5):
            continue
        lengths = model.decoder[0].weight.norm(dim=0)
        slips = {"that is the chapter's l1_loss, with each unit weighted by its column's length: leave the lengths "
                 "out.": reconstruction + l1 * (z * lengths).sum(1).mean(),
                 "the penalty is summed over the batch: take its mean over the images.":
                     reconstruction + l1 * z.sum(),
                 "the penalty is averaged over the units: sum it over the units, then average over the images.":
                     reconstruction + l1 * z.mean(),
                 "the MSE is missing: the loss is the reconstruction error plus the penalty.": l1 * z.sum(1).mean(),
                 "the penalty is missing.": reconstruction,
                 "the l1 argument is ignored: multiply the penalty by l1.": reconstruction + 1e-3 * z.sum(1).mean()}
        return wrong(slip(value, {m: float(v.detach()) for m, v in slips.items()},
                          f"with l1={l1} the loss is {value:.6g}; the MSE plus l1 times the code's summed "
                          f"activations is {float(want.detach()):.6g}.", rtol=1e-5))
    return right("it adds l1 times each image's summed activations to the MSE. Note that it differs between two "
                 "models with the same output, one with its code doubled and its columns halved: the penalty can "
                 "be lowered without changing the reconstruction.")
