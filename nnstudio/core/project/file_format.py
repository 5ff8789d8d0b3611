"""Reading and writing ``.nnstudio`` files: atomic saves, size limits, no pickle, fitted preprocessing.

Layout of the zip (format 2)::

    project.json                        specs, current curves, run records, fitted preprocessing (JSON)
    weights.safetensors                 the current weights
    runs/run-<id>.safetensors           each kept run's final weights
    runs/run-<id>-snapshots.safetensors per-epoch weights, keys "<epoch>/<tensor>" (only if asked for)
    preprocessing.safetensors           the arrays of the fitted preprocessing state

Everything is JSON or safetensors, so opening a file never runs code. Every member is checked against an
absolute cap on its expanded size (declared, then bytes actually inflated), and the archive against a member
count and a total, so a zip bomb is refused instead of filling the memory. project.json gets no ratio test:
honest JSON (an embedded table, long repeated names) deflates several hundred times. The writer refuses what
the reader would refuse, so every file nnstudio writes opens again.

Every failure to read a file is a :class:`ProjectFileError`. Weights that cannot be used (NaN or infinite
values, integer or boolean tensors) are dropped with a note in ``Project.notes`` rather than refusing the
whole project, so a diverged run's file still opens.
"""

from __future__ import annotations

import glob
import io
import json
import os
import re
import struct
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from nnstudio.core.base.errors import NNStudioError, ProjectFileError
from nnstudio.core.base.pids import pid_alive
from nnstudio.core.project.spec import (
    MAX_JSON_BYTES,
    MAX_RUNS,
    MAX_WEIGHTS_BYTES,
    PROJECT_JSON,
    WEIGHTS,
    Project,
    Tensors,
)
from nnstudio.core.project.weights_check import usable_tensors

PREPROCESSING = "preprocessing.safetensors"
MAX_MEMBERS = 1024
MAX_TOTAL_BYTES = 4 * 1024**3
# nnstudio stores its safetensors members uncompressed (ratio 1); one deflated beyond this is not its own
# and would make a small file fill the memory. project.json is exempt: honest JSON deflates far better.
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024  # tiny members may compress arbitrarily well
# A temp file left by a save that was killed: ".<name>.<pid>-<mkstemp's 8 characters>.part", or without the
# pid as saves wrote them before. Old-style ones are removed once they are this many seconds old.
PART_RE = re.compile(r"(?:(\d+)-)?[a-z0-9_]{8}")
OLD_PART_AGE = 60.0
_writing: set[str] = set()  # temp files this process is writing now (never removed as stale)
_writing_lock = threading.Lock()
CHUNK = 1024 * 1024
SHOWN_SETS = 4  # weight sets named in one note
# Test hook: when set (to a file path), a save stops after writing part of its temp file, creates that
# file to say so, and waits to be killed. Lets a test prove the previous file survives a crash mid-save.
CRASH_HOOK_ENV = "NNSTUDIO_TEST_CRASH_AFTER_PARTIAL_WRITE"

PICKLE_MESSAGE = (
    "{name} is a Python pickle (what torch.save or pickle.dump write), not an nnstudio project. nnstudio never "
    "opens pickles, because unpickling a file can run any program hidden in it. If it holds a network's "
    "weights, use File > Import weights, which reads a PyTorch state_dict safely"
)


class PickleRefusedError(ProjectFileError):
    """The file is (or contains) a pickle; it is refused without being unpickled."""


def run_member(run_id: int) -> str:
    return f"runs/run-{run_id}.safetensors"


def snapshots_member(run_id: int) -> str:
    return f"runs/run-{run_id}-snapshots.safetensors"


# ---------------------------------------------------------------------------- atomic write
def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> int:
    """Write through ``write`` into a temp file beside ``path``, flush, fsync, then rename over ``path``.

    A crash at any moment leaves either the old file or the new one, never a half-written file.
    Returns the size written."""
    size = 0

    def save(tmp: Path) -> None:
        nonlocal size
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
            size = fh.tell()

    atomic_save(path, save)
    return size


