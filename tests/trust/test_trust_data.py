"""Bad data and networks too big for the machine, through the CLI: exit 2 and one line naming the data's problem.

Before the trust fixes these gave "the loss became nan ... try a lower learning rate", "unexpected error: Input
contains NaN", a raw allocator error for 4 TB of weights, an endless read of /dev/zero, or int8 idx files read
as pixels.
"""

from __future__ import annotations

import gzip
import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from trust_cases import FOREIGN, Case, check_case

LAYERS = [{"kind": "linear", "params": {"out_features": 8}}, {"kind": "relu", "params": {}},
          {"kind": "linear", "params": {"out_features": 2}}]
HUGE = [{"kind": "flatten", "params": {}}, {"kind": "linear", "params": {"out_features": 1_000_000}},
        {"kind": "linear", "params": {"in_features": 1_000_000, "out_features": 1_000_000}},
        {"kind": "linear", "params": {"out_features": 10}}]


def project(tmp: Path, data: dict, layers: list | None = None, name: str = "p.json") -> str:
    spec = {"format": "nnstudio-project", "schema_version": 1, "name": "trust",
            "architecture": {"name": "net", "layers": layers or LAYERS}, "data": data,
            "training": {"epochs": 1, "batch_size": 8}}
    path = tmp / name
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


