"""Metrics watched during training, computed on tensors so the loop needs no conversions.

The full evaluation report (precision, ROC and friends) builds on scikit-learn; these are the cheap ones
the training curves show every epoch.
"""

from __future__ import annotations

import torch

from nnstudio.core.base.registry import METRICS
from nnstudio.core.data.bundle import CLASSIFICATION


def predicted_classes(outputs: torch.Tensor) -> torch.Tensor:
    """Class indices from raw outputs: argmax, or the sign of a single binary logit."""
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        return (outputs.reshape(-1) > 0).long()
    return outputs.argmax(dim=-1)


@METRICS.register(
    "accuracy", title="Accuracy", category=CLASSIFICATION, higher_is_better=True,
    help="The fraction of examples whose predicted class is the true one. Misleading when one class dominates.",
)
def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    return float((predicted_classes(outputs) == targets).float().mean()) if len(targets) else float("nan")


@METRICS.register(
    "rmse", title="RMSE", category="regression", higher_is_better=False,
    help="Root mean squared error, in the target's own units: a typical size of the prediction error.",
)
def rmse(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    if not len(targets):
        return float("nan")
    return float(torch.sqrt(torch.mean((outputs.reshape(targets.shape) - targets) ** 2)))


def task_metric(task: str) -> str:
    """The metric the training curves show for a task."""
    return "accuracy" if task == CLASSIFICATION else "rmse"
