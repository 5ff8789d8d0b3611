"""Preprocessing steps, fitted on the training split only and then applied unchanged to every split.

A step kind is a class with ``fit(params, x, y) -> state`` and ``transform(params, state, x) -> x``.
State is a flat dict of JSON values and numpy arrays, so a project file can store it without pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.data.spec import StepSpec
from nnstudio.core.errors import DataError
from nnstudio.core.registry import PREPROCESSING, Param

State = dict[str, Any]


class StepKind:
    @staticmethod
    def fit(p: dict[str, Any], x: np.ndarray, y: np.ndarray) -> State:
        return {}

    @staticmethod
    def transform(p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@PREPROCESSING.register(
    "standardize", title="Standardize", category="Scaling",
    help="""
Shifts and scales each feature to mean 0 and standard deviation 1, using statistics of the training split
only. Features measured in large units no longer dominate the first layer, and gradient descent converges
faster. Outliers still pull the mean and spread.""",
)
class Standardize(StepKind):
    @staticmethod
    def fit(p: dict[str, Any], x: np.ndarray, y: np.ndarray) -> State:
        mean = np.nanmean(x, axis=0)
        std = np.nanstd(x, axis=0)
        return {"mean": mean.astype(np.float32), "std": np.where(std > 1e-12, std, 1.0).astype(np.float32)}

    @staticmethod
    def transform(p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return (x - state["mean"]) / state["std"]


@PREPROCESSING.register(
    "minmax", title="Min-max scale", category="Scaling",
    params=(Param("range", str, "0,1", "Target interval.", choices=("0,1", "-1,1")),),
    help="""
Maps each feature linearly so the training split's smallest value becomes the lower end and its largest the
upper end of the chosen interval. Keeps the shape of the distribution; a single outlier squeezes everything
else together.""",
)
class MinMax(StepKind):
    @staticmethod
    def fit(p: dict[str, Any], x: np.ndarray, y: np.ndarray) -> State:
        lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
        return {"min": lo.astype(np.float32), "span": np.where(hi - lo > 1e-12, hi - lo, 1.0).astype(np.float32)}

    @staticmethod
    def transform(p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        unit = (x - state["min"]) / state["span"]
        return unit if p["range"] == "0,1" else unit * 2.0 - 1.0


@dataclass
class FittedStep:
    spec: StepSpec
    state: State


@dataclass
class FittedPipeline:
    steps: list[FittedStep] = field(default_factory=list)

    def transform(self, x: np.ndarray) -> np.ndarray:
        for step in self.steps:
            x = PREPROCESSING.get(step.spec.kind).obj.transform(step.spec.params, step.state, x)
        return np.asarray(x, dtype=np.float32) if x.dtype.kind == "f" else x


def fit_pipeline(steps: list[StepSpec], x_train: np.ndarray, y_train: np.ndarray) -> FittedPipeline:
    """Fit each step on the training split as transformed by the steps before it."""
    fitted = FittedPipeline()
    x = x_train
    for i, spec in enumerate(steps, start=1):
        kind = PREPROCESSING.get(spec.kind)
        spec = StepSpec(spec.kind, kind.validate(spec.params, f"data.preprocessing[{i - 1}].params"))
        try:
            state = kind.obj.fit(spec.params, x, y_train)
            x = kind.obj.transform(spec.params, state, x)
        except (ValueError, TypeError) as exc:
            raise DataError(f"Preprocessing step {i} ({kind.title}) cannot be fitted: {exc}") from None
        fitted.steps.append(FittedStep(spec, state))
    return fitted
