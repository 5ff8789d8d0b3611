"""Bad data is named as bad data: NaN/inf after preprocessing, empty columns, devices and FIFOs, files too big
for memory, idx files of the wrong type, a mean filled into a category, and metrics with nothing held out."""

from __future__ import annotations

import gzip
import json
import os
import struct
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from nnstudio.cli import main
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.base import memory
from nnstudio.core.base.errors import DataError, TrainingError
from nnstudio.core.data import files, tables
from nnstudio.core.data.assemble import build
from nnstudio.core.data.bundle import Split
from nnstudio.core.data.checks import not_finite
from nnstudio.core.data.spec import DataSpec, SplitSpec, StepSpec
from nnstudio.core.evaluate.report import NO_HELD_OUT, evaluate
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.engine import Trainer, settings_problem
from nnstudio.core.workspace.document import build_model


def table(path: Path, rows: int = 60, empty: bool = False, holes: bool = True) -> Path:
    """Columns a, b, partial (a hole every 7th row when ``holes``), optionally one with no value at all, target y."""
    head = "a,b,partial" + (",empty" if empty else "") + ",y\n"
    lines = []
    for i in range(rows):
        a, b = (i * 37 % 100) / 100, (i * 53 % 100) / 100
        cells = [f"{a:.2f}", f"{b:.2f}", "" if holes and i % 7 == 0 else f"{2 * a:.2f}"] + ([""] if empty else []) + [str(int(a + b > 1))]
        lines.append(",".join(cells))
    path.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def free(monkeypatch, n: int | None) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: n)


# ---------------------------------------------------------------------------- NaN / inf after preprocessing
def test_a_column_with_no_value_at_all_is_refused_at_load_by_name(tmp_path):
    path = table(tmp_path / "t.csv", empty=True)
    with pytest.raises(DataError, match=r"The column 'empty' of t.csv has no value at all .*drop it from the features"):
        build(DataSpec("csv", {"path": str(path), "target": "y"}))
    assert build(DataSpec("csv", {"path": str(path), "target": "y", "features": "a,b"})).input_shape == (2,)


def test_holes_left_after_preprocessing_name_the_column_and_the_impute_step(tmp_path):
    path = table(tmp_path / "t.csv")
    bundle = build(DataSpec("csv", {"path": str(path), "target": "y"}, [StepSpec("standardize")]))
    assert bundle.problem.startswith("The training inputs still hold")
    assert "missing (NaN) value(s) after preprocessing, in column 'partial'" in bundle.problem
    assert "'Fill missing values' (impute)" in bundle.problem and "learning rate" not in bundle.problem
    with pytest.raises(DataError, match="column 'partial'"):
        bundle.require_finite()
    spec = TrainSpec(epochs=1, batch_size=8)
    assert settings_problem(spec.copy(), bundle, 2) == bundle.problem  # the Training tab explains it before Train
    model = build_model_for(bundle)
    with pytest.raises(TrainingError, match="column 'partial'"):
        Trainer(model, bundle, spec)
    with pytest.raises(DataError, match="column 'partial'"):
        evaluate(model, bundle)  # was sklearn's "Input contains NaN"

    fixed = build(DataSpec("csv", {"path": str(path), "target": "y"}, [StepSpec("impute"), StepSpec("standardize")]))
    assert fixed.problem == ""


def build_model_for(bundle):
    project = default_project()
    project.architecture = ArchitectureSpec([layer("linear", out_features=2)])
    return build_model(project, bundle, load_weights=False).module


def test_infinity_in_an_npz_is_named_with_its_column_and_not_sent_to_impute(tmp_path):
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    x[5, 2] = np.inf
    np.savez(tmp_path / "d.npz", X=x, y=np.arange(40) % 2)
    bundle = build(DataSpec("npz", {"path": str(tmp_path / "d.npz")}, split=SplitSpec(0.0, 0.0)))
    assert "1 infinite value(s) after preprocessing, in column 3" in bundle.problem
    assert "replace them in the data file" in bundle.problem


def test_images_name_the_position_and_targets_their_own_problem(tmp_path):
    x = np.zeros((30, 1, 4, 4), np.float32)
    x[3, 0, 2, 1] = np.nan
    np.savez(tmp_path / "img.npz", X=x, y=np.arange(30) % 2)
    bundle = build(DataSpec("npz", {"path": str(tmp_path / "img.npz")}, split=SplitSpec(0.0, 0.0)))
    assert "in position (0, 2, 1) of each example" in bundle.problem

    bad_y = Split(torch.zeros(4, 2), torch.tensor([1.0, float("nan"), 2.0, 3.0]))
    assert not_finite({"test": bad_y}, ["p", "q"]).startswith("The test targets hold 1 missing (NaN) value(s)")


