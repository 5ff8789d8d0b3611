"""GAN example projects: the generator is the project's architecture, the discriminator its second network."""

from __future__ import annotations

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.generative.gan_spec import DISCRIMINATOR, GanSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec


def _mlp(name: str, n_in: int, hidden: int, n_out: int, activation: str, tail: list | None = None) -> ArchitectureSpec:
    return ArchitectureSpec([
        layer("linear", in_features=n_in, out_features=hidden), layer(activation),
        layer("linear", in_features=hidden, out_features=hidden), layer(activation),
        layer("linear", in_features=hidden, out_features=n_out), *(tail or []),
    ], name=name)


def gan_ring() -> Project:
    """GAN Lab's demo: 2 noise numbers -> a point, against 8 Gaussian modes on a ring."""
    return Project(
        "GAN on 8 Gaussian modes (2-D)",
        _mlp("Generator", 2, 64, 2, "relu"),
        DataSpec.from_dict({"source": "gaussian_ring", "params": {"n_samples": 1000, "modes": 8}}),
        TrainSpec.from_dict({"device": "cpu", "loss": "bce", "optimizer": "adam", "lr": 1e-3, "batch_size": 64,
                             "epochs": 100, "optimizer_params": {"beta1": 0.5}}),
        networks={DISCRIMINATOR: _mlp("Discriminator", 2, 64, 1, "leaky_relu")},
        gan=GanSpec.from_dict({"noise_dim": 2, "d_lr": 1e-3, "d_optimizer_params": {"beta1": 0.5}}),
    )


def gan_digits() -> Project:
    """16 noise numbers -> an 8x8 digit (pixels in [0, 1] through a sigmoid), against the real digits."""
    return Project(
        "GAN on 8x8 digits",
        _mlp("Generator", 16, 128, 64, "relu", [layer("sigmoid"), layer("reshape", shape="1,8,8")]),
        DataSpec.from_dict({"source": "digits"}),
        # A slower discriminator (5e-4 against the generator's 2e-3) in batches of 32: in batches of 64 at equal rates
        # it wins within a few epochs and the generator collapses onto one blob (coverage 0.1 of the ten digits).
        TrainSpec.from_dict({"device": "cpu", "loss": "bce", "optimizer": "adam", "lr": 2e-3, "batch_size": 32,
                             "epochs": 40, "optimizer_params": {"beta1": 0.5}}),
        networks={DISCRIMINATOR: ArchitectureSpec([layer("flatten"), *_mlp("", 64, 128, 1, "leaky_relu").layers],
                                                  name="Discriminator")},
        gan=GanSpec.from_dict({"noise_dim": 16, "d_lr": 5e-4, "d_optimizer_params": {"beta1": 0.5}}),
    )
