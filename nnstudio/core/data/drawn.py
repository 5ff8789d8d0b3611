"""A 2-D dataset drawn by hand in the Data tab. Its points live in the DataSpec's params, as text, so a
project file carries them like any other setting."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError
from nnstudio.core.base.registry import DATASETS, Param
from nnstudio.core.data.bundle import CLASSIFICATION, RawDataset

MAX_CLASSES = 6
MIN_POINTS = 10
CLASS_NAMES = ("class A", "class B", "class C", "class D", "class E", "class F")


def encode_points(xy: np.ndarray, labels: np.ndarray) -> str:
    """'x,y,class;x,y,class…' with 3 decimals: compact and readable in a project file."""
    return ";".join(f"{x:.3f},{y:.3f},{int(c)}" for (x, y), c in zip(np.asarray(xy), np.asarray(labels), strict=True))


def decode_points(text: str) -> tuple[np.ndarray, np.ndarray]:
    xy, labels = [], []
    for i, part in enumerate(p for p in text.split(";") if p.strip()):
        fields = part.split(",")
        try:
            if len(fields) != 3:
                raise ValueError
            x, y, c = float(fields[0]), float(fields[1]), int(fields[2])
            if not (math.isfinite(x) and math.isfinite(y)) or not 0 <= c < MAX_CLASSES:
                raise ValueError
        except ValueError:
            raise DataError(
                f"Drawn point {i + 1} ({part.strip()!r}) is not 'x,y,class' with a class from 0 to {MAX_CLASSES - 1}; "
                "clear the drawing and draw again"
            ) from None
        xy.append((x, y))
        labels.append(c)
    return np.asarray(xy, dtype=np.float32).reshape(-1, 2), np.asarray(labels, dtype=np.int64)


def _starter_points() -> str:
    """Two small clusters so that picking 'Draw your own' gives something trainable at once."""
    rng = np.random.default_rng(7)
    a = rng.normal((-0.5, 0.3), 0.18, (12, 2))
    b = rng.normal((0.5, -0.3), 0.18, (12, 2))
    return encode_points(np.concatenate([a, b]), np.repeat([0, 1], 12))


STARTER_POINTS = _starter_points()


@DATASETS.register(
    "drawn", title="Draw your own (2-D)", category="2-D toys",
    params=(
        Param("classes", int, 2, "How many classes you draw with.", 2, MAX_CLASSES),
        Param("points", str, STARTER_POINTS, "The drawn points as 'x,y,class' separated by ';' (edited by drawing in the Data tab)."),
    ),
    hidden_params=("points",),
    help="""
Points you place yourself: pick a class, click to add a point, drag to erase. Make a pattern you think is hard
(a ring, a checkerboard, an outlier or two) and see what a network makes of it.""",
)
def drawn(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    xy, labels = decode_points(p["points"])
    if len(xy) < MIN_POINTS:
        raise DataError(f"The drawing has {len(xy)} points; draw at least {MIN_POINTS} (with at least two classes) to train on it")
    if labels.max() >= p["classes"]:
        raise DataError(f"Some points use class {int(labels.max()) + 1} but the drawing has {p['classes']} classes; raise 'classes'")
    return RawDataset(
        xy, labels, CLASSIFICATION, list(CLASS_NAMES[: p["classes"]]), ["x1", "x2"],
        f"{len(xy)} points drawn by hand in {p['classes']} classes.", meta={"plane": True, "drawn": True},
    )
