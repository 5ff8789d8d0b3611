"""Choosing where tensors live."""

from __future__ import annotations

import contextlib

import torch

from nnstudio.core.base.errors import TrainingError


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA, then Apple's MPS, then the CPU; an explicit choice must exist."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if mps_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainingError("Device 'cuda' was chosen but no CUDA GPU is available here; choose 'auto' or 'cpu'")
    if name == "mps" and not mps_available():
        raise TrainingError("Device 'mps' was chosen but Apple's Metal backend is not available here; choose 'auto' or 'cpu'")
    return torch.device(name)


_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def precision_problem(precision: str, device: torch.device) -> str | None:
    """Why ``precision`` cannot be used on ``device``, or None: mixed precision is offered on CUDA GPUs only."""
    if precision == "fp32" or device.type == "cuda":
        return None
    return (f"Mixed precision ({precision}) runs on a CUDA GPU only, and this run is on the {device.type}; "
            "set precision to fp32, or choose device 'cuda' on a machine with an NVIDIA GPU")


def setting_problem(precision: str, device_name: str) -> str | None:
    """:func:`precision_problem` for the device a setting names, before any run (the Training tab's note)."""
    if precision == "fp32":
        return None
    try:
        device = resolve_device(device_name)
    except TrainingError as exc:  # the device itself is missing here: that is the problem to tell
        return str(exc)
    return precision_problem(precision, device)


class Precision:
    """The arithmetic of training steps: plain fp32, or autocast to bf16/fp16 (fp16 with a gradient scaler,
    because its small range turns small gradients into zeros unless the loss is scaled up first)."""

    def __init__(self, precision: str, device: torch.device) -> None:
        problem = precision_problem(precision, device)
        if problem:
            raise TrainingError(problem)
        self.dtype = _DTYPES.get(precision)
        self.device_type = device.type
        self.scaler = torch.amp.GradScaler(device.type) if precision == "fp16" else None

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def backward(self, loss: torch.Tensor) -> None:
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()

    def unscale(self, optimizer: torch.optim.Optimizer) -> None:
        """Before gradient clipping: clip the true gradients, not the scaled ones."""
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        if self.scaler is None:
            optimizer.step()
        else:  # skips the step when the scaled gradients overflowed, and adapts the scale
            self.scaler.step(optimizer)
            self.scaler.update()
