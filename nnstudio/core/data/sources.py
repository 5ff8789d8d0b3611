"""Built-in datasets. All generated here or bundled with scikit-learn: nothing is downloaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError
from nnstudio.core.base.registry import DATASETS, Param
from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION, RawDataset


def _samples(default: int = 400, maximum: int = 100_000) -> Param:
    return Param("n_samples", int, default, "How many examples to generate.", 20, maximum, label="Samples")


def _noise(default: float) -> Param:
    return Param("noise", float, default, "Standard deviation of the random jitter added to each point.", 0.0, 2.0)


def _two_d(x: np.ndarray, y: np.ndarray, names: list[str], description: str) -> RawDataset:
    return RawDataset(
        x.astype(np.float32), y.astype(np.int64), CLASSIFICATION, names, ["x1", "x2"], description,
        meta={"plane": True},
    )


@DATASETS.register(
    "moons", title="Two moons", category="2-D toys", params=(_samples(), _noise(0.2)),
    help="Two interleaving half circles. A straight line cannot separate them; one small hidden layer can.",
)
def moons(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from sklearn.datasets import make_moons

    x, y = make_moons(p["n_samples"], noise=p["noise"], random_state=seed)
    return _two_d(x, y, ["upper moon", "lower moon"], "Two interleaving half moons in the plane.")


@DATASETS.register(
    "circles", title="Circles", category="2-D toys",
    params=(_samples(), _noise(0.08), Param("factor", float, 0.5, "Inner radius relative to the outer one.", 0.05, 0.95)),
    help="A ring around a disc. Needs a curved boundary; try adding x1² and x2² as features instead of layers.",
)
def circles(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from sklearn.datasets import make_circles

    x, y = make_circles(p["n_samples"], noise=p["noise"], factor=p["factor"], random_state=seed)
    return _two_d(x, y, ["outer ring", "inner disc"], "A ring of one class around a disc of the other.")


@DATASETS.register(
    "xor", title="XOR", category="2-D toys", params=(_samples(), _noise(0.1)),
    help="Opposite quadrants share a class: the classic problem a single neuron cannot solve.",
)
def xor(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(p["n_samples"], 2))
    y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
    x = x + rng.normal(0, p["noise"], x.shape)
    return _two_d(x, y, ["same sign", "opposite sign"], "Points in four quadrants; diagonal quadrants share a class.")


@DATASETS.register(
    "spiral", title="Spiral", category="2-D toys",
    params=(_samples(), _noise(0.1), Param("classes", int, 2, "Number of spiral arms.", 2, 6), Param("turns", float, 1.5, "How many times each arm winds.", 0.5, 4.0)),
    help="Interleaved spiral arms: hard, and a good test of depth and capacity.",
)
def spiral(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    k, n = p["classes"], p["n_samples"]
    y = np.arange(n) % k
    r = rng.uniform(0.05, 1.0, n)
    theta = r * p["turns"] * 2 * np.pi + y * 2 * np.pi / k
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1) + rng.normal(0, p["noise"] * 0.3, (n, 2))
    return _two_d(x, y, [f"arm {i + 1}" for i in range(k)], f"{k} spiral arms winding {p['turns']:g} times.")


@DATASETS.register(
    "blobs", title="Gaussian blobs", category="2-D toys",
    params=(_samples(), Param("centers", int, 3, "Number of clusters (classes).", 2, 10), Param("spread", float, 1.0, "Standard deviation of each cluster.", 0.1, 5.0)),
    help="Round clusters, one per class. Nearly linearly separable: the easy warm-up.",
)
def blobs(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from sklearn.datasets import make_blobs

    x, y = make_blobs(p["n_samples"], centers=p["centers"], cluster_std=p["spread"], random_state=seed)
    return _two_d(x, y, [f"cluster {i + 1}" for i in range(p["centers"])], "Gaussian clusters, one per class.")


@DATASETS.register(
    "sine", title="Noisy sine", category="Regression toys", params=(_samples(), _noise(0.1)),
    help="y = sin(x) plus noise over two periods: the simplest curve a network must bend to fit.",
)
def sine(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2 * np.pi, 2 * np.pi, size=(p["n_samples"], 1))
    y = np.sin(x[:, 0]) + rng.normal(0, p["noise"], p["n_samples"])
    return RawDataset(x.astype(np.float32), y.astype(np.float32), REGRESSION, [], ["x"], "y = sin(x) + noise for x in [-2π, 2π].")


@DATASETS.register(
    "digits", title="Digits (8x8)", category="Real (scikit-learn)",
    help="1,797 real handwritten digits, 8x8 grey pixels scaled to [0, 1], bundled with scikit-learn.",
)
def digits(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None, :, :]
    return RawDataset(
        x, d.target.astype(np.int64), CLASSIFICATION, [str(i) for i in range(10)],
        [f"pixel {r},{c}" for r in range(8) for c in range(8)],
        "Handwritten digits 0-9 as 1x8x8 images (UCI, via scikit-learn).",
        meta={"image": True},
    )


@DATASETS.register(
    "iris", title="Iris", category="Real (scikit-learn)",
    help="150 iris flowers, 4 measurements each, 3 species. Tiny and tabular: a model trains in a second.",
)
def iris(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from sklearn.datasets import load_iris

    d = load_iris()
    return RawDataset(
        d.data.astype(np.float32), d.target.astype(np.int64), CLASSIFICATION, [str(n) for n in d.target_names],
        ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
        "Fisher's iris flowers: 4 measurements, 3 species.",
    )


@DATASETS.register(
    "polynomial", title="Polynomial curve", category="Regression toys",
    params=(_samples(), _noise(0.1), Param("degree", int, 3, "Degree of the curve: how many times it can turn (degree - 1).", 1, 8)),
    help="""
