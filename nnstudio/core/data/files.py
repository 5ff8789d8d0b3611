"""Readers for the user's own data files: MNIST-family idx, CIFAR-10, NumPy .npz (tables: :mod:`nnstudio.core.data.tables`,
image folders: :mod:`nnstudio.core.data.image_folders`), and the checks every reader shares.

Every reader turns a problem with the file into a :class:`DataError` that names the file and says what to
do, so the GUI can show it and keep the previous data. Nothing here executes code from a file: CSV is text,
idx and npz are raw arrays (``allow_pickle=False``), and CIFAR's pickled batches go through an unpickler
that only admits the few numpy constructors a batch needs.
"""

from __future__ import annotations

import gzip
import io
import math
import pickle
import stat
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base import jobs, memory
from nnstudio.core.base.errors import Cancelled, DataError

# Memory a reader needs per byte of file, at least: tables (core/data/tables.py, pandas) peak at about 3x the
# file's size (82 MB traced for a 32 MB, 1,000,000 x 5 table, where the csv-module reader before it took 640 MB);
# 10x leaves room for text columns and pandas' own buffers, and still never refuses a table that would fit.
# Binary images and labels are read, then copied as float32 (4 bytes per pixel byte).
TEXT_MEMORY_FACTOR = 10
BINARY_MEMORY_FACTOR = 5


class LoadCancelled(DataError, Cancelled):
    """The user cancelled a load in progress."""

    def __init__(self, message: str = "Loading was cancelled; the previous data stays loaded") -> None:
        super().__init__(message)


def tick(done: int, total: int) -> None:
    """Long readers call this between pieces: the loader's job token (installed with ``token.active()``, see
    :func:`nnstudio.core.base.jobs.current`) hears the progress, and a Cancel stops the read here."""
    token = jobs.current()
    token.raise_if_cancelled(LoadCancelled)
    token.report(done, total)


class MissingFileError(DataError):
    """A data file or folder named by the project is not where the project says; the GUI offers to locate it."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        super().__init__(f"The {what} {path} was not found; locate it (Data tab) or fix the path in the project")


# ---------------------------------------------------------------------------- paths
def resolve_path(path: str, base_dir: Path | None, what: str = "data file") -> Path:
    """``path`` as an absolute path; relative paths start at the project's folder (or the working folder)."""
    if not path.strip():
        raise DataError(f"No {what} chosen yet; pick one with 'Open file…' on the Data tab or set 'path' in the project")
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = (base_dir or Path.cwd()) / p
    if not p.exists():
        raise MissingFileError(p, what)
    return p


def project_relative(path: Path, base_dir: Path | None) -> str:
    """How a project should store ``path``: relative to its folder where possible, so the folder can move."""
    path = Path(path).resolve()
    if base_dir is not None:
        try:
            return path.relative_to(Path(base_dir).resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a disk device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
)


def fits_in_memory(size: int, factor: int, available: int | None) -> bool:
    """Whether reading ``size`` bytes, which needs ``factor`` times as much memory, fits what is free
    (always True where the free memory is unknown)."""
    return available is None or size * factor <= available


def checked_size(path: Path, factor: int = 1) -> int:
    """The size of the regular file ``path``; a DataError for a device, FIFO or folder (which would be read
    without end, or block) and for a file whose reading needs more memory than is free. Never opens the file."""
    try:
        mode, size = (st := path.stat()).st_mode, st.st_size
    except OSError as exc:
        raise DataError(f"Cannot read {path}: {exc.strerror or exc}; check the path and its permissions") from None
    for test, what in _NOT_REGULAR:
        if test(mode):
            raise DataError(f"{path} is {what}, not a data file; choose a file saved on disk")
    available = memory.available_bytes()
    if not fits_in_memory(size, factor, available):
        raise DataError(
            f"{path.name} is {memory.format_bytes(size)}; reading it needs about {memory.format_bytes(size * factor)} "
            f"of memory, but only {memory.format_bytes(available or 0)} is free; use a smaller file (fewer rows or "
            f"columns, or a sample of it) or close other programs"
        )
    return size


