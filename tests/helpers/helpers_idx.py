"""Tiny MNIST-family idx files for tests that open a local EMNIST folder (nothing is downloaded)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


def write_idx(path: Path, array: np.ndarray) -> None:
    """``array`` as an unsigned-byte idx file (the format of the MNIST family)."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_emnist_balanced(folder: Path, n_train: int = 120, n_test: int = 40) -> Path:
    """``folder/EMNIST/raw`` with random 28x28 images of the 47 balanced classes; returns ``folder``."""
    rng = np.random.default_rng(0)
    raw = folder / "EMNIST" / "raw"
    raw.mkdir(parents=True)
    for part, n in (("train", n_train), ("test", n_test)):
        write_idx(raw / f"emnist-balanced-{part}-images-idx3-ubyte", rng.integers(0, 255, (n, 28, 28)))
        write_idx(raw / f"emnist-balanced-{part}-labels-idx1-ubyte", np.arange(n) % 47)
    return folder
