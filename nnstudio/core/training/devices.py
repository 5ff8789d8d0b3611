"""Choosing where tensors live."""

from __future__ import annotations

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