def atomic_save(path: Path, save: Callable[[Path], None], error: type[NNStudioError] = ProjectFileError) -> None:
    """Let ``save`` write a temp file beside ``path`` (by its path: exporters want one), then rename it over
    ``path`` with the old file's mode. Stale temp files of killed saves of ``path`` are removed first; this
    save's own is removed if it fails. An OSError becomes ``error`` naming the file."""
    path = Path(path)
    folder = path.resolve().parent
    remove_stale_parts(folder, path.name)
    tmp = written = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".part", dir=folder)
        os.close(fd)
        with _writing_lock:
            _writing.add(written := tmp)
        save(Path(tmp))
        _copy_mode(path, Path(tmp))
        os.replace(tmp, path)
        tmp = None
        _fsync_folder(folder)
    except OSError as exc:
        raise error(f"Cannot write {path}: {exc.strerror or exc}; choose another folder or name") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        with _writing_lock:  # renamed or removed: either way no longer ours to protect
            _writing.discard(written)


def remove_stale_parts(folder: Path, name: str) -> list[Path]:
    """Delete temp files that earlier saves of ``name`` left in ``folder`` when they were killed.

    A temp file whose writer still runs (another process, or this one right now) is kept. Returns what
    was removed; a file that cannot be removed is left for the next save."""
    prefix = f".{name}."
    removed = []
    try:
        candidates = list(folder.glob(glob.escape(prefix) + "*.part"))
    except OSError:
        return removed
    for part in candidates:
        match = PART_RE.fullmatch(part.name[len(prefix):-len(".part")])
        if match is None or str(part) in _writing:
            continue
        try:
            if match.group(1) is not None:
                pid = int(match.group(1))
                if pid != os.getpid() and pid_alive(pid):
                    continue  # another nnstudio is saving this file right now
            elif time.time() - part.stat().st_mtime < OLD_PART_AGE:
                continue  # no pid to ask: only an old one is surely abandoned
            part.unlink()
            removed.append(part)
        except OSError:
            continue
    return removed


def _copy_mode(target: Path, tmp: Path) -> None:
    """mkstemp makes owner-only files; give the new file the old one's mode, or the usual umask default."""
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory for fsync; MoveFileEx is durable enough there
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _crash_hook(fh: IO[bytes]) -> None:
    marker = os.environ.get(CRASH_HOOK_ENV)
    if not marker:
        return
    fh.flush()
    os.fsync(fh.fileno())
    Path(marker).write_text(str(fh.tell()))
    time.sleep(600)  # the test kills us here


# ---------------------------------------------------------------------------- writing
def write_project(project: Project, path: Path, *, include_snapshots: bool = False) -> int:
    if path.suffix.lower() == ".json":
        _check_runs(project)  # write_zip checks it for the zip
        text = json.dumps(project.to_dict(), indent=2).encode("utf-8")
        _check_json_size(len(text))
        return atomic_write(path, lambda fh: fh.write(text))
    return atomic_write(path, lambda fh: write_zip(project, fh, include_snapshots=include_snapshots))


def _check_runs(project: Project) -> None:
    if len(project.runs) > MAX_RUNS:
        raise ProjectFileError(
            f"The project holds {len(project.runs)} runs; a project file keeps at most {MAX_RUNS}. "
            "Delete older runs on the Runs tab, then save again"
        )


def _check_json_size(size: int) -> None:
    """The reader refuses project.json above its cap, so the writer does too, before anything is written."""
    if size > MAX_JSON_BYTES:
        raise ProjectFileError(
            f"The project's description would take {format_size(size)}, more than the {format_size(MAX_JSON_BYTES)} "
            "a project file may hold; link large tables instead of embedding them, or delete older runs, then save again"
        )


