"""The plain guesses a trained network must beat, learned from the training split's labels alone: its most
common class, or its mean target. The evaluation report and the end-of-run verdict both score against them
(this module imports only the bundle, so the training engine can use it without importing the report)."""

from __future__ import annotations

import numpy as np

from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle


def majority_class(bundle: DataBundle) -> int:
    if bundle.task != CLASSIFICATION or len(bundle.train) == 0:
        return 0
    return int(np.bincount(bundle.train.y.numpy().astype(np.int64), minlength=bundle.num_classes).argmax())


def training_mean(bundle: DataBundle) -> np.ndarray | None:
    """The training targets' mean, per target: what the predict-the-mean baseline always answers."""
    if bundle.task == CLASSIFICATION or len(bundle.train) == 0:
        return None
    y = bundle.train.y.numpy().astype(np.float64)
    return y.reshape(len(y), -1).mean(axis=0)
