"""Partial dependence (PDP) and individual conditional expectation (ICE).

Set one feature to a value for every example, keep the rest as they are, and average what the model
answers: the PDP is that average along a grid of values, each ICE line one example's own answer. A pair
of features gives a 2-D heatmap. The grid can live in the raw data's units (``encode`` then turns raw rows
into the network's inputs through the fitted preprocessing) or directly in the network's input space.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from torch import nn

from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.interpret.control import AttributionControl, AttributionError
from nnstudio.core.interpret.global_importance import check_features, predict_batches
from nnstudio.core.interpret.subject import Subject

Encode = Callable[[np.ndarray], np.ndarray]  # raw rows -> network inputs (FittedPipeline.transform)


@dataclass
class Dependence:
    feature: str
    grid: np.ndarray  # the feature's values
    pdp: np.ndarray  # average answer per grid value
    ice: np.ndarray  # examples x grid values
    target_name: str  # what is plotted: a class probability or the predicted value
    observed: np.ndarray  # the feature's values in the examples (rug)


@dataclass
class Dependence2D:
    features: tuple[str, str]
    grid_a: np.ndarray
    grid_b: np.ndarray
    pdp: np.ndarray  # len(grid_a) x len(grid_b)
    target_name: str


def feature_grid(values: np.ndarray, points: int = 20) -> np.ndarray:
    """Evenly spaced values between the feature's smallest and largest value; its distinct values when few."""
    values = np.asarray(values, dtype=np.float64)
    distinct = np.unique(values[np.isfinite(values)])
    if not distinct.size:
        raise AttributionError("The feature has no numeric values to vary")
    if distinct.size <= points:
        return distinct
    return np.linspace(float(distinct[0]), float(distinct[-1]), points)


def default_class(model: nn.Module, subject: Subject, inputs: np.ndarray) -> int | None:
    """The class the model predicts most often on these examples (None for regression)."""
    if subject.task != CLASSIFICATION or not subject.class_names:
        return None
    out = predict_batches(model, inputs)
    if out.shape[1] < 2:
        return None
    return int(np.bincount(out.argmax(1), minlength=out.shape[1]).argmax())


def _answer(out: np.ndarray, subject: Subject, target: int | None) -> np.ndarray:
    """Probability of ``target`` for a classifier, the (first) predicted value for regression."""
    if target is not None and out.shape[1] > 1:
        z = out - out.max(1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(1, keepdims=True))[:, target]
    return out[:, 0]


def _target_name(subject: Subject, target: int | None) -> str:
    return f"probability of {subject.class_name(target)}" if target is not None else "predicted value"


def _inputs(rows: np.ndarray, subject: Subject, encode: Encode | None) -> np.ndarray:
    x = encode(rows) if encode is not None else rows
    return np.asarray(x, dtype=np.float32).reshape((len(rows), *subject.input_shape))


def partial_dependence(
    model: nn.Module, subject: Subject, rows: np.ndarray, feature: int, target: int | None = None,
    grid: np.ndarray | None = None, points: int = 20, names: list[str] | None = None,
    encode: Encode | None = None, control: AttributionControl | None = None,
) -> Dependence:
    """PDP + ICE of column ``feature`` of ``rows`` (raw rows when ``encode`` is given, else network inputs)."""
    check_features(subject)
    rows = np.asarray(rows)
    flat = rows.reshape(len(rows), -1)
    if not 0 <= feature < flat.shape[1]:
        raise AttributionError(f"Feature {feature} does not exist; the data has {flat.shape[1]} columns")
    column = flat[:, feature].astype(np.float64)
    grid = feature_grid(column, points) if grid is None else np.asarray(grid, dtype=np.float64)
    if target is None:
        target = default_class(model, subject, _inputs(rows, subject, encode))
    control = control or AttributionControl()
    control.start(len(grid))
    answers = np.zeros((len(flat), len(grid)))
    for k, value in enumerate(grid):
        control.check()
        changed = flat.copy()
        changed[:, feature] = value
        out = predict_batches(model, _inputs(changed.reshape(rows.shape), subject, encode), control=control)
        answers[:, k] = _answer(out, subject, target)
        control.advance(1)
    name = (names or [])[feature] if names and feature < len(names) else subject.feature_name(feature)
    return Dependence(name, grid, answers.mean(0), answers, _target_name(subject, target), column)


def partial_dependence_2d(
    model: nn.Module, subject: Subject, rows: np.ndarray, features: tuple[int, int], target: int | None = None,
    points: int = 12, names: list[str] | None = None, encode: Encode | None = None,
    control: AttributionControl | None = None,
) -> Dependence2D:
    """Average answer over a grid of values of two features at once."""
    check_features(subject)
    a, b = features
    if a == b:
        raise AttributionError("Choose two different features for the 2-D plot")
    rows = np.asarray(rows)
    flat = rows.reshape(len(rows), -1)
    for f in features:
        if not 0 <= f < flat.shape[1]:
            raise AttributionError(f"Feature {f} does not exist; the data has {flat.shape[1]} columns")
    grid_a = feature_grid(flat[:, a], points)
    grid_b = feature_grid(flat[:, b], points)
    if target is None:
        target = default_class(model, subject, _inputs(rows, subject, encode))
    control = control or AttributionControl()
    control.start(len(grid_a))
    pdp = np.zeros((len(grid_a), len(grid_b)))
    for i, va in enumerate(grid_a):
        control.check()
        # All of grid_b for this row of the heatmap in one batch.
        block = np.repeat(flat[None], len(grid_b), axis=0)
        block[:, :, a] = va
        block[:, :, b] = grid_b[:, None]
        changed = block.reshape(-1, flat.shape[1]).reshape((-1, *rows.shape[1:]))
        out = predict_batches(model, _inputs(changed, subject, encode), control=control)
        pdp[i] = _answer(out, subject, target).reshape(len(grid_b), len(flat)).mean(1)
        control.advance(1)
    label = names or [subject.feature_name(i) for i in range(flat.shape[1])]
    return Dependence2D((label[a], label[b]), grid_a, grid_b, pdp, _target_name(subject, target))