class _MemberBudget:
    """What the reader allows for the weights members: each under its cap, all together under the total."""

    def __init__(self, json_size: int) -> None:
        self.total = json_size

    def add(self, member: str, data: bytes) -> bytes:
        if len(data) > MAX_WEIGHTS_BYTES:
            raise ProjectFileError(
                f"{member} would take {format_size(len(data))}, more than the {format_size(MAX_WEIGHTS_BYTES)} a project "
                "file may hold for one set of weights; the network is too big to save in a project"
            )
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            raise ProjectFileError(
                f"The project would take more than {format_size(MAX_TOTAL_BYTES)}; save it without per-epoch snapshots, "
                "or delete runs whose weights you no longer need"
            )
        return data


def write_zip(project: Project, fh: IO[bytes], *, include_snapshots: bool = False, check: bool = True) -> None:
    """The project as a zip into ``fh``. With ``check``, refuse (before writing) what the reader would refuse."""
    from safetensors.torch import save as save_tensors

    if check:
        _check_runs(project)

    data = project.to_dict()
    arrays: dict[str, np.ndarray] = {}
    if project.fitted_preprocessing is not None:
        meta, all_arrays = project.fitted_preprocessing
        arrays, text = _split_arrays(all_arrays)
        data["fitted_preprocessing"] = meta
        data["fitted_preprocessing_text"] = text
    if not include_snapshots:
        for run in data["runs"]:
            run["snapshot_epochs"] = []
    text = json.dumps(data, indent=2)  # ASCII (ensure_ascii), so len(text) is its size in bytes
    if check:
        _check_json_size(len(text))
    budget = _MemberBudget(len(text))
    sized = budget.add if check else (lambda member, raw: raw)
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(PROJECT_JSON, text)
        _crash_hook(fh)
        # Weights barely compress; storing them makes saving and opening fast.
        if project.weights:
            zf.writestr(WEIGHTS, sized(WEIGHTS, save_tensors(_plain(project.weights))), zipfile.ZIP_STORED)
        for run in project.runs:
            if run.weights:
                member = run_member(run.id)
                zf.writestr(member, sized(member, save_tensors(_plain(run.weights))), zipfile.ZIP_STORED)
            if include_snapshots and run.snapshots:
                flat = {f"{epoch}/{k}": v for epoch, w in run.snapshots.items() for k, v in w.items()}
                member = snapshots_member(run.id)
                zf.writestr(member, sized(member, save_tensors(_plain(flat))), zipfile.ZIP_STORED)
        if arrays:
            from safetensors.numpy import save as save_arrays

            zf.writestr(PREPROCESSING, sized(PREPROCESSING, save_arrays(arrays)), zipfile.ZIP_STORED)


def _plain(tensors: Tensors) -> Tensors:
    """CPU, contiguous, and no two names sharing memory (safetensors refuses shared storage)."""
    out: Tensors = {}
    seen: set[int] = set()
    for k, v in tensors.items():
        v = v.detach().cpu().contiguous()
        ptr = v.untyped_storage().data_ptr()
        out[k] = v.clone() if ptr in seen and v.numel() else v
        seen.add(ptr)
    return out


class _CountingSink(io.RawIOBase):
    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        n = len(memoryview(b))
        self.size += n
        return n


def estimate_size(project: Project, *, include_snapshots: bool = False) -> int:
    """Bytes the ``.nnstudio`` file will take (exact up to a few bytes of zip bookkeeping)."""
    sink = _CountingSink()
    # No limit checks: the Save dialog shows the size even of a project the save will then refuse, with its reason.
    write_zip(project, sink, include_snapshots=include_snapshots, check=False)  # type: ignore[arg-type]
    return sink.size


def format_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n / 1024:.2f} GB"


# ---------------------------------------------------------------------------- fitted preprocessing
# A project's fitted preprocessing is ``FittedPipeline.to_state()``'s pair: a JSON-ready description and
# named numpy arrays. Numeric arrays go to preprocessing.safetensors; text arrays (category names) to JSON.
FittedState = tuple[dict[str, Any], dict[str, np.ndarray]]


def pipeline_state(pipeline: Any) -> FittedState | None:
    """What fitting the preprocessing learned, in the form a project file stores."""
    return None if pipeline is None else pipeline.to_state()


