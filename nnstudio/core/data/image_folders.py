"""Image folders (torchvision's ImageFolder layout: one subfolder per class), decoded in parallel and cached.

Decoding small files is mostly per-file Python work inside Pillow (open, parse the chunks, load), which holds
the GIL, so threads do not help; worker processes do (2 threads were slower than 1 on the 2-core class machine;
fork 1.4 s and forkserver 1.0 s against spawn's 0.6 s for 20,000 32x32 PNGs). So this process decodes chunks
from the front while spawned workers (one per further CPU) take chunks from the back: their start-up is not
waited for, and when this process runs out it takes back the chunks no worker has begun. Below
``POOL_MIN_FILES`` no worker is started. Processes are *spawned*, never forked: the GUI and torch run threads,
and a forked child may inherit a lock held by one of them.

Where the time goes, per 32x32 PNG on that machine (CPU, one process): reading the file 3 us, checking its
chunks 3 us, Pillow's zlib decoder 14 us (:mod:`plain_png` writes it straight into the chunk's buffer), the
float copy 1-5 us; a worker starts in about 0.04 s of CPU (:mod:`image_decode` imports no numpy) and sends its
pixels back as one buffer per chunk (about 1.5 us per image each side). The float array is filled chunk by
chunk as they arrive, so nothing full-size is left for the end. Against the plain PIL + numpy loop (about 85 us
per image) the whole read takes about 46 us of CPU per image, all processes together.

The decoded images can be kept in a cache file beside the project (``.nnstudio-cache/``), keyed by a hash of
the sorted relative file list with each file's size and modification time plus the decode size and colour:
a changed, added or removed file means a different key, so the folder is decoded again and the cache
rewritten. The cache is an uncompressed ``.npz`` read with ``allow_pickle=False``; a damaged or foreign file
(its key, arrays, shapes or labels do not fit the folder) is ignored and rewritten, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import signal
import time
import zipfile
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnstudio.core.base import jobs
from nnstudio.core.base.errors import DataError
from nnstudio.core.data.files import LoadCancelled
from nnstudio.core.data.image_decode import chunk_layout, decode_chunk

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})
POOL_MIN_FILES = 2000  # about 0.1 s of decoding: less than starting a worker process costs the machine
CHUNK_FILES = 400  # files per task: about 20 ms of decoding, so Cancel stops within a chunk's time
IN_FLIGHT = 4  # chunks given to each worker process ahead
CACHE_DIR = ".nnstudio-cache"
CACHE_VERSION = 1
SHOWN_BAD = 5  # unreadable files named in a note or an error; the rest are counted


@dataclass
class ImageFolder:
    """What reading a folder gives: images (N x C x S x S float32 in [0, 1]), labels, class names, and the
    notes the Data tab and the CLI show (unreadable files skipped, read from the cache, cache not written)."""

    x: np.ndarray
    y: np.ndarray
    classes: list[str]
    notes: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    from_cache: bool = False


# ---------------------------------------------------------------------------- listing
def _walk(top: str, rel: str, out: list[str]) -> None:
    """Image files under ``top`` (paths relative to the folder, with '/'), as Path.rglob lists them: symlinked
    files yes, symlinked folders not entered; hidden files and folders skipped (macOS leaves '._photo.jpg'
    companions on shared drives). Each folder's entries are taken in name order, so the files come sorted as
    paths sort (part by part) with no sort of the whole list."""
    with os.scandir(top) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for e in entries:
        if e.name.startswith("."):
            continue
        if e.is_dir() and not e.is_symlink():
            _walk(e.path, f"{rel}{e.name}/", out)
        elif os.path.splitext(e.name)[1].lower() in IMAGE_SUFFIXES and e.is_file():
            out.append(f"{rel}{e.name}")


def _cannot_list(exc: OSError, folder: Path) -> DataError:
    return DataError(f"Cannot list {exc.filename or folder}: {exc.strerror or exc}; check the folder's permissions")


def list_image_folder(folder: Path) -> tuple[list[str], list[list[str]]]:
    """The class names and, per class, its image files (relative to ``folder``) sorted as paths sort."""
    if not folder.is_dir():
        raise DataError(f"{folder} is a file; choose the folder that holds one subfolder per class")
    try:
        classes = sorted(d.name for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))
        listing = []
        for cls in classes:
            found: list[str] = []
            _walk(os.path.join(folder, cls), f"{cls}/", found)
            listing.append(found)
    except OSError as exc:
        raise _cannot_list(exc, folder) from None
    if len(classes) < 2:
        found_text = f"only the class folder '{classes[0]}'" if classes else "no class subfolders"
        raise DataError(
            f"{folder.name} has {found_text}; an image folder needs one subfolder per class (at least two), "
            f"e.g. {folder.name}/cats/… and {folder.name}/dogs/…"
        )
    for cls, files in zip(classes, listing, strict=True):
        if not files:
            raise DataError(f"The class folder '{cls}' holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}); add some or remove the folder")
    return classes, listing


# ---------------------------------------------------------------------------- decoding
def _worker_count(n_files: int) -> int:
    """Decoders to use: this process plus a worker process per further CPU (at most 8 in all)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8, -(-n_files // CHUNK_FILES)))


def _ignore_interrupts() -> None:
    """In a worker: Ctrl+C is the parent's to handle (it shuts the pool down); the workers would each print a
    traceback for it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_pool(workers: int) -> ProcessPoolExecutor | None:
    """The worker processes (``workers - 1`` of them; None for 1). Spawned, never forked: the GUI and torch run
    threads, and a forked child may inherit a lock one of them holds. Each imports only
    :mod:`~nnstudio.core.data.image_decode` (standard library + Pillow) besides the caller's main module."""
    if workers <= 1:
        return None
    return ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts)