A Chebyshev polynomial on [-1, 1] plus noise: degree 1 is a line, higher degrees wiggle more. Shows how the
number of hidden units limits how many bends a network can fit, and how too many overfit the noise.""",
)
def polynomial(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(p["n_samples"], 1))
    curve = np.polynomial.chebyshev.Chebyshev.basis(p["degree"])
    y = curve(x[:, 0]) + rng.normal(0, p["noise"], p["n_samples"])
    return RawDataset(
        x.astype(np.float32), y.astype(np.float32), REGRESSION, [], ["x"],
        f"y = T{p['degree']}(x) + noise, a degree-{p['degree']} Chebyshev polynomial on [-1, 1].",
    )


@DATASETS.register(
    "surface", title="2-D surface", category="Regression toys", params=(_samples(600), _noise(0.05)),
    help="""
A height over the plane, y = sin(x1) · cos(x2), with noise. Regression with two inputs: the network must learn a
landscape of hills and valleys, which can be drawn as a heat map.""",
)
def surface(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(p["n_samples"], 2))
    y = np.sin(x[:, 0]) * np.cos(x[:, 1]) + rng.normal(0, p["noise"], p["n_samples"])
    return RawDataset(
        x.astype(np.float32), y.astype(np.float32), REGRESSION, [], ["x1", "x2"],
        "y = sin(x1)·cos(x2) + noise over [-3, 3]².", meta={"plane": True},
    )


def _sklearn_table(loader: str, task: str, description: str) -> RawDataset:
    import sklearn.datasets

    d = getattr(sklearn.datasets, loader)()
    names = [str(n) for n in getattr(d, "target_names", [])] if task == CLASSIFICATION else []
    y = d.target.astype(np.int64 if task == CLASSIFICATION else np.float32)
    return RawDataset(d.data.astype(np.float32), y, task, names, [str(f) for f in d.feature_names], description, meta={"tabular": True})


@DATASETS.register(
    "wine", title="Wine", category="Real (scikit-learn)",
    help="""
178 Italian wines from three growers, 13 chemical measurements each. Tabular and small; the measurements come in
very different units, so scaling (standardize) matters a lot here.""",
)
def wine(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    return _sklearn_table("load_wine", CLASSIFICATION, "Wines from 3 cultivars: 13 chemical measurements (UCI).")


@DATASETS.register(
    "breast_cancer", title="Breast cancer", category="Real (scikit-learn)",
    help="""
