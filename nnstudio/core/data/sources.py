"""Built-in datasets. All generated here or bundled with scikit-learn: nothing is downloaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION, RawDataset
from nnstudio.core.registry import DATASETS, Param


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
        d.data.astype(np.float32), d.target.astype(np.int64), CLASSIFICATION, list(d.target_names),
        ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
        "Fisher's iris flowers: 4 measurements, 3 species.",
    )
