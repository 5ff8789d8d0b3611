"""A GAN's alternating updates: the discriminator learns to tell real samples from generated ones, the
generator learns to make the discriminator say "real".

Both networks are built from the project's specs by the one builder and updated by optimizers from the one
registry; the loss is the registry's binary cross-entropy on the discriminator's score. The generator's
loss is the non-saturating one (it maximises log D(G(z)) instead of minimising log(1 - D(G(z)))), which
gives it a useful gradient while the discriminator still wins easily.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from nnstudio.core.arch.builder import BuiltModel, build
from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.core.base.errors import NNStudioError, ShapeError, format_shape
from nnstudio.core.base.registry import LOSSES, OPTIMIZERS
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.generative.coverage import coverage, energy_distance
from nnstudio.core.generative.gan_spec import DISCRIMINATOR, GanSpec
from nnstudio.core.training.config import TrainSpec

PREFIX = f"{DISCRIMINATOR}/"  # the discriminator's tensors in the project's weights; the generator's are unprefixed
MAX_REAL_MEASURED = 1000  # real points the distance figure compares with (cdist is quadratic)
HISTORY = ("g_loss", "d_loss", "coverage", "distance")


@contextmanager
def one_thread() -> Iterator[None]:
    """Tiny networks train many times faster on one thread than with threads that only wait on each other."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class GanError(NNStudioError):
    """A GAN project whose two networks do not fit the data or each other."""


class TwoNetworks(ShapeError):
    """A GAN asked to be one network (the one-network run, the tabs that build a single model): refused with
    where it trains instead. A ShapeError, so the tabs that explain a network that cannot be built say it."""

    MESSAGE = ("This is a GAN: its generator and discriminator train together on the Training tab, in the GAN view "
               "(Architecture tab, GAN view…) or with nnstudio train")

    def __init__(self) -> None:
        NNStudioError.__init__(self, self.MESSAGE)  # a whole sentence, not "Layer N (kind) ..."
        self.index, self.kind, self.received, self.problem, self.fix = "", "GAN", (), self.MESSAGE, {}


@dataclass
class GanNetworks:
    generator: BuiltModel
    discriminator: BuiltModel


def build_networks(generator: ArchitectureSpec, discriminator: ArchitectureSpec, spec: GanSpec,
                   sample_shape: tuple[int, ...]) -> GanNetworks:
    """Build both networks, checking that the generator makes samples of the data's shape and the
    discriminator turns one into a single score."""
    try:
        gen = build(generator, (spec.noise_dim,))
    except ShapeError as e:
        raise GanError(f"The generator (noise of {spec.noise_dim} numbers in) does not build: {e}") from None
    if tuple(gen.output_shape) != tuple(sample_shape):
        raise GanError(
            f"The generator makes samples of shape {format_shape(gen.output_shape)}, but the data's samples are "
            f"{format_shape(sample_shape)}; make its last layer give {format_shape(sample_shape)}")
    try:
        disc = build(discriminator, tuple(sample_shape))
    except ShapeError as e:
        raise GanError(f"The discriminator (a sample of shape {format_shape(sample_shape)} in) does not build: {e}") from None
    if math.prod(disc.output_shape) != 1:
        raise GanError(f"The discriminator gives {format_shape(disc.output_shape)} numbers per sample; it must give one "
                       "real/fake score: set its last Linear layer's out_features to 1")
    return GanNetworks(gen, disc)


