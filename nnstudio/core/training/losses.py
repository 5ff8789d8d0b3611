"""Loss functions, each able to say before a run whether it fits the task and the model's output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from nnstudio.core.base.registry import LOSSES, Param
from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION

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
    params=(Param("label_smoothing", float, 0.0, "Take this much probability from the true class and spread it evenly over every class (the true one included).", 0.0, 0.5),),
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


def _regression_style_problem(title: str, p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
    """Losses that compare numbers need numbers: one-hot vectors for class labels."""
    if task == CLASSIFICATION:
        if not p["one_hot"]:
            return (f"{title} on class labels treats class 7 as 'more' than class 2; switch on one-hot targets "
                    "or use cross-entropy")
        if n_outputs != num_classes:
            return (f"{title} with one-hot targets needs one output per class ({num_classes}), but the network "
                    f"ends with {n_outputs}; set the last layer's out_features to {num_classes}")
    return None


def _regression_style(elementwise: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], task: str, num_classes: int) -> LossFn:
    if task == REGRESSION:
        return lambda out, y: elementwise(out.reshape(y.shape), y)
    return lambda out, y: elementwise(out, F.one_hot(y, num_classes).to(out.dtype))


ONE_HOT = Param("one_hot", bool, True, "For classification, compare the outputs with one-hot encoded labels.")


@LOSSES.register(
    "mse", title="Mean squared error", category="Regression",
    params=(ONE_HOT,),
    help="""
The average squared difference between prediction and target. The default for regression; large errors
count quadratically, so outliers pull hard. On classification it needs the labels one-hot encoded and
learns more slowly than cross-entropy.""",
)
class MeanSquaredError(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        return _regression_style_problem("MSE", p, task, n_outputs, num_classes)

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        return _regression_style(F.mse_loss, task, num_classes)


@LOSSES.register(
    "mae", title="Mean absolute error", category="Regression",
    params=(ONE_HOT,),
    help="""
The average absolute difference between prediction and target (L1 loss). Every unit of error counts the
same, so outliers pull much less than with MSE and the model aims at the median. Its gradient never
shrinks near the target, which can make the last steps jitter; lower the learning rate late in training.""",
)
class MeanAbsoluteError(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        return _regression_style_problem("MAE", p, task, n_outputs, num_classes)

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        return _regression_style(F.l1_loss, task, num_classes)


@LOSSES.register(
    "huber", title="Huber", category="Regression",
    params=(
        Param("delta", float, 1.0, "Errors smaller than this are squared (like MSE), larger ones count linearly (like MAE).", 1e-4, 1e4),
        ONE_HOT,
    ),
    help="""
Squared error for small mistakes and absolute error for large ones, switching at delta. Smooth near the
target like MSE, robust to outliers like MAE: a good choice when a few targets are way off. Delta must
suit the scale of the targets.""",
)
class Huber(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        return _regression_style_problem("Huber loss", p, task, n_outputs, num_classes)

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        delta = p["delta"]
        return _regression_style(lambda out, y: F.huber_loss(out, y, delta=delta), task, num_classes)


def _log_cosh(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    d = out - y
    # log(cosh(d)) = |d| + log1p(exp(-2|d|)) - log 2, which never overflows for large errors
    a = d.abs()
    return (a + torch.log1p(torch.exp(-2.0 * a)) - 0.6931471805599453).mean()


@LOSSES.register(
    "log_cosh", title="Log-cosh", category="Regression",
    params=(ONE_HOT,),
    help="""
The logarithm of the hyperbolic cosine of the error: about half the squared error for small errors and
about the absolute error for large ones. Like Huber without a delta to tune, and smooth everywhere.""",
)
class LogCosh(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        return _regression_style_problem("Log-cosh", p, task, n_outputs, num_classes)

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        return _regression_style(_log_cosh, task, num_classes)


def _class_outputs_problem(title: str, task: str, n_outputs: int, num_classes: int) -> str | None:
    if task != CLASSIFICATION:
        return f"{title} compares class scores, but this dataset is a regression task; use MSE, MAE or Huber"
    if n_outputs != num_classes:
        return (f"{title} needs one output per class ({num_classes}), but the network ends with {n_outputs}; "
                f"set the last layer's out_features to {num_classes}")
    return None


@LOSSES.register(
    "hinge", title="Multi-class hinge", category="Classification",
    params=(Param("margin", float, 1.0, "How far the true class's score must beat every other score.", 0.01, 100.0),),
    help="""
The support-vector-machine loss: zero once the true class's score beats every other class's by the margin,
otherwise it grows linearly with the shortfall. Stops pushing examples that are already right by a
margin, so it ignores easy cases; its scores are not probabilities.""",
)
class MultiClassHinge(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        return _class_outputs_problem("Multi-class hinge loss", task, n_outputs, num_classes)

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        margin = p["margin"]
        return lambda out, y: F.multi_margin_loss(out, y, margin=margin)


@LOSSES.register(
    "kl_div", title="KL divergence", category="Classification",
    params=(Param("smoothing", float, 0.1, "Probability spread from the true class over the others in the target distribution.", 0.0, 0.5),),
    help="""
Kullback-Leibler divergence: how much information is lost when the network's softmax distribution stands
in for the target distribution. Here the target puts most probability on the true class and spreads the
smoothing over the rest. With smoothing 0 it equals cross-entropy; it shines when targets are genuine
distributions (soft labels, distillation).""",
)
class KLDivergence(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        return _class_outputs_problem("KL divergence", task, n_outputs, num_classes)

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> LossFn:
        smoothing = p["smoothing"]
        off = smoothing / max(1, num_classes - 1)

        def kl(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            target = torch.full_like(out, off)
            target.scatter_(1, y.unsqueeze(1), 1.0 - smoothing)
            return F.kl_div(F.log_softmax(out, dim=1), target, reduction="batchmean")

        return kl