def restore_pipeline(state: FittedState | None) -> Any:
    """The inverse of :func:`pipeline_state`: a ``FittedPipeline`` ready to transform new inputs."""
    from nnstudio.core.data.preprocess import FittedPipeline

    if state is None:
        return None
    meta, arrays = state
    try:
        return FittedPipeline.from_state(meta, arrays)
    except NNStudioError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
        raise ProjectFileError(f"The fitted preprocessing cannot be used ({type(exc).__name__}: {exc}); the file is damaged") from None


def _split_arrays(arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    numeric, text = {}, {}
    for name, value in arrays.items():
        value = np.asarray(value)
        if value.dtype.kind in "USO":
            text[name] = {"items": [str(x) for x in value.reshape(-1).tolist()], "shape": list(value.shape)}
        else:
            numeric[name] = np.ascontiguousarray(value)
    return numeric, text


def _text_arrays(raw: Any) -> dict[str, np.ndarray]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ProjectFileError("The fitted preprocessing's text arrays are damaged; fit the preprocessing again")
    out = {}
    for name, item in raw.items():
        ok = isinstance(item, dict) and isinstance(item.get("items"), list) and isinstance(item.get("shape"), list)
        ok = ok and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in item["shape"])
        try:
            if not ok:
                raise ValueError
            out[name] = np.array([str(x) for x in item["items"]]).reshape(item["shape"])
        except ValueError:
            raise ProjectFileError(f"The fitted preprocessing's text array {name!r} is damaged; fit the preprocessing again") from None
    return out


# ---------------------------------------------------------------------------- reading
def looks_like_pickle(head: bytes) -> bool:
    """Protocol 2+ pickles (and legacy torch.save files) start with PROTO: 0x80 then the version."""
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def read_project(path: Path) -> Project:
    if not path.is_file():
        raise ProjectFileError(f"{path} does not exist or is not a file; check the name and folder")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
        if looks_like_pickle(head):
            raise PickleRefusedError(PICKLE_MESSAGE.format(name=path.name))
        if path.suffix.lower() == ".json":
            size = path.stat().st_size
            if size > MAX_JSON_BYTES:
                raise ProjectFileError(_too_big(path.name, size, MAX_JSON_BYTES))
            project = _from_json(_parse_json(path.read_bytes(), path.name))
        else:
            if not zipfile.is_zipfile(path):
                if head.startswith(b"PK"):
                    raise ProjectFileError(f"{path.name} is damaged or truncated (the end of the zip is missing); open a backup or the recovery copy")
                raise ProjectFileError(f"{path.name} is not an nnstudio project (not a zip archive); open a .nnstudio or .json file")
            with zipfile.ZipFile(path) as zf:
                project = _read_zip(zf, path.name)
    # struct.error, ValueError, OverflowError: a zip header whose fields do not parse (zipfile lets them through)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, struct.error, ValueError, OverflowError) as exc:
        raise ProjectFileError(f"{path.name} is damaged or truncated ({exc}); open a backup or the recovery copy") from None
    except zlib.error as exc:  # a damaged deflate stream: zipfile passes zlib's own error through
        raise ProjectFileError(
            f"{path.name} is damaged: its compressed data cannot be unpacked ({exc}); open a backup or the recovery copy"
        ) from None
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encrypted member
        raise ProjectFileError(f"{path.name} uses a zip feature nnstudio does not read ({exc}); save it again from nnstudio") from None
    except OSError as exc:
        raise ProjectFileError(f"Cannot read {path}: {exc.strerror or exc}") from None
    return project


def _too_big(name: str, size: int, cap: int) -> str:
    return (
        f"{name} would take {format_size(size)}, more than the {format_size(cap)} nnstudio allows for it; "
        "it is not a project nnstudio wrote, so it is not opened"
    )


