"""Missing values: fill them from training statistics, or drop the incomplete rows."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError
from nnstudio.core.base.registry import PREPROCESSING, Param
from nnstudio.core.data.preprocess.base import Info, State, StepKind, as_float, flat_rows, missing_mask


def _categorical_columns(names: list[str], info: Info, width: int) -> list[int]:
    """Columns the source says hold category codes: a mean there (0.48 between 'female' and 'male') would
    invent a category that one-hot encoding then turns into a column of its own."""
    known = info.get("categorical") or {}
    return [j for j, n in enumerate(names) if n in known] if len(names) == width else []


def _most_frequent(column: np.ndarray, default: float) -> float:
    present = column[~np.isnan(column)]
    if not present.size:
        return default
    values, counts = np.unique(present, return_counts=True)
    return float(values[counts.argmax()])  # ties: the smallest code, as scikit-learn's most_frequent


@PREPROCESSING.register(
    "impute", title="Fill missing values", category="Missing values",
    params=(
        Param("strategy", str, "mean", "How to fill a missing value: the column's training mean, median, most frequent "
              "value, a constant, or drop every example that has a missing value.",
              choices=("mean", "median", "most_frequent", "constant", "drop_rows")),
        Param("fill_value", float, 0.0, "The constant used by the 'constant' strategy (and for columns that are empty in training)."),
    ),
    help="""
Real tables have holes. A network cannot compute with a missing value, so each one is replaced by the
column's mean or median (robust to outliers) or its most frequent value (also works for categories), or by
a constant, all learned from the training split only. A category column always gets its most frequent
category: the mean of 'female' and 'male' codes is no category at all. Dropping rows keeps only complete examples: honest,
but it throws data away and cannot predict for a new example that has a hole.""",
)
class Impute(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        strategy = p["strategy"]
        if strategy == "drop_rows":
            return {}
        flat = flat_rows(x)
        if strategy == "constant":
            fill = np.full(flat.shape[1], p["fill_value"], dtype=np.float32)
        elif strategy == "most_frequent":
            from sklearn.impute import SimpleImputer

            imputer = SimpleImputer(strategy="most_frequent", keep_empty_features=True)
            imputer.fit(np.where(missing_mask(flat), np.nan, flat) if flat.dtype.kind == "O" else flat)
            fill = imputer.statistics_
            if fill.dtype.kind != "O":
                fill = fill.astype(np.float32)
        else:
            values = as_float(flat, "Filling with the mean or median")
            # An all-missing column makes numpy warn 'mean of empty slice'; its NaN is replaced just below.
            with np.errstate(all="ignore"), warnings.catch_warnings(action="ignore", category=RuntimeWarning):
                fill = (np.nanmean if strategy == "mean" else np.nanmedian)(values, axis=0)
            fill = np.where(np.isnan(fill), p["fill_value"], fill).astype(np.float32)
            for j in _categorical_columns(names, info, flat.shape[1]):
                fill[j] = _most_frequent(values[:, j], fill[j])
        return {"fill": np.asarray(fill)}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        missing = missing_mask(x)
        if p["strategy"] == "drop_rows":
            if missing.any():
                raise DataError(
                    f"{int(flat_rows(missing).any(axis=1).sum())} example(s) have missing values, and the 'drop rows' "
                    "strategy cannot predict for them; choose another strategy to fill them"
                )
            return x
        if not missing.any():
            return x
        fill = state["fill"].reshape(x.shape[1:])
        return np.where(missing, np.broadcast_to(fill, x.shape), x)

    @classmethod
    def transform_xy(cls, p: dict[str, Any], state: State, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if p["strategy"] != "drop_rows":
            return cls.transform(p, state, x), y
        keep = ~flat_rows(missing_mask(x)).any(axis=1)
        return x[keep], y[keep]
