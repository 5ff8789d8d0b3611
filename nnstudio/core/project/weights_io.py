"""Weights in and out: import safetensors or a PyTorch state_dict (never unpickling code), export
safetensors, ONNX (optional extra) and a ``torch.export`` program."""

from __future__ import annotations

import importlib.util
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnstudio import __version__
from nnstudio.core.arch.weights import apply_weights, snapshot_weights
from nnstudio.core.base.errors import NNStudioError, ProjectFileError
from nnstudio.core.project.file_format import atomic_save, atomic_write, looks_like_pickle
from nnstudio.core.project.weights_check import usable_tensors

Tensors = dict[str, torch.Tensor]

WEIGHT_SUFFIXES = (".safetensors", ".pt", ".pth", ".bin", ".ckpt", ".nnstudio")
MAX_WEIGHTS_FILE = 4 * 1024**3
ONNX_HELP = (
    "Exporting to ONNX needs the optional packages onnx and onnxscript, which are not installed. "
    "Install them with:  pip install \"nnstudio[onnx]\"  (or: pip install onnx onnxscript), then restart nnstudio"
)
# Containers a training script commonly wraps a state_dict in (torch.save({"state_dict": ...})).
WRAPPER_KEYS = ("state_dict", "model_state_dict", "model", "weights", "net")


class WeightsError(ProjectFileError):
    """A weights file cannot be read, or its tensors do not fit the network."""


class ExportError(NNStudioError):
    """The model cannot be exported in the format asked for."""


# ---------------------------------------------------------------------------- import
def read_weights_file(path: str | Path) -> Tensors:
    """The tensors of a safetensors file, a ``torch.save``-d state_dict (read with ``weights_only=True``,
    so a file hiding code is refused, not run), or another ``.nnstudio`` project's current weights."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path} does not exist or is not a file; check the name and folder")
    if path.stat().st_size > MAX_WEIGHTS_FILE:
        raise WeightsError(f"{path.name} is larger than 4 GB; nnstudio's networks are far smaller, so it is not read")
    suffix = path.suffix.lower()
    if suffix == ".nnstudio":
        from nnstudio.core.project.file_format import load_project

        project = load_project(path)
        if not project.weights:
            if project.notes:  # its weights were dropped on reading: say why
                raise WeightsError(f"{path.name}: {project.notes[0]}")
            raise WeightsError(f"{path.name} holds no trained weights; train it first or choose another file")
        weights = project.weights
        return weights
    with path.open("rb") as fh:
        head = fh.read(8)
    if suffix == ".safetensors" or not (looks_like_pickle(head) or head.startswith(b"PK")):
        return _read_safetensors(path)
    return _read_torch(path)


def _read_safetensors(path: Path) -> Tensors:
    from safetensors.torch import load

    try:
        return load(path.read_bytes())
    except Exception as exc:  # noqa: BLE001 - SafetensorError and friends
        raise WeightsError(
            f"{path.name} is not a readable safetensors file ({exc}); nnstudio imports .safetensors files and "
            "PyTorch state_dicts saved with torch.save (.pt/.pth)"
        ) from None


def _read_torch(path: Path) -> Tensors:
    try:
        # weights_only: the restricted unpickler builds tensors and plain containers only; any other
        # object (os.system, a custom class ...) makes it fail before anything runs.
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise WeightsError(
            f"{path.name} was refused: it holds more than tensors (Python objects or code, which nnstudio never "
            f"runs). Save just the state_dict: torch.save(model.state_dict(), path). Details: {str(exc).splitlines()[0]}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file makes torch.load raise almost anything (IndexError, AssertionError ...)
        raise WeightsError(f"{path.name} is not a readable PyTorch file ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None
    return _as_state_dict(obj, path.name)


def _as_state_dict(obj: Any, name: str) -> Tensors:
    if isinstance(obj, nn.Module):  # cannot happen with weights_only, but be explicit
        obj = obj.state_dict()
    if isinstance(obj, Mapping):
        for key in WRAPPER_KEYS:
            inner = obj.get(key)
            if isinstance(inner, Mapping) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                obj = inner
                break
    if not isinstance(obj, Mapping) or not obj:
        raise WeightsError(f"{name} does not hold a state_dict (a mapping of names to tensors); got {type(obj).__name__}")
    bad = [str(k) for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise WeightsError(f"{name}: these entries are not tensors: {', '.join(bad[:6])}; import a plain state_dict")
    weights = dict(obj)
    # nn.DataParallel / DistributedDataParallel save every name with a "module." prefix.
    if all(k.startswith("module.") for k in weights):
        weights = {k.removeprefix("module."): v for k, v in weights.items()}
    return weights


def import_weights(path: str | Path, module: nn.Module, notes: list[str] | None = None) -> Tensors:
    """Read ``path`` and load it into ``module`` (the project's architecture); a mismatch names every
    missing, unexpected or mis-shaped tensor. Returns the weights as the module now holds them.

    Tensors that are not floating-point or hold NaN/inf are refused, naming them; a float16/float64 tensor
    is converted to the network's dtype and ``notes`` (when given) gets one sentence saying so."""
    name = Path(path).name
    weights = read_weights_file(path)
    expected = {k: v.dtype for k, v in module.state_dict().items()}
    check = usable_tensors({k: v for k, v in weights.items() if k in expected}, expected)
    if check.problem:
        why = ("they would make every prediction NaN, so they are not imported" if check.diverged else
               "import floating-point weights (model.float() before torch.save converts them)")
        raise WeightsError(f"{name}: {check.problem}; {why}")
    if check.converted and notes is not None:
        notes.append(f"{name}: weights {check.converted}, the precision of this network")
    weights = {**weights, **check.tensors}
    try:
        apply_weights(module, weights)
    except ProjectFileError as exc:
        raise WeightsError(f"{Path(path).name}: {exc}") from None
    return snapshot_weights(module)


# ---------------------------------------------------------------------------- export
def export_safetensors(weights: Tensors | None, path: str | Path) -> int:
    from safetensors.torch import save

    if not weights:
        raise ExportError("There are no trained weights to export yet; train the network (or import weights) first")
    data = save({k: v.detach().cpu().contiguous() for k, v in weights.items()}, metadata={"format": "pt", "exporter": f"nnstudio {__version__}"})
    return atomic_write(Path(path), lambda fh: fh.write(data))


def onnx_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("onnx", "onnxscript"))


