"""Feature selection: drop table columns that vary too little or repeat another column."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError
from nnstudio.core.base.registry import PREPROCESSING, Param
from nnstudio.core.data.preprocess.base import Info, State, StepKind, as_float, require_table


class _Selection(StepKind):
    """Keeps the columns listed in ``state['keep']``; subclasses decide which in ``fit``."""

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return x[:, state["keep"]]

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        return [names[i] for i in state["keep"]]


@PREPROCESSING.register(
    "drop_low_variance", title="Drop low-variance features", category="Feature selection",
    params=(Param("threshold", float, 0.0, "Columns whose training variance is at most this are dropped (0: constant columns).", 0.0),),
    help="""
Removes columns that hardly change across the training examples (the border pixels of digits, a column that
is always 'yes'). They cannot help tell examples apart and only add weights. The threshold depends on the
column's units, so scale first or keep it at 0.""",
)
class DropLowVariance(_Selection):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        require_table(x, "Drop low-variance features")
        var = np.nanvar(as_float(x, "Drop low-variance features"), axis=0)
        keep = np.flatnonzero(var > p["threshold"])
        if keep.size == 0:
            raise DataError(f"Drop low-variance features would drop every column (the largest variance is {var.max():.3g}); lower the threshold")
        return {"keep": keep.astype(np.int64)}


@PREPROCESSING.register(
    "drop_correlated", title="Drop correlated features", category="Feature selection",
    params=(Param("threshold", float, 0.95, "Of two columns whose training correlation is above this (in absolute value), the later one is dropped.", 0.1, 1.0),),
    help="""
When two columns say nearly the same thing (height in cm and in inches), one is enough. Keeps the first of
each highly correlated pair, judged on the training split. Fewer inputs, same information; but correlation
only sees straight-line relations, and a dropped column may still have carried some extra signal.""",
)
class DropCorrelated(_Selection):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        require_table(x, "Drop correlated features")
        x = as_float(x, "Drop correlated features")
        # A constant column has no correlation (NaN): it counts as uncorrelated and stays.
        with np.errstate(all="ignore"):
            corr = np.abs(np.nan_to_num(np.corrcoef(x, rowvar=False))) if x.shape[1] > 1 else np.ones((1, 1))
        keep: list[int] = []
        for j in range(x.shape[1]):
            if all(corr[j, i] <= p["threshold"] for i in keep):
                keep.append(j)
        return {"keep": np.asarray(keep, dtype=np.int64)}
