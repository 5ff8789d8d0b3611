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
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load, save_file

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.project.file_format import atomic_save, atomic_write

FORMAT = "nnstudio-checkpoint"
VERSION = 1
INDEX = "checkpoint.json"
MAX_INDEX_BYTES = 256 * 1024 * 1024  # a history of 100 000 epochs is a few MB; anything bigger is not ours
SUFFIX = ".checkpoints"  # OUT.nnstudio keeps its checkpoints in OUT.nnstudio.checkpoints/
READ_TRIES = 5  # a reader racing a live run reads again at most this often
LOCK = "writing.lock"  # held by the run writing the folder (see writer_lock)


class CheckpointError(NNStudioError):
    """A checkpoint cannot be written or read (or there is none); the message says what to do."""


def folder_for(project_file: Path) -> Path:
    """Where the checkpoints of ``project_file`` live: a folder beside it, named after it."""
    return project_file.with_name(project_file.name + SUFFIX)


@contextlib.contextmanager
def writer_lock(folder: Path) -> Iterator[None]:
    """Held while one run writes checkpoints into ``folder``: a second run there (``--resume`` of a run that is
    still going) is refused instead of both removing each other's files. The system drops the lock when the
    process ends, even killed, so a crashed run never blocks its resume. No check where flock is missing (Windows)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = _locked(folder / LOCK, fcntl)
    except OSError as exc:
        raise CheckpointError(f"Cannot use the checkpoint folder {folder}: {exc.strerror or exc}; choose another place to save") from None
    if handle is None:
        raise CheckpointError(f"another nnstudio run is still writing checkpoints into {folder}; let it finish "
                              "(or stop it), then resume")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            (folder / LOCK).unlink()
            folder.rmdir()  # only once nothing else is left (a finished run removed its checkpoints)
        handle.close()


def _locked(path: Path, fcntl):  # -> the open, locked file, or None when another process holds it
    for _ in range(READ_TRIES):
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:  # not a lock file its last holder just removed
                return handle
        handle.close()
    return None


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
    written: dict[str, Any] = {}

    def save(tmp: Path) -> None:  # size and hash of the temp file: once renamed, another writer may remove it
        save_file(encoder.tensors, str(tmp))
        data = tmp.read_bytes()
        written.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())

    atomic_save(folder / name, save, CheckpointError)
    index = {
        "format": FORMAT, "version": VERSION, "epoch": epoch, "target_epochs": int(target_epochs),
        "every": int(every), "training": training, "fingerprint": fingerprint,
        "tensors": {"file": name, **written},
        "state": structure,
    }
    text = json.dumps(index).encode()
    atomic_write(folder / INDEX, lambda fh: fh.write(text))
    for old in folder.glob("epoch-*.safetensors"):
        if old.name != name:
            old.unlink(missing_ok=True)
    return folder / INDEX


def read_checkpoint(folder: Path) -> Checkpoint:
    """The last checkpoint in ``folder``; CheckpointError naming the problem when there is none or it is damaged.

    A run still writing into ``folder`` may commit a newer checkpoint (and remove the older tensors) while this
    reads: when the index changed meanwhile, the newer checkpoint is read instead."""
    index_path = folder / INDEX
    for _ in range(READ_TRIES):
        text = _index_bytes(index_path)
        try:
            return _from_index(text, folder)
        except _TensorsGone as gone:
            with contextlib.suppress(OSError):
                if index_path.read_bytes() != text:  # a newer checkpoint was committed meanwhile
                    continue
            raise CheckpointError(str(gone)) from None
    raise CheckpointError(f"the checkpoint in {folder} changed {READ_TRIES} times while it was read: a run is still "
                          "writing into it; let it finish (or stop it), then resume")



class _TensorsGone(Exception):
    """The tensors file the index names is missing or is another one (maybe replaced meanwhile)."""


def _index_bytes(index_path: Path) -> bytes:
    try:
        if index_path.stat().st_size > MAX_INDEX_BYTES:
            raise CheckpointError(f"{index_path} is larger than any checkpoint nnstudio writes; it is not a checkpoint")
        return index_path.read_bytes()
    except FileNotFoundError:  # also when a finished run removed it just now
        raise CheckpointError(f"there is no checkpoint to resume ({index_path} does not exist); train with "
                              "--checkpoint-every K --save to write checkpoints") from None
    except OSError as exc:
        raise CheckpointError(f"{index_path} cannot be read ({exc.strerror or exc}); check the folder's permissions") from None


def _from_index(text: bytes, folder: Path) -> Checkpoint:
    index_path = folder / INDEX
    try:
        index = json.loads(text)
        if not isinstance(index, dict) or index.get("format") != FORMAT:
            raise CheckpointError(f"{index_path} is not an nnstudio checkpoint")
        if index.get("version") != VERSION:
            raise CheckpointError(f"{index_path} was written by another nnstudio version (checkpoint version "
                                  f"{index.get('version')}); train again")
        tensors_info = index["tensors"]
        tensors_path = folder / Path(str(tensors_info["file"])).name  # never outside the folder
        try:
            data = tensors_path.read_bytes()
        except FileNotFoundError:
            raise _TensorsGone(f"{tensors_path.name}, which {INDEX} names, is missing from {folder} (another run may "
                               "be writing into this folder); let it finish, then resume, or train again") from None
        if len(data) != tensors_info["bytes"] or hashlib.sha256(data).hexdigest() != tensors_info["sha256"]:
            raise _TensorsGone(f"{tensors_path.name} does not match {INDEX} (the checkpoint is damaged); train again")
        tensors = load(data)  # the bytes just checked: the file may be replaced meanwhile
        state = _decode(index["state"], tensors)
        return Checkpoint(int(index["epoch"]), int(index["target_epochs"]), int(index["every"]), dict(index["training"]),
                          str(index["fingerprint"]), state, folder)
    except (CheckpointError, _TensorsGone):
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
