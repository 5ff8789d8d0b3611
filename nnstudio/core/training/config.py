"""TrainSpec: everything that decides how a run learns."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any

from nnstudio.core.errors import SpecError

DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass
class TrainSpec:
    loss: str = "cross_entropy"
    loss_params: dict[str, Any] = field(default_factory=dict)
    optimizer: str = "adam"
    optimizer_params: dict[str, Any] = field(default_factory=dict)
    lr: float = 1e-3
    batch_size: int = 32
    epochs: int = 20
    weight_decay: float = 0.0  # L2 strength, passed to the optimizer
    l1: float = 0.0  # L1 strength, added to the loss
    seed: int = 0
    device: str = "auto"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "training") -> TrainSpec:
        from nnstudio.core.registry import LOSSES, OPTIMIZERS

        if not isinstance(data, dict):
            raise SpecError(where, data, "must be an object")
        known = {f.name for f in fields(cls)}
        for name in data:
            if name not in known:
                raise SpecError(f"{where}.{name}", data[name], f"is not a training setting (known: {', '.join(sorted(known))})")
        out = cls()

        def number(name: str, kind: type, low: float, high: float, low_open: bool = False) -> None:
            value = data.get(name, getattr(out, name))
            ok = not isinstance(value, bool) and isinstance(value, int | float) and (kind is float or float(value).is_integer())
            if ok:
                ok = (value > low if low_open else value >= low) and value <= high
            if not ok:
                what = "a whole number" if kind is int else "a number"
                bound = f"above {low:g}" if low_open else f"from {low:g}"
                raise SpecError(f"{where}.{name}", value, f"must be {what} {bound} to {high:g}")
            setattr(out, name, kind(value))

        number("lr", float, 0.0, 10.0, low_open=True)
        number("batch_size", int, 1, 1_000_000)
        number("epochs", int, 1, 100_000)
        number("weight_decay", float, 0.0, 10.0)
        number("l1", float, 0.0, 10.0)
        number("seed", int, 0, 2**31 - 1)
        device = data.get("device", out.device)
        if device not in DEVICES:
            raise SpecError(f"{where}.device", device, f"must be one of {', '.join(DEVICES)}")
        out.device = device
        for reg, name in ((LOSSES, "loss"), (OPTIMIZERS, "optimizer")):
            value = data.get(name, getattr(out, name))
            if not isinstance(value, str) or value not in reg:
                raise SpecError(f"{where}.{name}", value, f"must be one of {', '.join(reg.names())}")
            setattr(out, name, value)
            setattr(out, f"{name}_params", reg.get(value).validate(data.get(f"{name}_params", {}), f"{where}.{name}_params"))
        return out

    def copy(self) -> TrainSpec:
        return copy.deepcopy(self)
