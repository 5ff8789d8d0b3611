"""The step protocol every preprocessing kind follows, and the input checks the kinds share.

A step kind is a class with

* ``fit(p, x, y, names, info) -> state``: learn from the training split (as prepared by the steps before it);
* ``transform(p, state, x) -> x``: apply to any examples (prediction, a single example);
* ``transform_xy(p, state, x, y) -> (x, y)``: apply to a whole split; a step may drop rows here, and
  then drops the matching targets too (imputation's "drop rows");
* ``feature_names(p, state, names) -> names``: the column names after the step;
* ``augment(p, state, xb, generator) -> xb`` for training-time augmentation steps (``augments = True``),
  which leave every split unchanged and only alter training batches.

State is a flat dict of JSON values and numpy arrays, so a project file stores it without pickle
(``FittedPipeline.to_state`` / ``from_state``). scikit-learn does the fitting where it has the transformer;
its learned numbers are copied into the state and applied here with numpy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError

State = dict[str, Any]
Info = dict[str, Any]  # facts from the source, e.g. {'categorical': {column name: category labels}}


class StepKind:
    """Defaults for a step that learns nothing, changes nothing and keeps every row and name."""

    augments = False

    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        return {}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return x

    @classmethod
    def transform_xy(cls, p: dict[str, Any], state: State, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return cls.transform(p, state, x), y

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        return names

    @classmethod
    def untransform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray | None:
        """``x`` back in the units it had before this step, for showing it (an image as it was drawn); None
        when the step cannot be undone. A step that changes nothing undoes as nothing."""
        return x if cls.transform.__func__ is StepKind.transform.__func__ else None


def flat_rows(x: np.ndarray) -> np.ndarray:
    """One row per example, whatever the example's shape (images become pixel rows)."""
    return x.reshape(len(x), -1)


def as_float(x: np.ndarray, title: str) -> np.ndarray:
    """``x`` as float32, or a DataError naming the step when text columns are still there."""
    try:
        return np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError):
        raise DataError(f"{title} needs numbers, but some columns hold text; add One-hot encode before it") from None


def missing_mask(x: np.ndarray) -> np.ndarray:
    """True where a value is missing: NaN in numbers; None, '' or NaN in text (object) columns."""
    if x.dtype.kind == "f":
        return np.isnan(x)
    if x.dtype.kind == "O":
        return np.vectorize(lambda v: v is None or v == "" or (isinstance(v, float) and math.isnan(v)), otypes=[bool])(x)
    return np.zeros(x.shape, dtype=bool)


def require_table(x: np.ndarray, title: str) -> None:
    if x.ndim != 2:
        raise DataError(
            f"{title} works on tables of features (examples x columns), but the data has shape "
            f"{'x'.join(map(str, x.shape[1:]))} per example; use it on tabular data or add PCA first"
        )


def require_images(x: np.ndarray, title: str) -> None:
    if x.ndim not in (3, 4):
        raise DataError(
            f"{title} works on images (channels x height x width), but each example has shape "
            f"{'x'.join(map(str, x.shape[1:]))}; use it on an image dataset"
        )