def _pixels(buf: bytearray, size: int, rgb: bool) -> np.ndarray:
    """A chunk's buffer (:func:`image_decode.decode_chunk`) as k x C x S x S uint8: a view, RGBX's X left out."""
    _, px = chunk_layout(size, rgb)
    raw = np.frombuffer(buf, np.uint8).reshape(-1, size, size, px)
    return raw[..., : 3 if rgb else 1].transpose(0, 3, 1, 2)


def decode_files(
    paths: list[str], size: int, rgb: bool, token: jobs.JobToken, workers: int | None = None,
    keep_uint8: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, list[tuple[int, str]]]:
    """All ``paths`` decoded in order: N x C x S x S float32 in [0, 1], the same as uint8 when ``keep_uint8``
    (for the cache), and the unreadable ones' (index, reason); unreadable images are left black.

    ``workers``: decoders in all, this process included (None: by the number of files and CPUs; 1: only
    this process). This process decodes chunks from the front while ``workers - 1`` spawned processes take
    chunks from the back, so their start-up is not waited for; each chunk, this process's or a worker's, is
    made float as it comes, so no full-size pass is left for the end. Cancel (``token``) is honoured between
    chunks; the pool is shut down before this returns or raises."""
    n = len(paths)
    if workers is None:
        workers = _worker_count(n) if n >= POOL_MIN_FILES else 1
    chunks = deque((start, paths[start:start + CHUNK_FILES]) for start in range(0, n, CHUNK_FILES))
    x = np.empty((n, 3 if rgb else 1, size, size), np.float32)
    u8 = np.empty(x.shape, np.uint8) if keep_uint8 else None
    bad: list[tuple[int, str]] = []
    done = 0

    def take(start: int, result: tuple[bytearray, list[tuple[int, str]]]) -> None:
        nonlocal done
        buf, failed = result
        pixels = _pixels(buf, size, rgb)
        k = len(pixels)
        np.divide(pixels, np.float32(255.0), out=x[start:start + k])  # what to_float does, a chunk at a time
        if u8 is not None:
            u8[start:start + k] = pixels
        bad.extend((start + i, why) for i, why in failed)
        done += k

    token.report(0, n, "Decoding images")
    pool = start_pool(workers)
    in_flight: dict[Future, tuple[int, list[str]]] = {}
    closing = False
    try:
        while chunks or in_flight:
            token.raise_if_cancelled(LoadCancelled)
            # a few chunks queued per worker, so it never waits for this process to hand it the next (a
            # cancelled load waits only for those already started: shutdown cancels the rest)
            while pool is not None and chunks and not closing and len(in_flight) < IN_FLIGHT * (workers - 1):
                start, part = chunks.pop()
                in_flight[pool.submit(decode_chunk, part, size, rgb)] = (start, part)
            if not chunks:
                # Out of chunks of its own: this process takes back those no worker has begun (still queued
                # in the pool), rather than wait for a worker to get round to them; none is handed out again.
                closing = True
                for fut in [f for f in in_flight if f.cancel()]:
                    chunks.append(in_flight.pop(fut))
            if chunks:
                start, part = chunks.popleft()
                take(start, decode_chunk(part, size, rgb))
            elif in_flight:
                wait(in_flight, timeout=0.1, return_when=FIRST_COMPLETED)
            for fut in [f for f in in_flight if f.done()]:
                start, part = in_flight.pop(fut)
                try:
                    take(start, fut.result())
                except BrokenProcessPool:
                    # A worker could not start: a script that calls the loader without the ``if __name__ ==
                    # "__main__":`` guard that spawning needs, or a process limit. This process does the rest.
                    log.warning("could not start processes to decode images in parallel; decoding them here")
                    chunks.extend([(start, part), *in_flight.values()])
                    in_flight.clear()
                    pool.shutdown(wait=True, cancel_futures=True)
                    pool = None
                    break
            token.report(done, n, "Decoding images")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # a cancelled load stops once the running chunks end
    return x, u8, sorted(bad)


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 pixels -> float32 in [0, 1] in one pass (one full-size float array; the same values as
    ``astype(np.float32) / 255``, which makes a second)."""
    x = np.empty(images.shape, np.float32)
    np.divide(images, np.float32(255.0), out=x)
    return x


# ---------------------------------------------------------------------------- the decoded cache
def cache_key(folder: Path, listing: list[list[str]], size: int, rgb: bool) -> str:
    """The folder's key: its files with their sizes and modification times (read here, so a load without the
    cache lists names only), and the decode size and colour."""
    base, items = str(folder), []
    try:
        for rel in (rel for files in listing for rel in files):
            st = os.stat(os.path.join(base, rel))
            items.append([rel, st.st_size, st.st_mtime_ns])
    except OSError as exc:
        raise _cannot_list(exc, folder) from None
    text = json.dumps([CACHE_VERSION, size, "rgb" if rgb else "grayscale", items], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_path(cache_dir: Path, folder: Path, size: int, rgb: bool) -> Path:
    """One file per folder and decode setting; the folder's absolute path is hashed in, so two folders named
    alike (train/images, test/images) do not overwrite each other's cache."""
    where = hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:10]
    return cache_dir / CACHE_DIR / f"{folder.name}-{size}-{'rgb' if rgb else 'grey'}-{where}.npz"


