"""DataSpec -> DataBundle: load the source, split it, fit preprocessing on the training split only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from nnstudio.core.base.errors import DataError
from nnstudio.core.base.registry import DATASETS
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle, RawDataset, Split
from nnstudio.core.data.checks import not_finite
from nnstudio.core.data.preprocess import FittedPipeline, fit_pipeline
from nnstudio.core.data.spec import DataSpec


def load_raw(spec: DataSpec, base_dir: Path | None = None) -> RawDataset:
    entry = DATASETS.get(spec.source)
    return entry.obj(entry.validate(spec.params, "data.params"), spec.seed, base_dir)


def split_indices(raw: RawDataset, spec: DataSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded train/validation/test indices, stratified by class where every class has enough examples."""
    from sklearn.model_selection import train_test_split

    n = len(raw.x)
    idx = np.arange(n)
    held = spec.split.test if raw.fixed_test is None else 0.0
    val, test = spec.split.validation, held
    if n < 10:
        raise DataError(f"The dataset has only {n} examples; nnstudio needs at least 10 to make training, validation and test splits")

    def stratify_on(labels: np.ndarray, fraction: float) -> np.ndarray | None:
        if raw.task != CLASSIFICATION or not spec.split.stratify:
            return None
        _, counts = np.unique(labels, return_counts=True)
        # Stratifying needs every class twice and room for one of each on both sides of the cut; a small
        # set with many classes (30 images, 10 digits) is split at random instead of failing.
        held = math.ceil(fraction * len(labels))
        return labels if counts.min() >= 2 and min(held, len(labels) - held) >= len(counts) else None

    rest, test_idx = (idx, idx[:0]) if test == 0 else train_test_split(
        idx, test_size=test, random_state=spec.seed, stratify=stratify_on(raw.y, test)
    )
    if val == 0:
        return rest, rest[:0], test_idx
    train_idx, val_idx = train_test_split(
        rest, test_size=val / (1.0 - test), random_state=spec.seed + 1, stratify=stratify_on(raw.y[rest], val / (1.0 - test))
    )
    return train_idx, val_idx, test_idx


def _tensor_x(x: np.ndarray, input_kind: str) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x.astype(np.int64 if input_kind == "tokens" else np.float32)))


def _tensor_y(y: np.ndarray, task: str) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(y.astype(np.int64 if task == CLASSIFICATION else np.float32)))


@dataclass
class Prepared:
    """The raw examples, how they were split, and the preprocessing fitted on the training rows alone."""

    raw: RawDataset
    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray
    pipeline: FittedPipeline


def prepare(spec: DataSpec, base_dir: Path | None = None, raw: RawDataset | None = None) -> Prepared:
    """Load (unless ``raw`` is this spec's source already loaded), split and fit. Only ``raw.x[train_idx]``
    reaches ``fit_pipeline``: validation and test examples (the vault) never influence what preprocessing learns."""
    raw = raw if raw is not None else load_raw(spec, base_dir)
    if raw.task == CLASSIFICATION and len(np.unique(raw.y)) < 2:
        raise DataError("The target has a single class; a classifier needs at least two classes to tell apart")
    train_idx, val_idx, test_idx = split_indices(raw, spec)
    pipeline = fit_pipeline(spec.preprocessing, raw.x[train_idx], raw.y[train_idx], list(raw.feature_names), raw.meta)
    return Prepared(raw, train_idx, val_idx, test_idx, pipeline)


def _feature_names(raw: RawDataset, pipeline: FittedPipeline, shape: tuple[int, ...]) -> list[str]:
    """Names of the columns the network receives: renamed by steps such as one-hot or PCA."""
    if pipeline.steps and pipeline.output_names:
        return list(pipeline.output_names)
    return list(raw.feature_names) if shape == tuple(raw.x.shape[1:]) else []


def build(spec: DataSpec, base_dir: Path | None = None) -> DataBundle:
    return bundle_from(prepare(spec, base_dir))


def bundle_from(prepared: Prepared) -> DataBundle:
    """Apply the fitted preprocessing to every split (the Data tab keeps ``prepared`` for its previews)."""
    raw, pipeline = prepared.raw, prepared.pipeline
    train_idx, val_idx, test_idx = prepared.train_idx, prepared.val_idx, prepared.test_idx

    def make(x: np.ndarray, y: np.ndarray) -> Split:
        x, y = pipeline.apply(x, y)
        return Split(_tensor_x(x, raw.input_kind), _tensor_y(y, raw.task))

    test = make(raw.x[test_idx], raw.y[test_idx]) if raw.fixed_test is None else make(*raw.fixed_test)
    train = make(raw.x[train_idx], raw.y[train_idx])
    validation = make(raw.x[val_idx], raw.y[val_idx])
    extra = {name: make(x, y) for name, (x, y) in raw.extra.items()}
    names = _feature_names(raw, pipeline, tuple(train.x.shape[1:]))
    return DataBundle(
        task=raw.task,
        train=train,
        validation=validation,
        test=test,
        input_shape=tuple(train.x.shape[1:]),
        class_names=list(raw.class_names),
        feature_names=names,
        description=raw.description,
        input_kind=raw.input_kind,
        extra=extra,
        pipeline=pipeline,
        raw_shape=tuple(raw.x.shape[1:]),
        meta=dict(raw.meta),
        problem=not_finite({"training": train, "validation": validation, "test": test, **extra}, names),
    )
