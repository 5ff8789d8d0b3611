"""The user's own files: every reader on small files made here, and every kind of bad input named clearly."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
from repo_paths import EXAMPLES

from nnstudio.core.base.errors import DataError
from nnstudio.core.data import files, tables
from nnstudio.core.data.assemble import build, load_raw
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.workspace.document import ProjectDocument


# ---------------------------------------------------------------------------- helpers
def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PEOPLE = "age,city,income,bought\n" + "".join(
    f"{20 + i},{['Oslo', 'Rome', 'Lima'][i % 3]},{'NA' if i % 7 == 0 else 1000 + 10 * i},{'yes' if i % 2 else 'no'}\n"
    for i in range(30)
)


def csv_spec(path: str, **params) -> DataSpec:
    return DataSpec("csv", {"path": path, **params})


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(folder: Path, n_train: int = 30, n_test: int = 12, gz: bool = False, prefix: str = "", test_name: str = "t10k", classes: int = 10) -> None:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for part, n in (("train", n_train), (test_name, n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % classes).astype(np.uint8) + (1 if prefix.startswith("emnist-letters") else 0)
        for kind, arr in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            raw = idx_bytes(arr)
            name = f"{prefix}{part}-{kind}"
            (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(raw) if gz else raw)


class _Py2Pickler(pickle._Pickler):  # type: ignore[name-defined]
    """Writes bytes as Python 2 'str' (BINSTRING), as the original CIFAR-10 batches were written."""

    dispatch = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]

    def save_bytes(self, obj: bytes) -> None:
        self.write(b"T" + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_bytes


def cifar_batch(n: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    batch = {"batch_label": "training batch", "labels": [int(v) for v in rng.integers(0, 10, n)],
             "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "filenames": [f"img{i}.png" for i in range(n)]}
    buffer = io.BytesIO()
    _Py2Pickler(buffer, protocol=2).dump(batch)
    return buffer.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def write_cifar(folder: Path, n: int = 8) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, 6):
        (folder / f"data_batch_{i}").write_bytes(cifar_batch(n, i))
    (folder / "test_batch").write_bytes(cifar_batch(n, 99))


def write_images(folder: Path, classes: dict[str, int], size: int = 10) -> None:
    from PIL import Image

    rng = np.random.default_rng(1)
    for k, (cls, count) in enumerate(classes.items()):
        (folder / cls).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            pixels = rng.integers(0, 256, (size, size + i % 3, 3), dtype=np.uint8)
            pixels[..., k % 3] = 255
            Image.fromarray(pixels).save(folder / cls / f"{i}.{'png' if i % 2 else 'jpg'}")


# ---------------------------------------------------------------------------- CSV / TSV
def test_csv_with_missing_values_and_categories(tmp_path):
    write(tmp_path / "people.csv", PEOPLE)
    raw = load_raw(csv_spec("people.csv"), tmp_path)
    assert raw.task == "classification" and raw.class_names == ["no", "yes"]
    assert raw.feature_names == ["age", "city", "income"]
    assert raw.x.shape == (30, 3) and raw.x.dtype == np.float32
    assert raw.meta["categorical"] == {"city": ["Lima", "Oslo", "Rome"]}
    assert set(np.unique(raw.x[:, 1])) == {0.0, 1.0, 2.0}
    assert np.isnan(raw.x[:, 2]).sum() == 5 and raw.meta["missing"] == {"income": 5}


@pytest.mark.parametrize("token", ["", "NA", "NaN", "null", "N/A", "None"])
def test_usual_spellings_of_missing_are_recognised(tmp_path, token):
    write(tmp_path / "m.csv", "a,b,y\n" + "".join(f"{i},{token if i == 3 else i * 2},{i % 2}\n" for i in range(12)))
    table = tables.read_table(tmp_path / "m.csv")
    assert table.column("b").kind == tables.NUMERIC and table.column("b").missing == 1


def test_target_task_and_features_can_be_chosen(tmp_path):
    write(tmp_path / "people.csv", PEOPLE)
    raw = load_raw(csv_spec("people.csv", target="age", features="income, city"), tmp_path)
    assert raw.task == "regression" and raw.feature_names == ["income", "city"] and raw.y.dtype == np.float32
    forced = load_raw(csv_spec("people.csv", target="age", task="classification", features="city"), tmp_path)
    assert forced.task == "classification" and len(forced.class_names) == 30


def test_task_detection_on_numbers(tmp_path):
    write(tmp_path / "t.csv", "x,label,price\n" + "".join(f"{i},{i % 3},{i * 1.37:.2f}\n" for i in range(40)))
    assert load_raw(csv_spec("t.csv", target="label", features="x"), tmp_path).task == "classification"
    assert load_raw(csv_spec("t.csv", target="price", features="x"), tmp_path).task == "regression"


def test_tsv_and_semicolon_tables(tmp_path):
    write(tmp_path / "t.tsv", PEOPLE.replace(",", "\t"))
    write(tmp_path / "s.csv", PEOPLE.replace(",", ";"))
    assert load_raw(csv_spec("t.tsv"), tmp_path).x.shape == (30, 3)
    assert load_raw(csv_spec("s.csv"), tmp_path).x.shape == (30, 3)


def test_embedded_table_needs_no_file(tmp_path):
    path = write(tmp_path / "people.csv", PEOPLE)
    text = tables.embed_text(path)
    path.unlink()
    raw = load_raw(csv_spec("people.csv", embedded=text), tmp_path)
    assert raw.x.shape == (30, 3)


def test_large_file_is_not_embedded(tmp_path):
    big = write(tmp_path / "big.csv", "a,b\n" + "1,2\n" * (tables.MAX_EMBED_BYTES // 4 + 10))
    with pytest.raises(DataError, match="embedded"):
        tables.embed_text(big)


def test_relative_path_starts_at_the_project_folder(tmp_path, monkeypatch):
    write(tmp_path / "proj" / "data" / "people.csv", PEOPLE)
    monkeypatch.chdir(tmp_path)
    assert load_raw(csv_spec("data/people.csv"), tmp_path / "proj").x.shape == (30, 3)
    with pytest.raises(files.MissingFileError, match="people.csv"):
        load_raw(csv_spec("data/people.csv"), None)  # from the working folder it is not there


def test_project_relative_and_rebase(tmp_path):
    target = write(tmp_path / "a" / "data" / "p.csv", PEOPLE)
    assert files.project_relative(target, tmp_path / "a") == "data/p.csv"
    spec = csv_spec("data/p.csv")
    moved = files.rebase_paths(spec, tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b" / moved.params["path"]).resolve() == target.resolve()
    assert spec.params["path"] == "data/p.csv"  # the original is untouched
    assert files.rebase_paths(DataSpec("moons"), tmp_path, tmp_path / "b").params == {}
    # An unsaved project holds an absolute path; saved next to the data it becomes relative.
    first_save = files.rebase_paths(csv_spec(str(target)), None, tmp_path / "a")
    assert first_save.params["path"] == "data/p.csv"
    assert files.data_path(csv_spec("x.csv", embedded="a,b\n1,2\n")) == ""  # nothing on disk to follow


# ---------------------------------------------------------------------------- CSV bad input
@pytest.mark.parametrize(
    "content, params, message",
    [
        ("a,b,y\n1,2,0\n3,x,1\n4,5,0\n6,7,1\n", {}, r"column 'b' mixes numbers and text \('x' on line 3"),
        ("", {}, "is empty"),
        ("   \n\n", {}, "is empty"),
        ("a,b,y\n", {}, "header line but no rows"),
        ("a,b,y\n1,2,1\n3,4,1\n5,6,1\n", {"task": "classification"}, r"single class \('1'\)"),
        ("a,b,y\n1,2,0\n3,4,NA\n5,6,1\n", {}, r"'y' has 1 missing value\(s\) \(first on line 3\)"),
        ("a,b,y\n1,2,0\n3,4\n", {}, r"line 3: 2 fields but the header has 3"),
        ("a,b,y\n1,2,0\n3,4,1\n", {"target": "z"}, "no column 'z'; its columns are: a, b, y"),
        ("a,a,y\n1,2,0\n", {}, "two columns named 'a'"),
        ("a,b,y\n1,2,cat\n3,4,dog\n", {"task": "regression"}, "regression needs numbers"),
        ("a,b,y\n1,2,0\n3,4,1\n", {"features": "a,y"}, "also among the features"),
    ],
)
def test_bad_tables_get_specific_messages(tmp_path, content, params, message):
    write(tmp_path / "bad.csv", content)
    with pytest.raises(DataError, match=message):
        load_raw(csv_spec("bad.csv", **params), tmp_path)


def test_non_utf8_file_is_named_with_the_fix(tmp_path):
    (tmp_path / "latin.csv").write_bytes("name,y\nJosé,1\nZoë,0\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8 text \(byte 0xe9 on line 2\).*CSV UTF-8"):
        load_raw(csv_spec("latin.csv"), tmp_path)


def test_missing_and_unchosen_files(tmp_path):
    with pytest.raises(DataError, match="No table chosen yet"):
        load_raw(csv_spec(""), tmp_path)
    with pytest.raises(files.MissingFileError, match="nothere.csv was not found"):
        load_raw(csv_spec("nothere.csv"), tmp_path)


def test_failed_load_keeps_the_previous_data(tmp_path):
    write(tmp_path / "bad.csv", "a,y\n1,0\n2,zz\n3,0\n4,1\n5,1\n")
    write(tmp_path / "good.csv", PEOPLE)
    doc = ProjectDocument()
    doc.path = tmp_path / "project.nnstudio"
    doc.set_data(csv_spec("good.csv"))
    before = doc.bundle()
    with pytest.raises(DataError, match="column 'y' mixes numbers and text"):
        doc.set_data(csv_spec("bad.csv", target="a"))
    assert doc.project.data.params["path"] == "good.csv" and doc.bundle() is before


def test_tiny_dataset_smaller_than_the_batch_gets_a_clear_message(tmp_path):
    from nnstudio.core.arch.builder import build as build_arch
    from nnstudio.core.arch.spec import ArchitectureSpec, layer
    from nnstudio.core.base.errors import TrainingError
    from nnstudio.core.training.config import TrainSpec
    from nnstudio.core.training.engine import Trainer

    write(tmp_path / "tiny.csv", "a,b,y\n" + "".join(f"{i},{i * i},{i % 2}\n" for i in range(12)))
    bundle = build(csv_spec("tiny.csv"), tmp_path)
    model = build_arch(ArchitectureSpec([layer("linear", in_features=2, out_features=2)]), bundle.input_shape).module
    with pytest.raises(TrainingError, match=r"batch size \(32\) is larger than the training split \(\d+ examples\)"):
        Trainer(model, bundle, TrainSpec(batch_size=32, epochs=1))


# ---------------------------------------------------------------------------- image folders
def test_image_folder_resized_grayscale_and_rgb(tmp_path):
    write_images(tmp_path / "pets", {"cats": 6, "dogs": 5})
    raw = load_raw(DataSpec("image_folder", {"path": "pets", "size": 12}), tmp_path)
    assert raw.x.shape == (11, 1, 12, 12) and raw.class_names == ["cats", "dogs"]
    assert raw.x.min() >= 0 and raw.x.max() <= 1 and raw.meta["image"]
    assert list(raw.y) == [0] * 6 + [1] * 5
    rgb = load_raw(DataSpec("image_folder", {"path": "pets", "size": 8, "color": "rgb"}), tmp_path)
    assert rgb.x.shape == (11, 3, 8, 8)
    assert rgb.x[:6, 0].mean() > 0.9  # the cats were painted full red (JPEG blurs it a little)


def test_image_folder_skips_hidden_files(tmp_path):
    write_images(tmp_path / "pets", {"cats": 3, "dogs": 3})
    (tmp_path / "pets" / "dogs" / "._0.jpg").write_bytes(b"\x00\x05\x16\x07 mac resource fork")
    (tmp_path / "pets" / "cats" / ".thumbs").mkdir()
    (tmp_path / "pets" / "cats" / ".thumbs" / "a.png").write_bytes(b"junk")
    assert load_raw(DataSpec("image_folder", {"path": "pets"}), tmp_path).x.shape[0] == 6


def test_image_folder_with_a_corrupt_image(tmp_path):
    write_images(tmp_path / "pets", {"cats": 3, "dogs": 3})
    (tmp_path / "pets" / "dogs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    raw = load_raw(DataSpec("image_folder", {"path": "pets"}), tmp_path)  # left out and named, not fatal
    assert raw.x.shape[0] == 6 and "left out: dogs/broken.png;" in raw.meta["notes"][0]  # more: test_image_folders.py


def test_image_folder_with_a_single_class(tmp_path):
    write_images(tmp_path / "pets", {"cats": 3})
    with pytest.raises(DataError, match=r"only the class folder 'cats'.*at least two"):
        load_raw(DataSpec("image_folder", {"path": "pets"}), tmp_path)


def test_image_folder_with_an_empty_class(tmp_path):
    write_images(tmp_path / "pets", {"cats": 3})
    (tmp_path / "pets" / "dogs").mkdir()
    with pytest.raises(DataError, match="'dogs' holds no images"):
        load_raw(DataSpec("image_folder", {"path": "pets"}), tmp_path)


def test_image_folder_load_can_be_cancelled(tmp_path):
    from nnstudio.core.base.jobs import JobToken

    write_images(tmp_path / "pets", {"cats": 3, "dogs": 3})
    token = JobToken()
    token.cancel()
    with token.active(), pytest.raises(files.LoadCancelled, match="Loading was cancelled"):
        load_raw(DataSpec("image_folder", {"path": "pets"}), tmp_path)


# ---------------------------------------------------------------------------- MNIST family (idx)
@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_raw_and_gzipped_in_torchvision_layout(tmp_path, gz):
    write_mnist(tmp_path / "data" / "MNIST" / "raw", n_train=80, gz=gz)
    raw = load_raw(DataSpec("mnist_family", {"path": "data"}), tmp_path)
    assert raw.x.shape == (80, 1, 28, 28) and raw.fixed_test is not None and raw.fixed_test[0].shape == (12, 1, 28, 28)
    assert raw.class_names == [str(i) for i in range(10)] and raw.x.max() <= 1.0
    bundle = build(DataSpec("mnist_family", {"path": "data"}), tmp_path)
    assert len(bundle.test) == 12 and bundle.input_shape == (1, 28, 28)  # the shipped test set is kept


def test_fashion_mnist_names_and_limit(tmp_path):
    write_mnist(tmp_path / "FashionMNIST" / "raw")
    assert files.guess_idx_variant(tmp_path) == ("fashion_mnist", "balanced")
    raw = load_raw(DataSpec("mnist_family", {"path": str(tmp_path), "variant": "fashion_mnist", "limit": 20}))
    assert raw.class_names[9] == "Ankle boot" and len(raw.y) == 20


@pytest.mark.parametrize("split, classes", [("balanced", 47), ("letters", 26), ("digits", 10)])
def test_emnist_splits(tmp_path, split, classes):
    write_mnist(tmp_path / "EMNIST" / "raw", n_train=classes, prefix=f"emnist-{split}-", test_name="test", classes=classes, gz=True)
    assert files.guess_idx_variant(tmp_path) == ("emnist", split)
    raw = load_raw(DataSpec("mnist_family", {"path": str(tmp_path), "variant": "emnist", "emnist_split": split}))
    assert len(raw.class_names) == classes and int(raw.y.max()) == classes - 1 and int(raw.y.min()) == 0


def test_emnist_images_are_turned_upright(tmp_path):
    write_mnist(tmp_path, prefix="emnist-digits-", test_name="test")
    stored = files.read_idx(tmp_path / "emnist-digits-train-images-idx3-ubyte")
    raw = load_raw(DataSpec("mnist_family", {"path": str(tmp_path), "variant": "emnist", "emnist_split": "digits"}))
    assert np.allclose(raw.x[0, 0], stored[0].T / 255.0)


def test_incomplete_mnist_folder_names_the_missing_file(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match=r"incomplete: t10k-labels-idx1-ubyte \(or t10k-labels-idx1-ubyte.gz\) is missing"):
        load_raw(DataSpec("mnist_family", {"path": str(tmp_path)}))


def test_idx_header_that_disagrees_with_the_size(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match=r"header promises 30 x 28 x 28 values \(23,520 bytes\) but the file holds 23,420"):
        load_raw(DataSpec("mnist_family", {"path": str(tmp_path)}))


def test_not_an_idx_file_and_bad_gzip(tmp_path):
    (tmp_path / "x-idx3-ubyte").write_bytes(b"hello world")
    with pytest.raises(DataError, match="not an idx file"):
        files.read_idx(tmp_path / "x-idx3-ubyte")
    (tmp_path / "y-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="not a valid gzip file"):
        files.read_idx(tmp_path / "y-idx3-ubyte.gz")


def test_images_and_labels_that_do_not_match(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(5, np.uint8)))
    with pytest.raises(DataError, match="do not match"):
        load_raw(DataSpec("mnist_family", {"path": str(tmp_path)}))


# ---------------------------------------------------------------------------- CIFAR-10
@pytest.mark.parametrize("inner", [True, False])
def test_cifar_python_batches(tmp_path, inner):
    write_cifar(tmp_path / "cifar-10-batches-py" if inner else tmp_path)
    raw = load_raw(DataSpec("cifar10", {"path": str(tmp_path)}))
    assert raw.x.shape == (40, 3, 32, 32) and raw.fixed_test[0].shape == (8, 3, 32, 32)
    assert raw.class_names[0] == "airplane" and raw.meta["image"]
    first = np.frombuffer(pickle.loads(cifar_batch(8, 1), encoding="latin1")["data"].tobytes(), np.uint8)[:3072]
    assert np.allclose(raw.x[0].reshape(-1), first / 255.0)


def test_cifar_limit(tmp_path):
    write_cifar(tmp_path)
    assert len(load_raw(DataSpec("cifar10", {"path": str(tmp_path), "limit": 10})).y) == 10


def test_incomplete_cifar_folder(tmp_path):
    write_cifar(tmp_path)
    (tmp_path / "data_batch_3").unlink()
    with pytest.raises(DataError, match="incomplete: data_batch_3 is missing"):
        load_raw(DataSpec("cifar10", {"path": str(tmp_path)}))


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo should-never-run > pwned.txt",))


def test_cifar_batch_that_would_run_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_cifar(tmp_path)
    (tmp_path / "data_batch_2").write_bytes(pickle.dumps({"data": _Evil(), "labels": []}, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_2 is not a plain CIFAR-10 batch \(refused to load .*system\)"):
        load_raw(DataSpec("cifar10", {"path": str(tmp_path)}))
    assert not (tmp_path / "pwned.txt").exists()


def test_cifar_batch_with_wrong_contents(tmp_path):
    write_cifar(tmp_path)
    (tmp_path / "test_batch").write_bytes(pickle.dumps({"data": np.zeros((2, 10), np.uint8), "labels": [1, 2]}, protocol=2))
    with pytest.raises(DataError, match="expected N x 3072"):
        load_raw(DataSpec("cifar10", {"path": str(tmp_path)}))
    (tmp_path / "test_batch").write_bytes(b"\x80\x02 garbage")
    with pytest.raises(DataError, match="damaged or not a CIFAR-10 batch"):
        load_raw(DataSpec("cifar10", {"path": str(tmp_path)}))


# ---------------------------------------------------------------------------- NumPy .npz
def test_npz_classification_regression_and_class_names(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    np.savez(tmp_path / "c.npz", X=x, y=np.arange(40) % 2 + 5, class_names=np.array(["", "", "", "", "", "cat", "dog"]))
    raw = load_raw(DataSpec("npz", {"path": "c.npz"}), tmp_path)
    assert raw.task == "classification" and raw.class_names == ["cat", "dog"] and set(raw.y) == {0, 1}
    np.savez(tmp_path / "r.npz", X=x, y=x.sum(axis=1))
    assert load_raw(DataSpec("npz", {"path": "r.npz"}), tmp_path).task == "regression"
    np.savez(tmp_path / "i.npz", X=rng.random((30, 1, 6, 6)), y=np.arange(30) % 3)
    images = load_raw(DataSpec("npz", {"path": "i.npz"}), tmp_path)
    assert images.meta["image"] and images.x.shape == (30, 1, 6, 6)


def test_npz_bad_inputs(tmp_path):
    np.savez(tmp_path / "keys.npz", inputs=np.zeros((4, 2)), labels=np.zeros(4))
    with pytest.raises(DataError, match="needs arrays named X and y; it holds: inputs, labels"):
        load_raw(DataSpec("npz", {"path": "keys.npz"}), tmp_path)
    np.savez(tmp_path / "obj.npz", X=np.array([{"a": 1}, None], dtype=object), y=np.zeros(2))
    with pytest.raises(DataError, match="never unpickles"):
        load_raw(DataSpec("npz", {"path": "obj.npz"}), tmp_path)
    np.savez(tmp_path / "nan.npz", X=np.zeros((4, 2)), y=np.array([0.0, np.nan, 1.0, 1.0]))
    with pytest.raises(DataError, match="y has 1 missing"):
        load_raw(DataSpec("npz", {"path": "nan.npz"}), tmp_path)
    np.savez(tmp_path / "len.npz", X=np.zeros((4, 2)), y=np.zeros(3))
    with pytest.raises(DataError, match="one row per example"):
        load_raw(DataSpec("npz", {"path": "len.npz"}), tmp_path)
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(DataError, match="not an .npz archive"):
        load_raw(DataSpec("npz", {"path": "text.npz"}), tmp_path)


# ---------------------------------------------------------------------------- the CLI example
def test_cli_trains_the_csv_example_project(capsys):
    from nnstudio.cli import main

    example = EXAMPLES / "csv_example" / "exam.json"
    assert main(["train", str(example), "--epochs", "2", "--json"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert '"task": "classification"' in line


def test_peek_columns_reads_only_the_start_and_tolerates_bad_cells(tmp_path):
    write(tmp_path / "people.csv", PEOPLE)
    assert tables.peek_columns(tmp_path / "people.csv") == [
        ("age", "numeric"), ("city", "categorical"), ("income", "numeric"), ("bought", "categorical")]
    write(tmp_path / "mixed.csv", "a,b\n1,x\n2,3\n4,5\n")
    assert tables.peek_columns(tmp_path / "mixed.csv") == [("a", ""), ("b", "")]  # names still offered
    big = tmp_path / "big.csv"
    big.write_text("x,y\n" + "1.5,2\n" * 200_000)  # 1.2 MB; only the first 256 KB are looked at
    assert tables.peek_columns(big) == [("x", "numeric"), ("y", "numeric")]
    assert tables.peek_columns(None, "p;q\n1;a\n", "semicolon") == [("p", "numeric"), ("q", "categorical")]
