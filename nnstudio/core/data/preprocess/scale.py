"""Scaling of table columns: standardize (mean 0, std 1) and min-max, with training statistics."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.base.registry import PREPROCESSING, Param
from nnstudio.core.data.preprocess.base import Info, State, StepKind, as_float


@PREPROCESSING.register(
    "standardize", title="Standardize", category="Scaling",
    help="""
Shifts and scales each feature to mean 0 and standard deviation 1, using statistics of the training split
only. Features measured in large units no longer dominate the first layer, and gradient descent converges
faster. Outliers still pull the mean and spread.""",
)
class Standardize(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        x = as_float(x, "Standardize")
        mean = np.nanmean(x, axis=0)
        std = np.nanstd(x, axis=0)
        # A constant column keeps its values shifted to 0 instead of dividing by zero.
        return {"mean": mean.astype(np.float32), "std": np.where(std > 1e-12, std, 1.0).astype(np.float32)}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return (as_float(x, "Standardize") - state["mean"]) / state["std"]

    @classmethod
    def untransform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float32) * state["std"] + state["mean"]


@PREPROCESSING.register(
    "minmax", title="Min-max scale", category="Scaling",
    params=(Param("range", str, "0,1", "Target interval.", choices=("0,1", "-1,1")),),
    help="""
Maps each feature linearly so the training split's smallest value becomes the lower end and its largest the
upper end of the chosen interval. Keeps the shape of the distribution; a single outlier squeezes everything
else together, and new data may fall outside the interval.""",
)
class MinMax(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        x = as_float(x, "Min-max scale")
        lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
        return {"min": lo.astype(np.float32), "span": np.where(hi - lo > 1e-12, hi - lo, 1.0).astype(np.float32)}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        unit = (as_float(x, "Min-max scale") - state["min"]) / state["span"]
        return unit if p["range"] == "0,1" else unit * 2.0 - 1.0

    @classmethod
    def untransform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        unit = np.asarray(x, dtype=np.float32)
        unit = unit if p["range"] == "0,1" else (unit + 1.0) / 2.0
        return unit * state["span"] + state["min"]
