"""GanSpec: how a GAN project's two networks take turns.

A GAN project's ``architecture`` is the generator (noise in, a sample out) and ``networks['discriminator']``
the discriminator (a sample in, one real/fake score out). The generator learns with the project's
training settings (optimizer, learning rate, batch size, epochs, seed); the discriminator with its own
optimizer and learning rate given here. Each round makes ``d_steps`` discriminator updates, then
``g_steps`` generator updates.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any

from nnstudio.core.base.errors import SpecError
from nnstudio.core.base.registry import OPTIMIZERS, Param

DISCRIMINATOR = "discriminator"  # the name of the second network in Project.networks

SETTINGS: tuple[Param, ...] = (
    Param("noise_dim", int, 2, "How many random numbers the generator turns into one sample.", 1, 4096,
          label="Noise size"),
    Param("d_steps", int, 1, "Discriminator updates in each round, before the generator's.", 1, 100,
          label="D steps per round"),
    Param("g_steps", int, 1, "Generator updates in each round, after the discriminator's.", 1, 100,
          label="G steps per round"),
    Param("d_lr", float, 1e-3, "The discriminator's learning rate (the generator uses the training settings').",
          1e-7, 10.0, label="D learning rate"),
    Param("samples", int, 500, "Generated samples the coverage and distance figures are measured on.", 10, 100_000,
          label="Samples measured"),
)


@dataclass
class GanSpec:
    noise_dim: int = 2
    d_steps: int = 1
    g_steps: int = 1
    d_lr: float = 1e-3
    samples: int = 500
    d_optimizer: str = "adam"
    d_optimizer_params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "gan") -> GanSpec:
        if not isinstance(data, dict):
            raise SpecError(where, data, "must be an object of GAN settings")
        known = {f.name for f in fields(cls)}
        for name in data:
            if name not in known:
                raise SpecError(f"{where}.{name}", data[name], f"is not a GAN setting (known: {', '.join(sorted(known))})")
        out = cls()
        for param in SETTINGS:
            setattr(out, param.name, param.coerce(data.get(param.name, getattr(out, param.name)), f"{where}.{param.name}"))
        name = data.get("d_optimizer", out.d_optimizer)
        if not isinstance(name, str) or name not in OPTIMIZERS:
            raise SpecError(f"{where}.d_optimizer", name, f"must be one of {', '.join(OPTIMIZERS.names())}")
        out.d_optimizer = name
        out.d_optimizer_params = OPTIMIZERS.get(name).validate(data.get("d_optimizer_params", {}), f"{where}.d_optimizer_params")
        return out

    def copy(self) -> GanSpec:
        return copy.deepcopy(self)