def _member_sizes(path: Path) -> dict[str, int]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: i.file_size for i in z.infolist()}


def read_cache(path: Path, key: str, classes: list[str], n_files: int, size: int, rgb: bool) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """(images uint8, labels, unreadable names) from the cache when it is this folder's, else None.

    Everything is checked against what the folder's listing says before and after reading: the members'
    sizes (so a foreign file cannot make us allocate much), the key, dtypes, shapes and the label range."""
    channels = 3 if rgb else 1
    limits = {"key.npy": 4096, "classes.npy": 4096 + 4 * 256 * len(classes), "bad.npy": 4096 + 4 * 1024 * n_files,
              "y.npy": 4096 + 8 * n_files, "x.npy": 4096 + n_files * size * size * channels}
    try:
        members = _member_sizes(path)
        if set(members) != set(limits) or any(members[m] > limits[m] for m in limits):
            return None
        with np.load(path, allow_pickle=False) as archive:
            if str(archive["key"]) != key or archive["classes"].tolist() != classes:
                return None
            x, y, bad = archive["x"], archive["y"], archive["bad"]
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None
    n = n_files - len(bad)
    if (x.dtype != np.uint8 or x.shape != (n, channels, size, size) or y.dtype != np.int64 or y.shape != (n,)
            or bad.dtype.kind != "U" or bad.ndim != 1 or (n and (y.min() < 0 or y.max() >= len(classes)))):
        return None
    return x, y, [str(b) for b in bad]