def _check_members(zf: zipfile.ZipFile, name: str) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ProjectFileError(f"{name} holds {len(infos)} files; a project holds a handful, so it is not opened")
    members = {info.filename: info for info in infos}
    pickles = [n for n in members if n.endswith((".pkl", ".pickle")) or n.rsplit("/", 1)[-1] == "data.pkl"]
    if pickles:
        raise PickleRefusedError(PICKLE_MESSAGE.format(name=name))
    total = 0
    for info in infos:
        cap = MAX_JSON_BYTES if info.filename == PROJECT_JSON else MAX_WEIGHTS_BYTES
        if info.file_size > cap:
            raise ProjectFileError(_too_big(f"{name}: {info.filename}", info.file_size, cap))
        if info.filename != PROJECT_JSON and info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ProjectFileError(
                f"{name}: {info.filename} would expand {info.file_size // max(info.compress_size, 1):,} times "
                f"(to {format_size(info.file_size)}); nnstudio stores weights uncompressed, so that is a zip bomb, "
                "not a project, and it is not opened"
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise ProjectFileError(_too_big(name, total, MAX_TOTAL_BYTES))
    return members


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str) -> bytes:
    """Inflate a member, stopping as soon as it exceeds its declared size or cap (headers can lie)."""
    cap = min(info.file_size, MAX_JSON_BYTES if info.filename == PROJECT_JSON else MAX_WEIGHTS_BYTES)
    out = bytearray()
    with zf.open(info) as member:
        while chunk := member.read(CHUNK):
            out += chunk
            if len(out) > cap:
                raise ProjectFileError(
                    f"{archive}: {info.filename} expands beyond the size its header declares; the file is damaged or hostile, so it is not opened"
                )
    return bytes(out)


def _read_zip(zf: zipfile.ZipFile, name: str) -> Project:
    from safetensors.numpy import load as load_arrays

    members = _check_members(zf, name)
    if PROJECT_JSON not in members:
        raise ProjectFileError(f"{name} holds no {PROJECT_JSON}; it is not an nnstudio project")
    data = _parse_json(_read_member(zf, members[PROJECT_JSON], name), f"{name}/{PROJECT_JSON}")
    project = _from_json(data)
    said: dict[str, list[str]] = {}  # what reading changed -> the weight sets it happened to
    if WEIGHTS in members:
        project.weights = _usable(said, _tensors(zf, members[WEIGHTS], name, "the current weights"), "the current weights")
    raw_runs = data.get("runs", []) if isinstance(data, dict) else []
    for run, raw in zip(project.runs, raw_runs, strict=False):
        if isinstance(raw, dict) and raw.get("has_weights"):
            member = members.get(run_member(run.id))
            if member is None:
                raise ProjectFileError(f"{name}: the weights of {run.name} are missing from the file; it is damaged")
            run.weights = _usable(said, _tensors(zf, member, name, f"the weights of {run.name}"), f"the weights of {run.name}")
        epochs = raw.get("snapshot_epochs", []) if isinstance(raw, dict) else []
        if epochs:
            member = members.get(snapshots_member(run.id))
            if member is None:
                raise ProjectFileError(f"{name}: the per-epoch snapshots of {run.name} are missing from the file; it is damaged")
            snapshots = _split_snapshots(_tensors(zf, member, name, f"the snapshots of {run.name}"), epochs, run.name)
            run.snapshots = {}
            for epoch, weights in snapshots.items():
                kept = _usable(said, weights, f"the weights of {run.name} after epoch {epoch}")
                if kept is not None:
                    run.snapshots[epoch] = kept
    if isinstance(data, dict) and data.get("schema_version") == 1 and project.runs and project.weights:
        project.runs[0].weights = project.weights  # format 1's only run is the one whose weights were saved
    if isinstance(data, dict) and data.get("fitted_preprocessing") is not None:
        arrays: dict[str, np.ndarray] = {}
        if PREPROCESSING in members:
            try:
                arrays = load_arrays(_read_member(zf, members[PREPROCESSING], name))
            except Exception as exc:  # noqa: BLE001 - safetensors raises its own error types
                raise ProjectFileError(f"{name}: the fitted preprocessing arrays are damaged ({exc})") from None
        state = (data["fitted_preprocessing"], {**arrays, **_text_arrays(data.get("fitted_preprocessing_text"))})
        restore_pipeline(state)  # proves the state is usable before the project is accepted
        project.fitted_preprocessing = state
    project.notes = _notes(said)
    return project