def split_weights(weights: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """The project's weights as (generator's, discriminator's) state dicts."""
    gen = {k: v for k, v in weights.items() if not k.startswith(PREFIX)}
    disc = {k[len(PREFIX):]: v for k, v in weights.items() if k.startswith(PREFIX)}
    return gen, disc


class GanTrainer:
    """Alternating updates of two networks, each with its own optimizer and step count."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, real: torch.Tensor, modes: torch.Tensor | None,
                 spec: GanSpec, training: TrainSpec) -> None:
        if len(real) < 2:
            raise GanError("A GAN needs at least 2 real training examples to learn from")
        torch.manual_seed(training.seed)
        self.generator, self.discriminator = generator, discriminator
        self.real, self.modes = real.float(), modes
        self.spec, self.training = spec, training
        self.g_optimizer = OPTIMIZERS.get(training.optimizer).obj(
            generator.parameters(), training.lr, training.weight_decay, training.optimizer_params)
        self.d_optimizer = OPTIMIZERS.get(spec.d_optimizer).obj(
            discriminator.parameters(), spec.d_lr, 0.0, spec.d_optimizer_params)
        self.loss_fn = LOSSES.get("bce").obj.make({}, CLASSIFICATION, 2)
        self.rng = torch.Generator().manual_seed(training.seed)
        # The same noise at every measurement: the points a view follows from step to step.
        self.fixed_noise = self.noise(spec.samples)
        self.measured_real = real[torch.randperm(len(real), generator=self.rng)[:MAX_REAL_MEASURED]].float()
        self.g_steps_done = 0
        self.d_steps_done = 0
        self.epochs_done = 0
        self.history: dict[str, list[float]] = {k: [] for k in HISTORY}

    # ------------------------------------------------------------------ one update each
    def noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.spec.noise_dim, generator=self.rng)

    def _real_batch(self) -> torch.Tensor:
        n = min(self.training.batch_size, len(self.real))
        return self.real[torch.randint(len(self.real), (n,), generator=self.rng)]

    def _targets(self, n: int, value: float) -> torch.Tensor:
        return torch.full((n,), value)

    def step_d(self) -> float:
        """One discriminator update: real samples towards 1, generated ones towards 0 (the generator is left as is)."""
        real = self._real_batch()
        with torch.no_grad():
            fake = self.generator(self.noise(len(real)))
        self.discriminator.train()
        loss = (self.loss_fn(self.discriminator(real), self._targets(len(real), 1.0))
                + self.loss_fn(self.discriminator(fake), self._targets(len(fake), 0.0)))
        self.d_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.d_optimizer.step()
        self.d_steps_done += 1
        return float(loss.detach())

    def step_g(self) -> float:
        """One generator update: make the discriminator score generated samples as real (its weights stay)."""
        self.generator.train()
        fake = self.generator(self.noise(min(self.training.batch_size, len(self.real))))
        loss = self.loss_fn(self.discriminator(fake), self._targets(len(fake), 1.0))
        self.g_optimizer.zero_grad(set_to_none=True)
        self.d_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.g_optimizer.step()
        self.d_optimizer.zero_grad(set_to_none=True)  # the discriminator's gradient from this step is not its own
        self.g_steps_done += 1
        return float(loss.detach())

    # ------------------------------------------------------------------ epochs
    def rounds_per_epoch(self) -> int:
        return max(1, math.ceil(len(self.real) / self.training.batch_size))

    def train_epoch(self) -> dict[str, float]:
        """One pass: as many rounds as the real data has batches; each round ``d_steps`` D then ``g_steps`` G updates."""
        d_losses, g_losses = [], []
        for _ in range(self.rounds_per_epoch()):
            d_losses += [self.step_d() for _ in range(self.spec.d_steps)]
            g_losses += [self.step_g() for _ in range(self.spec.g_steps)]
        self.epochs_done += 1
        figures = {"g_loss": sum(g_losses) / len(g_losses), "d_loss": sum(d_losses) / len(d_losses), **self.measure()}
        for key in HISTORY:
            self.history[key].append(figures[key])
        return figures

    def fit(self, epochs: int, on_epoch: Callable[[int, dict[str, float]], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> dict[str, list[float]]:
        with one_thread():
            for _ in range(epochs):
                if should_stop is not None and should_stop():
                    break
                figures = self.train_epoch()
                if on_epoch is not None:
                    on_epoch(self.epochs_done, figures)
        return self.history

    # ------------------------------------------------------------------ what the views and the CLI read
    def samples(self, noise: torch.Tensor | None = None) -> torch.Tensor:
        self.generator.eval()
        with torch.no_grad():
            return self.generator(self.fixed_noise if noise is None else noise)

    def losses(self) -> dict[str, float]:
        """Both losses on the fixed noise and the measured real points, without updating anything."""
        fake = self.samples()
        self.discriminator.eval()
        with torch.no_grad():
            real_score = self.discriminator(self.measured_real)
            fake_score = self.discriminator(fake)
        return {
            "d_loss": float(self.loss_fn(real_score, self._targets(len(real_score), 1.0))
                            + self.loss_fn(fake_score, self._targets(len(fake_score), 0.0))),
            "g_loss": float(self.loss_fn(fake_score, self._targets(len(fake_score), 1.0))),
        }

    def measure(self) -> dict[str, float]:
        """Coverage of the real data's modes (NaN without mode labels) and the energy distance to the data."""
        fake = self.samples()
        cover = coverage(self.real, self.modes, fake) if self.modes is not None else float("nan")
        return {"coverage": cover, "distance": energy_distance(fake, self.measured_real)}

    def verdict(self, points: torch.Tensor) -> torch.Tensor:
        """The discriminator's probability that each point is real (the heatmap over the plane)."""
        self.discriminator.eval()
        with torch.no_grad():
            return torch.sigmoid(self.discriminator(points.float()).reshape(-1))

    def generator_push(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The fixed-noise samples and, at each, minus the gradient of the generator's loss with respect to the
        sample: the direction a generator step moves it (the arrows)."""
        points = self.samples().detach().requires_grad_(True)
        self.discriminator.eval()
        loss = self.loss_fn(self.discriminator(points), self._targets(len(points), 1.0)) * len(points)
        (grad,) = torch.autograd.grad(loss, points)
        self.discriminator.zero_grad(set_to_none=True)
        return points.detach(), -grad

    def weights(self) -> dict[str, torch.Tensor]:
        """Both networks' tensors in one dict, the discriminator's under ``discriminator/``."""
        out = {k: v.detach().clone() for k, v in self.generator.state_dict().items()}
        out.update({PREFIX + k: v.detach().clone() for k, v in self.discriminator.state_dict().items()})
        return out
