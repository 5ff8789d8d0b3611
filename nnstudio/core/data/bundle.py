"""What training, evaluation and interpretation receive: split tensors plus the facts about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass
class RawDataset:
    """A source's output before splitting: all examples, unprepared.

    ``fixed_splits`` lets a source that ships its own test set (MNIST, CIFAR) keep it; ``extra`` holds
    named splits that are never trained on (the tank set's "new photos").
    """

    x: np.ndarray
    y: np.ndarray
    task: str
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    description: str = ""
    input_kind: str = "float"
    extra: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    fixed_test: tuple[np.ndarray, np.ndarray] | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Split:
    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass
class DataBundle:
    task: str
    train: Split
    validation: Split
    test: Split
    input_shape: tuple[int, ...]
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    description: str = ""
    input_kind: str = "float"
    extra: dict[str, Split] = field(default_factory=dict)
    pipeline: Any = None  # the fitted preprocessing (nnstudio.core.data.preprocess.FittedPipeline)
    raw_shape: tuple[int, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    problem: str = ""  # why the prepared data cannot be trained on or scored (NaN/inf left); '' when it can

    def require_finite(self) -> None:
        """Raise the DataError that names the column holding NaN or infinity (training and evaluation call it)."""
        if self.problem:
            from nnstudio.core.base.errors import DataError

            raise DataError(self.problem)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def output_size(self) -> int:
        """Outputs a model needs: one per class, or one per regression target."""
        if self.task == CLASSIFICATION:
            return self.num_classes
        return 1 if self.train.y.ndim == 1 else int(self.train.y.shape[1])

    def splits(self) -> dict[str, Split]:
        """Every split by its display name, the fixed three first."""
        return {"train": self.train, "validation": self.validation, "test": self.test, **self.extra}
