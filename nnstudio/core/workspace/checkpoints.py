"""Resumable checkpoints: a run's whole state at an epoch end, in safe formats only (safetensors + JSON).

A checkpoint folder holds ``checkpoint.json`` (epoch, planned epochs, the run's settings, history and the
structure of every state: optimizer, schedule, generators, early stopping, RNGs) and one
``epoch-NNNN.safetensors`` with every tensor that structure names. The tensors are written first, then the
JSON, each atomically: the JSON is the commit, so a run killed at any moment leaves the previous checkpoint
whole. Nothing is ever unpickled; the JSON names tensors by key, and a checkpoint's tensors file is checked
against the size and hash its JSON recorded before any of it is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.project.file_format import atomic_save, atomic_write

FORMAT = "nnstudio-checkpoint"
VERSION = 1
INDEX = "checkpoint.json"
MAX_INDEX_BYTES = 256 * 1024 * 1024  # a history of 100 000 epochs is a few MB; anything bigger is not ours
SUFFIX = ".checkpoints"  # OUT.nnstudio keeps its checkpoints in OUT.nnstudio.checkpoints/


class CheckpointError(NNStudioError):
    """A checkpoint cannot be written or read (or there is none); the message says what to do."""


def folder_for(project_file: Path) -> Path:
    """Where the checkpoints of ``project_file`` live: a folder beside it, named after it."""
    return project_file.with_name(project_file.name + SUFFIX)


# ---------------------------------------------------------------------------- encoding
class _Encoder:
    """Nested states as JSON, every tensor (and numpy array) pulled out into a flat dict for safetensors."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}

    def encode(self, value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            key = f"t{len(self.tensors)}"
            self.tensors[key] = value.detach().cpu().contiguous().clone()
            return {"__tensor__": key}
        if isinstance(value, np.ndarray):
            key = f"t{len(self.tensors)}"
            self.tensors[key] = torch.from_numpy(np.ascontiguousarray(value).astype(np.int64 if value.dtype.kind in "ui" else np.float64))
            return {"__ndarray__": key, "dtype": str(value.dtype)}
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v) for v in value]}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in value):
                return {k: self.encode(v) for k, v in value.items()}
            return {"__dict__": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if value is None or isinstance(value, bool | int | float | str):
            return value
        raise CheckpointError(f"a run's state holds a {type(value).__name__}, which a checkpoint cannot store")


def _decode(value: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(value, list):
        return [_decode(v, tensors) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value:
        return tensors[value["__tensor__"]]
    if "__ndarray__" in value:
        return tensors[value["__ndarray__"]].numpy().astype(value["dtype"])
    if "__tuple__" in value:
        return tuple(_decode(v, tensors) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k, tensors): _decode(v, tensors) for k, v in value["__dict__"]}
    return {k: _decode(v, tensors) for k, v in value.items()}


# ---------------------------------------------------------------------------- global RNGs
def rng_states() -> dict[str, Any]:
    """The process's random states: torch (dropout draws from it), numpy, Python, and CUDA when present."""
    states: dict[str, Any] = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    torch.set_rng_state(states["torch"])
    np.random.set_state(states["numpy"])
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(list(states["cuda"]))


# ---------------------------------------------------------------------------- the checkpoint
@dataclass
class Checkpoint:
    """One read checkpoint: the trainer's resume state plus what the run was planned to be."""

    epoch: int
    target_epochs: int
    every: int
    training: dict[str, Any]  # the run's frozen settings (TrainSpec.to_dict(), live edits included)
    fingerprint: str  # of the project's architecture and data, to refuse a checkpoint of another project
    state: dict[str, Any]  # Trainer.resume_state() plus "rng"
    folder: Path

    @property
    def history(self) -> dict[str, list[float]]:
        return self.state["history"]


def write_checkpoint(folder: Path, state: dict[str, Any], *, target_epochs: int, every: int,
                     training: dict[str, Any], fingerprint: str) -> Path:
    """Write the state of a run at the end of its epoch ``state['epochs_done']``; returns the index file.

    The tensors file first, then the index that names it (the commit); older tensor files go afterwards."""
    epoch = int(state["epochs_done"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CheckpointError(f"Cannot create the checkpoint folder {folder}: {exc.strerror or exc}; choose another place to save") from None
    encoder = _Encoder()
    structure = encoder.encode({**state, "rng": rng_states()})
    name = f"epoch-{epoch:05d}.safetensors"
    atomic_save(folder / name, lambda tmp: save_file(encoder.tensors, str(tmp)), CheckpointError)
    data = (folder / name).read_bytes()
    index = {
        "format": FORMAT, "version": VERSION, "epoch": epoch, "target_epochs": int(target_epochs),
        "every": int(every), "training": training, "fingerprint": fingerprint,
        "tensors": {"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()},
        "state": structure,
    }
    text = json.dumps(index).encode()
    atomic_write(folder / INDEX, lambda fh: fh.write(text))
    for old in folder.glob("epoch-*.safetensors"):
        if old.name != name:
            old.unlink(missing_ok=True)
    return folder / INDEX


def read_checkpoint(folder: Path) -> Checkpoint:
    """The last checkpoint in ``folder``; CheckpointError naming the problem when there is none or it is damaged."""
    index_path = folder / INDEX
    if not index_path.is_file():
        raise CheckpointError(f"there is no checkpoint to resume ({index_path} does not exist); train with "
                              "--checkpoint-every K --save to write checkpoints")
    try:
        if index_path.stat().st_size > MAX_INDEX_BYTES:
            raise CheckpointError(f"{index_path} is larger than any checkpoint nnstudio writes; it is not a checkpoint")
        index = json.loads(index_path.read_bytes())
        if not isinstance(index, dict) or index.get("format") != FORMAT:
            raise CheckpointError(f"{index_path} is not an nnstudio checkpoint")
        if index.get("version") != VERSION:
            raise CheckpointError(f"{index_path} was written by another nnstudio version (checkpoint version "
                                  f"{index.get('version')}); train again")
        tensors_info = index["tensors"]
        tensors_path = folder / Path(str(tensors_info["file"])).name  # never outside the folder
        data = tensors_path.read_bytes()
        if len(data) != tensors_info["bytes"] or hashlib.sha256(data).hexdigest() != tensors_info["sha256"]:
            raise CheckpointError(f"{tensors_path.name} does not match {INDEX} (the checkpoint is damaged); train again")
        tensors = load_file(str(tensors_path))
        state = _decode(index["state"], tensors)
        return Checkpoint(int(index["epoch"]), int(index["target_epochs"]), int(index["every"]), dict(index["training"]),
                          str(index["fingerprint"]), state, folder)
    except CheckpointError:
        raise
    except (OSError, ValueError, KeyError, TypeError, SafetensorError) as exc:
        raise CheckpointError(f"the checkpoint in {folder} cannot be read ({type(exc).__name__}: {exc}); "
                              "it is damaged: train again") from None


def remove_checkpoints(folder: Path) -> None:
    """A run that reached its planned end has nothing to resume: its checkpoints go."""
    if not folder.is_dir():
        return
    for path in [*folder.glob("epoch-*.safetensors"), folder / INDEX]:
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # something else lives there: leave the folder
        folder.rmdir()