569 tumour biopsies described by 30 measurements of cell nuclei, labelled malignant or benign. A real
two-class medical task: accuracy alone hides which mistakes (missed malignant cases) are costly.""",
)
def breast_cancer(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    return _sklearn_table("load_breast_cancer", CLASSIFICATION, "Wisconsin breast cancer biopsies: 30 features, malignant or benign.")


@DATASETS.register(
    "diabetes", title="Diabetes progression", category="Real (scikit-learn)",
    help="""
442 diabetes patients: age, sex, body mass index, blood pressure and six blood serum values (already centred and
scaled), and a measure of disease progression one year later. Real regression with a lot of noise: even good
models explain only about half of the variance.""",
)
def diabetes(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    return _sklearn_table("load_diabetes", REGRESSION, "Diabetes progression after one year from 10 baseline values.")


@DATASETS.register(
    "sine_forecast", title="Sine forecasting", category="Sequences",
    params=(
        _samples(800), _noise(0.05),
        Param("length", int, 30, "Time steps the network sees before it must predict.", 5, 200),
        Param("horizon", int, 1, "How many steps ahead to predict.", 1, 50),
    ),
    help="""
Each example is a window of a noisy sine wave (random frequency and phase, shaped time x 1); the target is the
value a few steps after the window. A sequence regression task for RNN/LSTM/GRU layers, and a fair fight for a
plain MLP on the flattened window.""",
)
def sine_forecast(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    n, t, h = p["n_samples"], p["length"], p["horizon"]
    freq = rng.uniform(0.1, 0.4, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    steps = np.arange(t + h)[None, :]
    wave = np.sin(freq * steps + phase)
    x = wave[:, :t] + rng.normal(0, p["noise"], (n, t))
    return RawDataset(
        x[:, :, None].astype(np.float32), wave[:, t + h - 1].astype(np.float32), REGRESSION, [], ["value"],
        f"Windows of {t} noisy sine values; predict the clean value {h} step(s) later.", meta={"sequence": True},
    )


@DATASETS.register(
    "long_memory", title="Remember the early signal", category="Sequences",
    params=(
        _samples(1000), _noise(0.2),
        Param("length", int, 20, "Time steps per sequence.", 5, 200),
        Param("lag", int, 10, "How many steps before the end the marked element sits.", 1, 199),
    ),
    help="""
Each time step holds a random +1/-1 value (with noise) and a marker that is on at exactly one step, `lag` steps
before the end; the class is the sign of the marked value. Everything after it is distraction. A plain RNN
forgets the value as the lag grows, because its gradient fades over many steps; an LSTM or GRU keeps it in its
cell. With the defaults (lag 10), an LSTM with 32 units reaches about 100% test accuracy in 40 epochs where a
plain RNN of the same size stays at chance; at lag 3 both succeed.""",
)
def long_memory(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    n, t, lag = p["n_samples"], p["length"], p["lag"]
    if lag >= t:
        raise DataError(f"The lag ({lag}) must be smaller than the sequence length ({t}); shorten the lag or lengthen the sequences")
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(n, t))
    y = (signs[:, t - 1 - lag] > 0).astype(np.int64)
    x = np.zeros((n, t, 2), dtype=np.float32)
    x[:, :, 0] = signs + rng.normal(0, p["noise"], (n, t))
    x[:, t - 1 - lag, 1] = 1.0  # the marker: "remember this one"
    return RawDataset(
        x, y, CLASSIFICATION, ["negative", "positive"], ["value", "marker"],
        f"{t} steps of (noisy ±1 value, marker); the class is the sign of the value where the marker is on, "
        f"{lag} steps before the end.", meta={"sequence": True},
    )


# ---------------------------------------------------------------------------- the user's own files
# ``file_mode`` tells the Data tab whether ``path`` names a file or a folder and which files to offer.
def _path(what: str) -> Param:
    return Param("path", str, "", f"The {what}; a relative path starts at the project file's folder.", label="File")


def _task(help_text: str) -> Param:
    return Param("task", str, "auto", help_text, choices=("auto", "classification", "regression"))


@DATASETS.register(
    "csv", title="CSV / TSV table", category="Your files",
    file_mode="file", file_filter="Tables (*.csv *.tsv *.tab *.txt);;All files (*)",
    params=(
        _path("CSV or TSV file with a header line"),
        Param("target", str, "", "Column to predict (empty: the last column).", label="Target column"),
        _task("Classification for text or a few whole numbers, regression otherwise; 'auto' decides from the target."),
        Param("features", str, "", "Comma-separated input columns (empty: every column except the target).", label="Feature columns"),
        Param("delimiter", str, "auto", "Field separator; 'auto' reads it from the header line.", choices=("auto", "comma", "tab", "semicolon")),
        Param("embedded", str, "", "The table's text stored inside the project (for small files), used instead of the file.", label="Embedded table"),
    ),
    help="""