def _usable(said: dict[str, list[str]], tensors: Tensors, what: str) -> Tensors | None:
    """``tensors`` when a network can use them (floating ones as float32); else None. Either way what was
    done goes into ``said`` (see :func:`_notes`). Dropping one set of weights keeps the rest of the project
    (architecture, data, curves) openable."""
    check = usable_tensors(tensors)
    if check.problem:
        fix = "lower the learning rate and train again" if check.diverged else "train again or import weights"
        said.setdefault(f"not loaded: {check.problem}. The rest of the project is open; {fix}", []).append(what)
        return None
    if check.converted:
        said.setdefault(f"{check.converted}, the precision nnstudio computes in", []).append(what)
    return check.tensors


def _notes(said: dict[str, list[str]]) -> list[str]:
    """One sentence per thing done, naming every weight set it was done to (the current weights are
    usually also the last run's, so they would otherwise be said twice)."""
    notes = []
    for done, whats in said.items():
        if len(whats) > SHOWN_SETS:
            whats = [*whats[: SHOWN_SETS - 1], f"{len(whats) - SHOWN_SETS + 1} more sets of weights"]
        named = whats[0] if len(whats) == 1 else ", ".join(whats[:-1]) + " and " + whats[-1]
        notes.append(f"{named[0].upper()}{named[1:]} were {done}")
    return notes


def _tensors(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str, what: str) -> Tensors:
    from safetensors.torch import load as load_tensors

    raw = _read_member(zf, info, archive)
    try:
        return load_tensors(raw)
    except Exception as exc:  # noqa: BLE001 - SafetensorError, ValueError, OverflowError ...
        raise ProjectFileError(f"{archive}: {what} are damaged ({exc}); the file cannot be used") from None


def _split_snapshots(flat: Tensors, epochs: list[int], run_name: str) -> dict[int, Tensors]:
    out: dict[int, Tensors] = {int(e): {} for e in epochs}
    for key, tensor in flat.items():
        epoch, _, name = key.partition("/")
        if not epoch.isdigit() or int(epoch) not in out or not name:
            raise ProjectFileError(f"The snapshots of {run_name} hold an unexpected tensor {key!r}; the file is damaged")
        out[int(epoch)][name] = tensor
    return out


def _parse_json(raw: bytes, where: str) -> Any:
    if len(raw) > MAX_JSON_BYTES:
        raise ProjectFileError(_too_big(where, len(raw), MAX_JSON_BYTES))
    if looks_like_pickle(raw[:2]):
        raise PickleRefusedError(PICKLE_MESSAGE.format(name=where))
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProjectFileError(f"{where} is not UTF-8 text; it is not a valid project file") from None
    except json.JSONDecodeError as exc:
        raise ProjectFileError(f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:  # an integer of more digits than Python converts (sys.int_max_str_digits)
        what = "a number with thousands of digits" if "digits" in str(exc) else f"a value nnstudio cannot read ({exc})"
        raise ProjectFileError(f"{where} holds {what}; no project holds such a value, so the file is damaged or not from nnstudio") from None
    except RecursionError:
        raise ProjectFileError(f"{where} is nested too deeply to be a project") from None


def _from_json(data: Any) -> Project:
    try:
        return Project.from_dict(data)
    except NNStudioError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError, RecursionError) as exc:
        raise ProjectFileError(f"The project file is malformed ({type(exc).__name__}: {exc}); it cannot be opened") from None


# ---------------------------------------------------------------------------- the public pair
def save_project(project: Project, path: str | Path, *, include_snapshots: bool = False) -> int:
    """Write ``project`` atomically as a ``.nnstudio`` zip (or, for a ``.json`` path, the specs alone).

    Returns the number of bytes written."""
    return write_project(project, Path(path), include_snapshots=include_snapshots)


def load_project(path: str | Path) -> Project:
    """Read a ``.nnstudio`` or ``.json`` project, validating every field. Never unpickles anything."""
    return read_project(Path(path))