def table(tmp: Path, empty: bool = False) -> str:
    """a, b, partial (a hole every 7th row), optionally 'empty' with no value at all, and the target y."""
    rows = ["a,b,partial" + (",empty" if empty else "") + ",y"]
    for i in range(60):
        a, b = (i * 37 % 100) / 100, (i * 53 % 100) / 100
        rows.append(",".join([f"{a:.2f}", f"{b:.2f}", "" if i % 7 == 0 else f"{2 * a:.2f}", *([""] if empty else []), str(int(a + b > 1))]))
    (tmp / "t.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return "t.csv"


def csv_data(path: str, **params) -> dict:
    return {"source": "csv", "params": {"path": path, "target": "y", **params}, "preprocessing": [{"kind": "standardize", "params": {}}]}


def nan_project(tmp: Path) -> str:
    return project(tmp, csv_data(table(tmp)))


def trained_nan_project(tmp: Path) -> str:
    """A saved project whose weights exist but whose data still holds NaN (the file changed, or impute was removed)."""
    from nnstudio.core.data.assemble import build as build_data
    from nnstudio.core.project.file_format import load_project, save_project
    from nnstudio.core.workspace.document import build_model

    path = Path(nan_project(tmp))
    loaded = load_project(path)
    built = build_model(loaded, build_data(loaded.data, tmp), load_weights=False)
    loaded.weights = {k: v.detach().clone() for k, v in built.module.state_dict().items()}
    out = tmp / "nan.nnstudio"
    save_project(loaded, out)
    return str(out)


def fifo(tmp: Path) -> str:
    os.mkfifo(tmp / "pipe.csv")
    return str(tmp / "pipe.csv")


def idx(array: np.ndarray, type_byte: int, dtype: str) -> bytes:
    return struct.pack(">BBBB", 0, 0, type_byte, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(dtype).tobytes()


def mnist(tmp: Path, images_type: int = 0x08, labels_type: int = 0x08, damage: bool = False) -> str:
    folder = tmp / "mnist"
    folder.mkdir()
    types = {0x08: ">u1", 0x09: ">i1", 0x0D: ">f4"}
    for part, n in (("train", 20), ("t10k", 10)):
        images = np.zeros((n, 28, 28))
        labels = np.arange(n) % 10
        (folder / f"{part}-images-idx3-ubyte").write_bytes(idx(images, images_type, types[images_type]))
        raw = idx(labels, labels_type, types[labels_type])
        if damage and part == "train":
            packed = bytearray(gzip.compress(raw, mtime=0))
            packed[12] ^= 0xFF  # inside the deflate stream: gzip raises zlib.error
            (folder / f"{part}-labels-idx1-ubyte.gz").write_bytes(bytes(packed))
        else:
            (folder / f"{part}-labels-idx1-ubyte").write_bytes(raw)
    return str(folder)


def mnist_project(tmp: Path, **kw) -> str:
    layers = [{"kind": "flatten", "params": {}}, {"kind": "linear", "params": {"out_features": 10}}]
    return project(tmp, {"source": "mnist_family", "params": {"path": mnist(tmp, **kw)}}, layers)


def npz_inf(tmp: Path) -> str:
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    x[4, 1] = np.inf
    np.savez(tmp / "d.npz", X=x, y=np.arange(40) % 2)
    return project(tmp, {"source": "npz", "params": {"path": "d.npz"}})


def huge(tmp: Path) -> str:
    return project(tmp, {"source": "digits", "params": {}}, HUGE)


NOT_LR = (*FOREIGN, "learning rate", "diverged")
TOO_BIG = ("Layer 3 (Linear) makes the network too big for this computer", "GB", "make this layer smaller")
NAN = ("column 'partial'", "missing (NaN)", "Fill missing values", "impute")
EMPTY = ("column 'empty'", "no value at all", "drop it from the features")

CASES = [
    Case("train: a CSV column with no value at all", lambda tmp: ["train", project(tmp, csv_data(table(tmp, empty=True)))], 2, EMPTY),
    Case("info: a CSV column with no value at all", lambda tmp: ["info", project(tmp, csv_data(table(tmp, empty=True)))], 2, EMPTY),
    Case("train: NaN left after preprocessing", lambda tmp: ["train", nan_project(tmp)], 2, NAN, NOT_LR),
    Case("train --json: NaN left after preprocessing", lambda tmp: ["train", nan_project(tmp), "--json"], 2, NAN, NOT_LR),
    Case("evaluate: NaN inputs with saved weights", lambda tmp: ["evaluate", trained_nan_project(tmp)], 2, NAN,
         (*FOREIGN, "Input contains NaN")),
    Case("evaluate --json: NaN inputs with saved weights", lambda tmp: ["evaluate", trained_nan_project(tmp), "--json"], 2, NAN),
    Case("info: NaN left after preprocessing", lambda tmp: ["info", nan_project(tmp)], 2, NAN),
    Case("train: NaN reaching a step that cannot take it (PCA)",
         lambda tmp: ["train", project(tmp, {**csv_data(table(tmp)), "preprocessing": [{"kind": "standardize", "params": {}}, {"kind": "pca", "params": {}}]})],
         2, ("Preprocessing step 2 (PCA) cannot take missing values", "column 'partial' still has 7 of them (NaN)", "impute")),
    Case("train: infinity in an npz", lambda tmp: ["train", npz_inf(tmp)], 2, ("infinite", "column 2", "replace them in the data file"), NOT_LR),
    Case("train: the CSV path is /dev/zero", lambda tmp: ["train", project(tmp, csv_data("/dev/zero"))], 2,
         ("/dev/zero is a device, not a data file", "choose a file")),
    Case("train: the CSV path is a FIFO", lambda tmp: ["train", project(tmp, csv_data(fifo(tmp)))], 2, ("named pipe (FIFO)", "not a data file")),
    Case("train: the CSV path is a folder", lambda tmp: ["train", project(tmp, csv_data("."))], 2, ("is a folder, not a data file",)),
    Case("train: the npz path is a FIFO", lambda tmp: ["train", project(tmp, {"source": "npz", "params": {"path": fifo(tmp)}})], 2,
         ("named pipe (FIFO)",)),
    Case("train: MNIST images stored as int8 (idx type 0x09)", lambda tmp: ["train", mnist_project(tmp, images_type=0x09)], 2,
         ("train-images-idx3-ubyte holds signed bytes", "0x09", "must be unsigned bytes (type 0x08)")),
    Case("train: MNIST labels stored as float32 (idx type 0x0d)", lambda tmp: ["train", mnist_project(tmp, labels_type=0x0D)], 2,
         ("train-labels-idx1-ubyte holds 32-bit floats", "0x0d", "0x08")),
    Case("train: a damaged deflate stream in a .gz idx", lambda tmp: ["train", mnist_project(tmp, damage=True)], 2,
         ("train-labels-idx1-ubyte.gz is not a valid gzip file", "get a fresh copy")),
    Case("info: Linear 10^6 -> 10^6", lambda tmp: ["info", huge(tmp)], 2, TOO_BIG, (*FOREIGN, "allocate")),
    Case("train: Linear 10^6 -> 10^6", lambda tmp: ["train", huge(tmp)], 2, TOO_BIG, (*FOREIGN, "allocate")),
    Case("export-code: Linear 10^6 -> 10^6", lambda tmp: ["export-code", huge(tmp), "-o", str(tmp / "x.py")], 2, TOO_BIG,
         (*FOREIGN, "allocate")),
]


@pytest.fixture(autouse=True)
def _memory_of_a_laptop(monkeypatch):
    """16 GB free, whatever this machine has: the messages' figures are fixed, and 4 TB never fits."""
    from nnstudio.core.base import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 16 * 1024**3)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_data_is_named_as_bad_data(case, tmp_path, capsys, monkeypatch):
    if "FIFO" in case.name and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    if "/dev/zero" in case.name and not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    monkeypatch.chdir(tmp_path)
    err = check_case(case, tmp_path, capsys)
    assert len(err.strip().splitlines()) == 1 and err.startswith("nnstudio ")


def test_info_still_prints_what_it_can_before_refusing(tmp_path, capsys):
    from trust_cases import run_cli

    code, out, err = run_cli(["info", huge(tmp_path)], capsys)
    assert code == 2 and "total 1,000,076,000,010 parameters" in out
    assert "training needs about 14,902.4 GB of memory with batches of 8 (16.0 GB free now)" in out
    assert "too big for this computer" in err