Your own table: one row per example, one column per measurement, a header line with the names. Numbers become
numeric features; text columns become categories (stored as the category's number; add one-hot encoding in
preprocessing). Empty cells and NA, NaN, null count as missing.""",
)
def csv_table(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from nnstudio.core.data import files, tables

    if p["embedded"]:
        name = Path(p["path"]).name or "embedded table"
        table = tables.parse_table(p["embedded"], name, p["delimiter"])
    else:
        path = files.resolve_path(p["path"], base_dir, "table")
        table = tables.read_table(path, p["delimiter"])
    features = [f.strip() for f in p["features"].split(",") if f.strip()]
    d = tables.table_dataset(table, p["target"].strip(), p["task"], features)
    target = p["target"].strip() or table.columns[-1].name
    return RawDataset(
        d["x"], d["y"], d["task"], d["class_names"], d["feature_names"],
        f"{table.name}: {table.n_rows:,} rows, {len(d['feature_names'])} features, predicting '{target}'.",
        meta=d["meta"],
    )


@DATASETS.register(
    "image_folder", title="Image folder", category="Your files", file_mode="folder",
    params=(
        _path("folder with one subfolder of images per class"),
        Param("size", int, 32, "Every image is resized to size x size pixels.", 8, 256),
        Param("color", str, "grayscale", "One grey channel or three colour channels.", choices=("grayscale", "rgb")),
        Param("cache", bool, True, "Keep the decoded images in a file beside the project (.nnstudio-cache/), so "
              "opening the project again skips decoding; a changed, added or removed image is decoded again.",
              label="Keep decoded images"),
    ),
    help="""
Your own pictures, sorted into one subfolder per class (cats/, dogs/, …), the layout torchvision calls
ImageFolder. Every image is resized to a square; small sizes train fast on a laptop.""",
)
def image_folder(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from nnstudio.core.data import files
    from nnstudio.core.data.image_folders import read_image_folder

    folder = files.resolve_path(p["path"], base_dir, "image folder")
    # The cache lives beside the project; a project not saved yet has no folder of its own to keep it in.
    read = read_image_folder(folder, p["size"], p["color"] == "rgb", base_dir if p["cache"] else None)
    channels = 3 if p["color"] == "rgb" else 1
    return RawDataset(
        read.x, read.y, CLASSIFICATION, read.classes, [],
        f"{folder.name}: {len(read.y)} images in {len(read.classes)} classes, {channels}x{p['size']}x{p['size']}.",
        meta={"image": True, "notes": read.notes},
    )


_FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
_EMNIST_SPLITS = ("balanced", "byclass", "bymerge", "digits", "letters", "mnist")


def _emnist_classes(split: str) -> list[str]:
    import string

    digits, upper, lower = list(string.digits), list(string.ascii_uppercase), list(string.ascii_lowercase)
    merged = digits + upper + list("abdefghnqrt")  # the lowercase letters that do not look like their capital
    return {
        "balanced": merged, "bymerge": merged, "byclass": digits + upper + lower,
        "digits": digits, "mnist": digits, "letters": lower,
    }[split]


@DATASETS.register(
    "mnist_family", title="MNIST / Fashion-MNIST / EMNIST folder", category="Your files", file_mode="folder",
    params=(
        _path("folder with the idx files (as torchvision stores them, gzipped or not)"),
        Param("variant", str, "mnist", "Which dataset the folder holds.", choices=("mnist", "fashion_mnist", "emnist")),
        Param("emnist_split", str, "balanced", "EMNIST only: which split's files to read.", choices=_EMNIST_SPLITS, label="EMNIST split"),
        Param("limit", int, 0, "Use only the first N training images (0: all); fewer train faster in class.", 0, 1_000_000),
    ),
    help="""