def _read_bytes(path: Path, factor: int = 1) -> bytes:
    checked_size(path, factor)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"Cannot read {path}: {exc.strerror or exc}; check that the file is not open elsewhere") from None


# ---------------------------------------------------------------------------- idx (MNIST family)
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_TYPE_NAMES = {0x09: "signed bytes", 0x0B: "16-bit integers", 0x0C: "32-bit integers", 0x0D: "32-bit floats", 0x0E: "64-bit floats"}


def parse_idx(raw: bytes, name: str) -> np.ndarray:
    """The idx format of MNIST: a 4-byte magic (0, 0, type, dims), the sizes, then the values."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{name} is not an idx file (its first bytes are not an idx header); it is damaged or the wrong file")
    if raw[2] != 0x08:  # what torchvision's MNIST readers accept: pixels 0-255 and labels as unsigned bytes
        raise DataError(
            f"{name} holds {_IDX_TYPE_NAMES[raw[2]]} (idx type byte 0x{raw[2]:02x}); MNIST-family images and labels "
            f"must be unsigned bytes (type 0x08); this file is from another dataset or damaged, get the original files"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{name}: the idx header is cut short; the file is damaged, replace it")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = math.prod(dims) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(
            f"{name}: the header promises {' x '.join(map(str, dims))} values ({expected:,} bytes) but the file holds "
            f"{len(raw) - header:,} bytes after the header; the file is truncated or damaged, get a fresh copy"
        )
    return np.frombuffer(raw, dtype, math.prod(dims), header).reshape(dims).astype(dtype.newbyteorder("="))


def read_idx(path: Path) -> np.ndarray:
    raw = _read_bytes(path, BINARY_MEMORY_FACTOR)
    if path.suffix == ".gz":
        available = memory.available_bytes()
        limit = None if available is None else available // BINARY_MEMORY_FACTOR
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                raw = gz.read() if limit is None else gz.read(limit + 1)  # bounded: a small .gz may expand hugely
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{path.name} is not a valid gzip file ({exc}); it is damaged, get a fresh copy") from None
        if limit is not None and len(raw) > limit:
            raise DataError(
                f"{path.name} unpacks to more than {memory.format_bytes(limit)}, more than this computer's free memory "
                f"can hold as images; close other programs, or use a smaller dataset"
            )
    return parse_idx(raw, path.name)


def find_member(folders: list[Path], stem: str, what: str) -> Path:
    """``stem`` or ``stem.gz`` in the first folder that has it, or a DataError naming the missing file."""
    for folder in folders:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    raise DataError(
        f"The {what} folder {folders[0]} is incomplete: {stem} (or {stem}.gz) is missing. Put the four idx files "
        f"there, as torchvision stores them (<folder>/<Dataset>/raw/…)"
    )


# ---------------------------------------------------------------------------- CIFAR-10 python batches
class _Refused(pickle.UnpicklingError):
    pass


class _BatchUnpickler(pickle.Unpickler):
    """CIFAR's batches are pickles of a dict holding a numpy array. Only numpy's array rebuild is admitted:
    anything else a pickle may name (os.system, eval, ...) is refused, so a crafted file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        from numpy._core.multiarray import _reconstruct
        from numpy._core.numeric import _frombuffer

        allowed = {
            ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy.core.numeric", "_frombuffer"): _frombuffer,
            ("numpy._core.numeric", "_frombuffer"): _frombuffer,
            ("numpy", "ndarray"): np.ndarray,
            ("numpy", "dtype"): np.dtype,
            ("_codecs", "encode"): _latin1_encode,
        }
        try:
            return allowed[(module, name)]
        except KeyError:
            raise _Refused(f"refused to load {module}.{name}") from None


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    # Python 3 pickles bytes at protocol 2 as _codecs.encode(str, 'latin1'); only that encoding is honoured.
    if encoding not in ("latin1", "latin-1"):
        raise _Refused(f"refused encoding {encoding!r}")
    return text.encode("latin1")


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: (N x 3 x 32 x 32 uint8 images, N labels)."""
    raw = _read_bytes(path, BINARY_MEMORY_FACTOR)
    try:
        batch = _BatchUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except _Refused as exc:
        raise DataError(f"{path.name} is not a plain CIFAR-10 batch ({exc}); nnstudio opens only data, never code") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError, MemoryError) as exc:
        raise DataError(f"{path.name} is damaged or not a CIFAR-10 batch ({type(exc).__name__}); get a fresh copy") from None
    if not isinstance(batch, dict):
        raise DataError(f"{path.name} is not a CIFAR-10 batch (it holds no dictionary)")
    batch = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or not isinstance(labels, list):
        raise DataError(f"{path.name} is not a CIFAR-10 batch: it needs 'data' (an array) and 'labels' (a list)")
    if data.ndim != 2 or data.shape[1] != 3072 or data.dtype != np.uint8 or len(labels) != len(data):
        raise DataError(
            f"{path.name}: expected N x 3072 bytes of pixels and N labels, found data {data.shape} {data.dtype} "
            f"and {len(labels)} labels; the file is damaged or from another dataset"
        )
    y = np.array(labels, dtype=np.int64)
    if y.min(initial=0) < 0 or y.max(initial=0) > 9:
        raise DataError(f"{path.name}: labels must be 0-9, found {y.min()}..{y.max()}")
    return data.reshape(-1, 3, 32, 32), y


# ---------------------------------------------------------------------------- NumPy .npz
def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Arrays from an .npz archive; object arrays (which would need pickle) are refused."""
    checked_size(path)  # before is_zipfile opens it: a FIFO would block, a device be read without end
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path.name} is not an .npz archive; save your arrays with np.savez(path, X=..., y=...)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {k: archive[k] for k in archive.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(
                f"{path.name} holds Python objects, which need pickle to load; nnstudio never unpickles files. "
                f"Save plain numeric arrays with np.savez(path, X=..., y=...)"
            ) from None
        raise DataError(f"{path.name} is not a valid .npz archive ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path.name} is not a readable .npz archive ({exc}); save it with np.savez(path, X=..., y=...)") from None


def guess_idx_variant(folder: Path) -> tuple[str, str]:
    """(variant, EMNIST split) a folder of idx files most likely holds, from torchvision's folder and file names."""
    emnist_splits = ("balanced", "byclass", "bymerge", "digits", "letters", "mnist")
    places = [folder, folder / "raw", folder / "EMNIST" / "raw", folder / "EMNIST"]
    names = {p.name for d in places if d.is_dir() for p in d.iterdir()}
    found = [s for s in emnist_splits if any(n.startswith(f"emnist-{s}-") for n in names)]
    if found:
        return "emnist", found[0]
    if (folder / "FashionMNIST").is_dir() or "fashion" in folder.as_posix().lower():
        return "fashion_mnist", "balanced"
    return "mnist", "balanced"


def data_path(spec: Any) -> str:
    """The file or folder a DataSpec reads ('' for generated data and embedded tables)."""
    from nnstudio.core.base.registry import DATASETS

    entry = DATASETS.get(spec.source)
    if "file_mode" not in entry.extra or spec.params.get("embedded"):
        return ""
    return str(spec.params.get("path", ""))


def rebase_paths(spec: Any, old_base: Path | None, new_base: Path | None) -> Any:
    """A copy of ``spec`` whose data path still names the same file once the project lives in ``new_base``
    (call it on Save As): relative to the new folder where possible, absolute otherwise."""
    path = data_path(spec)
    out = spec.copy()
    if path:
        p = Path(path).expanduser()
        absolute = p if p.is_absolute() else (old_base or Path.cwd()) / p
        out.params["path"] = project_relative(absolute, new_base)
    return out