def write_cache(path: Path, key: str, classes: list[str], x: np.ndarray, y: np.ndarray, bad: list[str]) -> str:
    """Write the cache (atomically: a half-written file never takes a good one's place); '' or why not."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            np.savez(f, key=np.array(key), classes=np.array(classes, dtype=str), x=x, y=y, bad=np.array(bad, dtype=str))
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # the folder itself may be what could not be made
            tmp.unlink(missing_ok=True)
        return f"The decoded images could not be kept in {path.parent} ({exc.strerror or exc}); the next opening decodes them again"
    return ""


# ---------------------------------------------------------------------------- the reader
def _unreadable_note(bad: list[str], total: int) -> str:
    shown = ", ".join(bad[:SHOWN_BAD]) + (f" and {len(bad) - SHOWN_BAD} more" if len(bad) > SHOWN_BAD else "")
    return (f"{len(bad)} of {total:,} files {'is' if len(bad) == 1 else 'are'} not a readable image and "
            f"{'was' if len(bad) == 1 else 'were'} left out: {shown}; delete or replace "
            f"{'it' if len(bad) == 1 else 'them'} to use all files")


def read_image_folder(
    folder: Path, size: int, rgb: bool, cache_dir: Path | None = None,
    token: jobs.JobToken | None = None, workers: int | None = None,
) -> ImageFolder:
    """Read an ImageFolder layout; every image resized to size x size, values in [0, 1].

    ``cache_dir``: the project's folder, where the decoded cache is read and written (None: no cache).
    ``token``: progress and Cancel (default: the caller's :func:`jobs.current`). Unreadable files are left
    out and named in the notes; a class (or the whole folder) with no readable image at all is an error."""
    token = token or jobs.current()
    classes, listing = list_image_folder(folder)
    entries = [rel for files in listing for rel in files]
    labels = np.repeat(np.arange(len(classes), dtype=np.int64), [len(files) for files in listing])
    notes: list[str] = []
    where = cache_path(cache_dir, folder, size, rgb) if cache_dir is not None else None
    key = cache_key(folder, listing, size, rgb) if where is not None else ""
    cached = read_cache(where, key, classes, len(entries), size, rgb) if where is not None and where.is_file() else None
    if cached is not None:
        images, y, bad = cached
        x = to_float(images)
        notes.append(f"Read {len(y):,} images from the decoded cache beside the project ({CACHE_DIR}/): the folder "
                     f"is unchanged since they were decoded")
    else:
        start = time.perf_counter()
        base = os.path.join(folder, "")  # the paths as strings: 20,000 Path joins cost a tenth of a second
        x, images, failed = decode_files([base + rel for rel in entries], size, rgb, token, workers, keep_uint8=where is not None)
        log.debug("decoded %d images in %.2f s", len(entries), time.perf_counter() - start)
        bad = [entries[i] for i, _ in failed]
        for i, why in failed[:SHOWN_BAD]:
            log.debug("unreadable image %s: %s", entries[i], why)
        if len(bad) == len(entries):
            raise DataError(
                f"None of the {len(entries):,} files in {folder.name} is a readable image ({', '.join(bad[:3])}"
                f"{' …' if len(bad) > 3 else ''}); they are damaged or not pictures: open one in an image viewer "
                f"to check, and put pictures in the class folders"
            )
        keep = np.ones(len(entries), bool)
        keep[[i for i, _ in failed]] = False
        empty = [c for k, c in enumerate(classes) if not keep[labels == k].any()]
        if empty:
            names = [b for b in bad if b.split("/", 1)[0] == empty[0]]
            raise DataError(
                f"The class folder '{empty[0]}' holds no readable image ({', '.join(names[:3])}{' …' if len(names) > 3 else ''} "
                f"cannot be opened); put pictures in it or remove the folder"
            )
        y = labels
        if bad:
            x, y = x[keep], labels[keep]
            images = images[keep] if images is not None else None
        if where is not None and images is not None:
            problem = write_cache(where, key, classes, images, y, bad)
            if problem:
                notes.append(problem)
    if bad:
        notes.insert(0, _unreadable_note(bad, len(entries)))
    for note in notes:
        log.warning(note)  # the CLI prints each as "nnstudio CMD: note: ..."; the Data tab shows meta["notes"]
    return ImageFolder(x, y, classes, notes, bad, from_cache=cached is not None)