The classic 28x28 grey image sets from a folder on disk, read from their raw idx files (the layout torchvision
downloads into: <folder>/MNIST/raw/, <folder>/FashionMNIST/raw/, <folder>/EMNIST/raw/). Their own test set is
kept as the test split. Nothing is downloaded: copy the files from a machine that has them.""",
)
def mnist_family(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from nnstudio.core.data import files

    variant = p["variant"]
    folder = files.resolve_path(p["path"], base_dir, f"{variant} folder")
    sub = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "emnist": "EMNIST"}[variant]
    where = [folder, folder / "raw", folder / sub / "raw", folder / sub]
    prefix = f"emnist-{p['emnist_split']}-" if variant == "emnist" else ""
    test_prefix = "test" if variant == "emnist" else "t10k"
    names = {
        "train_x": f"{prefix}train-images-idx3-ubyte", "train_y": f"{prefix}train-labels-idx1-ubyte",
        "test_x": f"{prefix}{test_prefix}-images-idx3-ubyte", "test_y": f"{prefix}{test_prefix}-labels-idx1-ubyte",
    }
    paths = {k: files.find_member(where, v, sub) for k, v in names.items()}  # all checked before any is read
    arrays = {}
    for i, (key, path) in enumerate(paths.items()):
        files.tick(i, len(paths))
        arrays[key] = files.read_idx(path)
    for part in ("train", "test"):
        x, y = arrays[f"{part}_x"], arrays[f"{part}_y"]
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise DataError(
                f"{paths[part + '_x'].name} and {paths[part + '_y'].name} do not match ({x.shape[0]} images of shape "
                f"{x.shape[1:]}, {y.shape[0]} labels); they come from different downloads or are damaged"
            )
    classes = {"mnist": [str(i) for i in range(10)], "fashion_mnist": _FASHION}.get(variant) or _emnist_classes(p["emnist_split"])

    def as_examples(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if variant == "emnist":
            x = x.transpose(0, 2, 1)  # EMNIST stores images transposed
            if p["emnist_split"] == "letters":
                y = y - 1  # letters are labelled 1..26
        y = y.astype(np.int64)
        if y.min() < 0 or y.max() >= len(classes):
            raise DataError(f"The labels run from {y.min()} to {y.max()}, but {variant} has {len(classes)} classes; check the variant and split")
        x = x[:, None, :, :].astype(np.float32)
        x /= 255.0  # in place: MNIST as float32 is 190 MB, so no second copy
        return x, y

    limit = p["limit"] or None
    x, y = as_examples(arrays["train_x"][:limit], arrays["train_y"][:limit])
    test = as_examples(arrays["test_x"], arrays["test_y"])
    return RawDataset(
        x, y, CLASSIFICATION, classes, [], f"{sub}{' ' + p['emnist_split'] if variant == 'emnist' else ''}: "
        f"{len(y)} training and {len(test[1])} test images, 1x28x28.",
        fixed_test=test, meta={"image": True},
    )


_CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@DATASETS.register(
    "cifar10", title="CIFAR-10 folder", category="Your files", file_mode="folder",
    params=(
        _path("folder with CIFAR-10's python batches (cifar-10-batches-py)"),
        Param("limit", int, 0, "Use only the first N training images (0: all 50,000).", 0, 50_000),
    ),
    help="""
