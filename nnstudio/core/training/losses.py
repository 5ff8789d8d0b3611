"""Loss functions, each able to say before a run whether it fits the task and the model's output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION
from nnstudio.core.registry import LOSSES, Param

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class LossKind:
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        """Why this loss cannot work with this task and output size, or None when it can."""
        return None

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        raise NotImplementedError


@LOSSES.register(
    "cross_entropy", title="Cross-entropy", category="Classification",
    params=(Param("label_smoothing", float, 0.0, "Spread this much probability over the wrong classes.", 0.0, 0.5),),
    help="""
Measures how surprised the model is by the true class: minus the log of the probability it gave it. Takes
raw scores (it applies softmax itself) and one output per class. The standard choice for classification:
confident wrong answers are punished hard, which gives strong gradients early on.""",
)
class CrossEntropy(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        if task != CLASSIFICATION:
            return "Cross-entropy compares class probabilities, but this dataset is a regression task; use MSE or MAE"
        if n_outputs != num_classes:
            return (f"Cross-entropy needs one output per class ({num_classes}), but the network ends with "
                    f"{n_outputs}; set the last layer's out_features to {num_classes}")
        return None

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        smoothing = p["label_smoothing"]
        return lambda out, y: F.cross_entropy(out, y, label_smoothing=smoothing)


@LOSSES.register(
    "bce", title="Binary cross-entropy", category="Classification",
    help="""
Cross-entropy for a single yes/no question: the network gives one score, squashed by a sigmoid into the
probability of the second class. Right for two classes; with more classes use cross-entropy.""",
)
class BinaryCrossEntropy(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        if task != CLASSIFICATION or num_classes != 2:
            what = "a regression task" if task != CLASSIFICATION else f"{num_classes} classes"
            return f"Binary cross-entropy answers one yes/no question, but this dataset has {what}; use cross-entropy"
        if n_outputs != 1:
            return f"Binary cross-entropy needs a single output, but the network ends with {n_outputs}; set the last layer's out_features to 1"
        return None

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        return lambda out, y: F.binary_cross_entropy_with_logits(out.reshape(-1), y.to(out.dtype))


@LOSSES.register(
    "mse", title="Mean squared error", category="Regression",
    params=(Param("one_hot", bool, True, "For classification, compare the outputs with one-hot encoded labels."),),
    help="""
The average squared difference between prediction and target. The default for regression; large errors
count quadratically, so outliers pull hard. On classification it needs the labels one-hot encoded and
learns more slowly than cross-entropy.""",
)
class MeanSquaredError(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        if task == CLASSIFICATION:
            if not p["one_hot"]:
                return ("MSE on class labels treats class 7 as 'more' than class 2; switch on one-hot targets "
                        "or use cross-entropy")
            if n_outputs != num_classes:
                return f"MSE with one-hot targets needs one output per class ({num_classes}), but the network ends with {n_outputs}"
        return None

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        if task == REGRESSION:
            return lambda out, y: F.mse_loss(out.reshape(y.shape), y)
        return lambda out, y: F.mse_loss(out, F.one_hot(y, num_classes).to(out.dtype))
