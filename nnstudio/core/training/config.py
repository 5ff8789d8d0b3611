"""TrainSpec: everything that decides how a run learns.

The plain settings are declared once as registry ``Param``s (type, range, help): the loader validates
against them, naming the field, and the Training tab builds its form and help from the same list.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any

from nnstudio.core.base.errors import SpecError
from nnstudio.core.base.registry import Param
from nnstudio.core.training.limits import LR_MAX

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16", "fp16")  # bf16/fp16: mixed precision, CUDA only (devices.Precision)
MONITORS = ("val_loss", "val_accuracy", "val_rmse")


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
    schedule: str = "none"
    schedule_params: dict[str, Any] = field(default_factory=dict)
    early_stopping: bool = False
    monitor: str = "val_loss"  # the validation value early stopping and the "best epoch" watch
    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True
    grad_clip: float = 0.0  # largest allowed gradient norm; 0 switches clipping off
    precision: str = "fp32"  # bf16/fp16 autocast, CUDA only (core/training/devices.py)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "training") -> TrainSpec:
        from nnstudio.core.base.registry import LOSSES, OPTIMIZERS
        from nnstudio.core.training.schedules import SCHEDULES

        if not isinstance(data, dict):
            raise SpecError(where, data, "must be an object")
        known = {f.name for f in fields(cls)}
        for name in data:
            if name not in known:
                raise SpecError(f"{where}.{name}", data[name], f"is not a training setting (known: {', '.join(sorted(known))})")
        out = cls()
        for param in SETTINGS:
            value = data.get(param.name, getattr(out, param.name))
            setattr(out, param.name, param.coerce(value, f"{where}.{param.name}"))
        for reg, name in ((LOSSES, "loss"), (OPTIMIZERS, "optimizer"), (SCHEDULES, "schedule")):
            value = data.get(name, getattr(out, name))
            if not isinstance(value, str) or value not in reg:
                raise SpecError(f"{where}.{name}", value, f"must be one of {', '.join(reg.names())}")
            setattr(out, name, value)
            setattr(out, f"{name}_params", reg.get(value).validate(data.get(f"{name}_params", {}), f"{where}.{name}_params"))
        return out

    def copy(self) -> TrainSpec:
        return copy.deepcopy(self)


# The plain (non-registry) settings, in the order the Training tab shows them.
SETTINGS: tuple[Param, ...] = (
    Param("lr", float, 1e-3, "How big a step the optimizer takes against the gradient. Too large: the loss jumps "
          "around or explodes; too small: learning crawls. 0.001 suits Adam, 0.01-0.1 suits SGD.", 1e-7, LR_MAX,
          label="Learning rate"),
    Param("batch_size", int, 32, "Examples per weight update. Small batches give noisy but frequent steps; large "
          "batches give smooth, fewer steps and use the hardware better.", 1, 1_000_000, label="Batch size"),
    Param("epochs", int, 20, "Passes over the whole training split in one run.", 1, 100_000, label="Epochs"),
    Param("weight_decay", float, 0.0, "L2 regularization: pulls every weight a little towards zero at each step, "
          "which discourages large weights and overfitting. Try 1e-4.", 0.0, 10.0, label="L2 (weight decay)"),
    Param("l1", float, 0.0, "L1 regularization: adds this times the sum of absolute weights to the loss. It drives "
          "unneeded weights to exactly zero (a sparse network). Try 1e-5.", 0.0, 10.0, label="L1 strength"),
    Param("grad_clip", float, 0.0, "Rescale the gradient whenever its overall length exceeds this value, so a "
          "single bad batch cannot throw the weights far away. 0 = off; try 1.0.", 0.0, 1e6,
          label="Gradient clipping"),
    Param("early_stopping", bool, False, "Stop when the monitored validation value has not improved for "
          "'patience' epochs: training longer would only overfit.", label="Early stopping"),
    Param("monitor", str, "val_loss", "The validation value that decides the best epoch and early stopping. "
          "Accuracy is for classification, RMSE for regression.", choices=MONITORS, label="Monitor"),
    Param("patience", int, 5, "Epochs without improvement before early stopping ends the run.", 1, 10_000,
          label="Patience"),
    Param("min_delta", float, 0.0, "The smallest change that counts as an improvement.", 0.0, 1e6,
          label="Min. improvement"),
    Param("restore_best", bool, True, "When early stopping ends the run, put back the weights of the best epoch "
          "instead of keeping the last (worse) ones.", label="Restore best weights"),
    Param("seed", int, 0, "Starting point of the random numbers: the same seed gives the same initial weights "
          "and the same shuffling, so a run can be repeated exactly.", 0, 2**31 - 1, label="Seed"),
    Param("device", str, "auto", "Where the maths runs: 'auto' picks an NVIDIA GPU (cuda), then an Apple GPU "
          "(mps), then the CPU.", choices=DEVICES, label="Device"),
    Param("precision", str, "fp32", "The number format of the training steps. fp32 is exact and runs anywhere; "
          "on an NVIDIA GPU, bf16 or fp16 mixed precision trains faster in less memory (fp16 scales the loss so "
          "small gradients survive).", choices=PRECISIONS, label="Precision"),
)


def setting(name: str) -> Param:
    for param in SETTINGS:
        if param.name == name:
            return param
    raise KeyError(name)