60,000 small colour photos (3x32x32) of ten kinds of things, from the 'python version' batches that torchvision
unpacks into <folder>/cifar-10-batches-py/. The batches are read as data only: nnstudio refuses any content that
would run code. The official test batch stays the test split.""",
)
def cifar10(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from nnstudio.core.data import files

    folder = files.resolve_path(p["path"], base_dir, "CIFAR-10 folder")
    where = [folder, folder / "cifar-10-batches-py"]
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    paths = []
    for name in names:
        found = next((d / name for d in where if (d / name).is_file()), None)
        if found is None:
            raise DataError(f"The CIFAR-10 folder {folder} is incomplete: {name} is missing; it needs data_batch_1 … data_batch_5 and test_batch")
        paths.append(found)
    limit = p["limit"] or None
    parts, labels = [], []
    for i, path in enumerate(paths[:-1]):
        files.tick(i, len(paths))
        x, y = files.read_cifar_batch(path)
        parts.append(x)
        labels.append(y)
        if limit and sum(len(a) for a in labels) >= limit:
            break
    x = np.concatenate(parts)[:limit].astype(np.float32)
    x /= 255.0  # in place: the full training set as float32 is 600 MB
    y = np.concatenate(labels)[:limit]
    tx, ty = files.read_cifar_batch(paths[-1])
    test = tx.astype(np.float32)
    test /= 255.0
    return RawDataset(
        x, y, CLASSIFICATION, list(_CIFAR10), [], f"CIFAR-10: {len(y)} training and {len(ty)} test photos, 3x32x32.",
        fixed_test=(test, ty), meta={"image": True},
    )


@DATASETS.register(
    "npz", title="NumPy arrays (.npz)", category="Your files",
    file_mode="file", file_filter="NumPy archives (*.npz);;All files (*)",
    params=(
        _path(".npz file with arrays X (examples first) and y"),
        _task("Classification for whole-number labels, regression for other numbers; 'auto' decides from y."),
    ),
    help="""
Arrays saved from Python with np.savez('data.npz', X=inputs, y=targets): X has one row (or image, or sequence)
per example, y one label or value per example. An optional array class_names names the classes.""",
)
def npz(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from nnstudio.core.data import files

    path = files.resolve_path(p["path"], base_dir, ".npz file")
    arrays = files.read_npz(path)
    lookup = {k.lower(): k for k in arrays}
    if "x" not in lookup or "y" not in lookup:
        raise DataError(f"{path.name} needs arrays named X and y; it holds: {', '.join(arrays) or 'nothing'}")
    x, y = arrays[lookup["x"]], arrays[lookup["y"]]
    if x.ndim < 2 or len(x) != len(y):
        raise DataError(f"{path.name}: X must have one row per example and y one value per row (X is {x.shape}, y is {y.shape})")
    if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise DataError(f"{path.name}: X and y must be numbers (X is {x.dtype}, y is {y.dtype})")
    if not np.all(np.isfinite(y)):
        raise DataError(f"{path.name}: y has {int((~np.isfinite(y)).sum())} missing (NaN) or infinite values; every example needs a finite target")
    whole = y.dtype.kind in "biu" or bool(np.all(np.mod(y, 1) == 0))
    task = p["task"] if p["task"] != "auto" else (CLASSIFICATION if whole and y.ndim == 1 and len(np.unique(y)) <= 50 else REGRESSION)
    meta: dict[str, Any] = {"image": x.ndim == 4 and x.shape[1] in (1, 3)} if x.ndim == 4 else {"plane": x.shape[1:] == (2,)}
    if task == CLASSIFICATION:
        if not whole or y.ndim != 1:
            raise DataError(f"{path.name}: classification needs one whole-number label per example; y is {y.dtype} {y.shape}. Choose regression")
        values, y = np.unique(y, return_inverse=True)
        if len(values) < 2:
            raise DataError(f"{path.name}: y holds a single class ({values[0]}); a classifier needs at least two")
        names = [str(v) for v in values]
        if "class_names" in lookup:
            given = [str(s) for s in arrays[lookup["class_names"]].tolist()]
            if values.min() >= 0 and values.max() < len(given):
                names = [given[int(v)] for v in values]
        return RawDataset(x.astype(np.float32), y.astype(np.int64), CLASSIFICATION, names, [], f"{path.name}: X {x.shape}, y with {len(names)} classes.", meta=meta)
    return RawDataset(x.astype(np.float32), y.astype(np.float32), REGRESSION, [], [], f"{path.name}: X {x.shape}, y {y.shape} (regression).", meta=meta)
