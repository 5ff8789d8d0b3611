"""Checks on prepared data: a network cannot learn from NaN or infinity, so those are named as bad data.

Run where the DataBundle is assembled; the result is kept on the bundle (``DataBundle.problem``) rather than
raised there, so the Data tab can still show a table with holes (and its hint to add imputation), while
training and evaluation refuse it with this message (``DataBundle.require_finite``).
"""

from __future__ import annotations

import numpy as np
import torch

from nnstudio.core.data.bundle import Split

_FIX_MISSING = ("add the step 'Fill missing values' (impute) first in the preprocessing (Data tab, or "
                "data.preprocessing in the project file)")
_FIX_INFINITE = "replace them in the data file (imputation fills only missing values)"


def place(first: int, names: list[str], example_shape: tuple[int, ...]) -> str:
    """How a student finds value ``first`` (flattened) of each example: its column, or its position."""
    if len(example_shape) == 1 and len(names) == example_shape[0]:
        return f"column '{names[first]}'"
    if len(example_shape) == 1:
        return f"column {first + 1}"
    return f"position {tuple(int(i) for i in np.unravel_index(first, example_shape))} of each example"


def _where(bad: np.ndarray, names: list[str], example_shape: tuple[int, ...]) -> str:
    """Which column (or position in each example) holds the first bad value, and how many more do."""
    per_column = bad.reshape(len(bad), -1).sum(axis=0)
    columns = np.flatnonzero(per_column)
    where = place(int(columns[0]), names, example_shape)
    more = len(columns) - 1
    return where + (f" (and {more} more column{'s' if more > 1 else ''})" if more and len(example_shape) == 1 else "")


def _problem(name: str, part: str, values: torch.Tensor, names: list[str]) -> str:
    if not values.is_floating_point() or len(values) == 0:
        return ""
    x = values.numpy()
    finite = np.isfinite(x)
    if finite.all():
        return ""
    nan = np.isnan(x)
    kind, fix, bad = ("missing (NaN)", _FIX_MISSING, nan) if nan.any() else ("infinite", _FIX_INFINITE, ~finite)
    count = int(bad.sum())
    if part == "targets":
        return (f"The {name} targets hold {count:,} {kind} value(s); every example needs a finite answer: fix or drop "
                f"those rows in the data file")
    return (f"The {name} inputs still hold {count:,} {kind} value(s) after preprocessing, in "
            f"{_where(bad, names, tuple(x.shape[1:]))}; a network cannot learn from them: {fix}, or leave that column "
            f"out of the features")


def not_finite(splits: dict[str, Split], feature_names: list[str]) -> str:
    """Why these splits cannot be trained on or scored (NaN or infinity in inputs or targets), or ''."""
    for name, split in splits.items():
        for part, values in (("inputs", split.x), ("targets", split.y)):
            problem = _problem(name, part, values, feature_names)
            if problem:
                return problem
    return ""
