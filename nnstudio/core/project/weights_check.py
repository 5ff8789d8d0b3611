"""Whether stored weights can be used: floating-point numbers, all finite.

Shared by project files (:mod:`nnstudio.core.project.file_format`) and weight imports (:mod:`nnstudio.core.project.weights_io`).
A network computes in float32; other floating types are converted and the conversion is reported, never
silent. Integer, boolean and complex tensors are not weights (except BatchNorm's batch counter), and NaN or
infinite values (what a diverged run leaves) make every output NaN, so both are named and refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

Tensors = dict[str, torch.Tensor]

COMPUTE_DTYPE = torch.float32
SHOWN = 3  # tensors named in one message


@dataclass
class TensorCheck:
    tensors: Tensors  # the usable tensors, floating ones in the dtype asked for
    problem: str = ""  # '' when usable; else which tensors cannot be used and why
    diverged: bool = False  # the problem is NaN or infinite values
    converted: str = ""  # '' or "stored as float16 (names) and converted to float32"


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def default_dtype(name: str) -> torch.dtype:
    """What nnstudio's own networks hold under ``name``: float32, but BatchNorm counts batches in int64."""
    return torch.int64 if name.rsplit(".", 1)[-1] == "num_batches_tracked" else COMPUTE_DTYPE


def _kind(dtype: torch.dtype) -> str:
    if dtype.is_floating_point:
        return "float"
    if dtype.is_complex:
        return "complex"
    return "bool" if dtype == torch.bool else "int"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def usable_tensors(tensors: Mapping[str, torch.Tensor], expected: Mapping[str, torch.dtype] | None = None) -> TensorCheck:
    """Check every tensor against the dtype the network holds (``expected``, else :func:`default_dtype`)."""
    wrong: list[str] = []
    nonfinite: list[str] = []
    converted: dict[str, list[str]] = {}
    out: Tensors = {}
    for name, tensor in sorted(tensors.items()):  # sorted: the same file always gives the same message
        want = expected.get(name, default_dtype(name)) if expected is not None else default_dtype(name)
        have = tensor.dtype
        if _kind(have) != _kind(want):  # int32 for BatchNorm's int64 counter is the same kind: converted below
            wrong.append(f"{name} is stored as {dtype_name(have)}")
            continue
        if have.is_floating_point:
            bad = int((~torch.isfinite(tensor)).sum())
            if bad:
                nonfinite.append(f"{name} holds {bad:,} NaN or infinite value{'s' if bad > 1 else ''} (of {tensor.numel():,})")
                continue
        if have != want:
            converted.setdefault(dtype_name(have), []).append(name)
            tensor = tensor.to(want)
        out[name] = tensor
    if wrong:
        return TensorCheck({}, f"{_listed(wrong)}, but a network's weights are floating-point numbers")
    if nonfinite:
        return TensorCheck({}, f"{_listed(nonfinite)}, as a run that diverged leaves them", diverged=True)
    notes = [
        f"stored as {dtype} ({f'all {len(names)} tensors' if len(names) == len(tensors) else _listed(names)}) "
        f"and converted to {dtype_name(out[names[0]].dtype)}"
        for dtype, names in converted.items()
    ]
    return TensorCheck(out, converted="; ".join(notes))