# ---------------------------------------------------------------------------- files that are not files, or too big
def test_a_device_is_refused_without_being_read():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(DataError, match=r"/dev/zero is a device, not a data file; choose a file saved on disk"):
        tables.read_table(Path("/dev/zero"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    stop = threading.Event()

    def unblock() -> None:  # if the reader ever opened the FIFO, feed it a table so the test ends (and fails)
        while not stop.wait(0.05):
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue  # no reader yet
            os.write(fd, b"a,y\n1,0\n")
            os.close(fd)
            return

    helper = threading.Thread(target=unblock, daemon=True)
    helper.start()
    try:
        with pytest.raises(DataError, match=r"pipe.csv is a named pipe \(FIFO\), not a data file"):
            tables.read_table(fifo)
        assert tables.peek_columns(fifo) == []
    finally:
        stop.set()
        helper.join(5)


def test_a_file_too_big_for_free_memory_is_refused_with_sizes(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text("x,y\n" + "1.5,2\n" * 40_000, encoding="utf-8")  # 234 KB: reading it needs about 2.3 MB
    free(monkeypatch, 1024**2)
    with pytest.raises(DataError, match=r"big.csv is 234 KB; reading it needs about 2.3 MB of memory, but only 1.0 MB is free; use a smaller file"):
        tables.read_table(path)
    free(monkeypatch, 3 * 1024**2)
    assert tables.read_table(path).n_rows == 40_000


def test_the_limit_never_refuses_a_table_that_fits():
    million_rows = 24_000_000  # bytes of a 1,000,000-row, five-column CSV (its parse peaked at ~700 MB)
    assert files.fits_in_memory(million_rows, files.TEXT_MEMORY_FACTOR, 1024**3)
    assert not files.fits_in_memory(million_rows, files.TEXT_MEMORY_FACTOR, 200 * 1024**2)
    assert files.fits_in_memory(10**12, files.TEXT_MEMORY_FACTOR, None)  # memory unknown: no refusal


# ---------------------------------------------------------------------------- idx files
def idx(array: np.ndarray, type_byte: int = 0x08, dtype: str = ">u1") -> bytes:
    return struct.pack(">BBBB", 0, 0, type_byte, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(dtype).tobytes()


def test_idx_files_must_hold_unsigned_bytes(tmp_path):
    signed = tmp_path / "train-images-idx3-ubyte"
    signed.write_bytes(idx(np.full((2, 28, 28), -3), 0x09, ">i1"))
    with pytest.raises(DataError, match=r"holds signed bytes \(idx type byte 0x09\); MNIST-family images and labels must be unsigned bytes \(type 0x08\)"):
        files.read_idx(signed)
    floats = tmp_path / "labels-idx1-ubyte"
    floats.write_bytes(idx(np.zeros(3), 0x0D, ">f4"))
    with pytest.raises(DataError, match=r"idx type byte 0x0d"):
        files.read_idx(floats)
    signed.write_bytes(idx(np.full((2, 28, 28), 200)))
    assert files.read_idx(signed).max() == 200


def test_a_gzipped_idx_is_unpacked_within_free_memory_and_a_broken_stream_named(tmp_path, monkeypatch):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx(np.zeros((100, 28, 28))), compresslevel=9))  # 78 KB of zeros in a few hundred bytes
    free(monkeypatch, 100 * 1024)
    with pytest.raises(DataError, match=r"unpacks to more than 20 KB"):
        files.read_idx(path)
    free(monkeypatch, None)
    assert files.read_idx(path).shape == (100, 28, 28)
    raw = bytearray(gzip.compress(bytes(range(256)) * 64, mtime=0))
    raw[12] ^= 0xFF  # damage inside the deflate stream: zipfile and gzip raise zlib.error, not OSError
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="is not a valid gzip file"):
        try:
            files.read_idx(path)
        except zlib.error as exc:  # the foreign exception this guards against
            raise AssertionError(f"zlib.error escaped: {exc}") from None


# ---------------------------------------------------------------------------- a mean is no category
PENGUINS = "bill,sex,species\n" + "".join(
    f"{40 + i % 9},{'' if i % 10 == 0 else ['female', 'male'][i % 3 == 0]},{['Adelie', 'Gentoo'][i % 2]}\n" for i in range(60)
)


def test_mean_fill_before_one_hot_gives_a_category_its_most_frequent_value(tmp_path):
    path = tmp_path / "penguins.csv"
    path.write_text(PENGUINS, encoding="utf-8")
    for strategy in ("mean", "median"):
        spec = DataSpec("csv", {"path": str(path), "target": "species"}, [StepSpec("impute", {"strategy": strategy}), StepSpec("onehot")])
        bundle = build(spec)
        assert bundle.feature_names == ["bill", "sex=female", "sex=male"]  # was also 'sex=0.483871'
        sex = bundle.train.x[:, 1:].numpy()
        assert np.all(sex.sum(axis=1) == 1)  # every filled row is one real category
        assert bundle.problem == ""


# ---------------------------------------------------------------------------- nothing held out
def test_evaluate_says_when_no_data_is_held_out(tmp_path, capsys):
    project = default_project()
    project.data.split = SplitSpec(0.0, 0.0)
    bundle = build(project.data)
    built = build_model(project, bundle, load_weights=False)
    report = evaluate(built.module, bundle)
    assert report.main_split == "train" and report.notes == [NO_HELD_OUT]
    assert report.to_dict()["notes"][0].startswith("No held-out data: the validation and test splits are empty")

    project.weights = {k: v.detach().clone() for k, v in built.module.state_dict().items()}
    path = tmp_path / "all_train.nnstudio"
    save_project(project, path)
    assert main(["evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("note: No held-out data: the validation and test splits are empty, so these are training metrics")
    assert main(["evaluate", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert data["notes"] == [NO_HELD_OUT] and list(data["splits"]) == ["train"]

    normal = evaluate(built.module, build(default_project().data))
    assert normal.notes == []