def _dynamic_batch(example: torch.Tensor) -> tuple[dict[int, Any]]:
    return ({0: torch.export.Dim.AUTO},)


def export_program(module: nn.Module, example: torch.Tensor, path: str | Path) -> Path:
    """Save a ``torch.export`` program (``.pt2``): the network as a graph any PyTorch can load and run."""
    path = Path(path)
    module = module.eval()
    try:
        with torch.no_grad():
            program = torch.export.export(module, (example,), dynamic_shapes=_dynamic_batch(example))
    except Exception as exc:  # noqa: BLE001 - torch.export raises many kinds; the user needs one message
        raise ExportError(f"torch.export could not trace this network ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    atomic_save(path, lambda tmp: torch.export.save(program, tmp), ExportError)
    return path


def export_onnx(module: nn.Module, example: torch.Tensor, path: str | Path) -> Path:
    """Save the network as ONNX (opset chosen by torch), with a variable batch size."""
    if not onnx_available():
        raise ExportError(ONNX_HELP)
    path = Path(path)
    module = module.eval()
    try:
        with torch.no_grad():
            program = torch.onnx.export(module, (example,), dynamo=True, dynamic_shapes=_dynamic_batch(example), verbose=False)
    except Exception as exc:  # noqa: BLE001 - exporter errors come in many types
        raise ExportError(f"ONNX export failed for this network ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    atomic_save(path, lambda tmp: program.save(tmp), ExportError)
    return path


def example_input(x: torch.Tensor, rows: int = 2) -> torch.Tensor:
    """A small batch of real inputs to trace the network with."""
    return x[:rows].detach().cpu().clone()
