"""Gaps that teach: where one number hides a problem that comparing two numbers reveals.

* training vs test: a model far better on the examples it learned from has memorised them (overfitting);
* test vs a split it never saw (the tank set's "new photos"): a collapse means the model learned a
  shortcut of the original data, not the concept;
* accuracy vs the majority-class baseline: on imbalanced data, always answering the most common class
  already scores high; on any data, a network no better than that has learned nothing yet;
* regression error vs the predict-the-training-mean baseline, and the spread of the predictions vs the
  targets': a network that does worse than the mean, or squeezes its answers into a narrow band, has not
  learned the task, however its R² or RMSE alone reads.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.evaluate.baselines import training_mean
from nnstudio.core.evaluate.results import (
    ALERT,
    WARNING,
    ClassificationMetrics,
    EvaluationReport,
    RegressionMetrics,
    SplitEvaluation,
)

OVERFIT_ACCURACY_GAP = 0.05  # train accuracy this much above test accuracy signals overfitting
STRONG_OVERFIT_GAP = 0.15
OVERFIT_RMSE_RATIO = 1.5  # test RMSE this many times the training RMSE
COLLAPSE_ACCURACY_DROP = 0.10  # an unseen split this much below test accuracy has collapsed
COLLAPSE_RMSE_RATIO = 1.5
IMBALANCE_SHARE = 0.6  # the largest class holds at least this share of the training data...
IMBALANCE_RATIO = 3.0  # ...or is at least this many times the smallest class
BASELINE_MARGIN = 0.05  # accuracy within this of the baseline: the model has learned (almost) nothing
SQUEEZED_SPREAD = 0.5  # predictions whose std is under this share of the targets' are squeezed together


@dataclass
class Gap:
    kind: str  # "overfitting", "collapse", "imbalance", "baseline", "spread"
    severity: str  # INFO, WARNING, ALERT
    title: str
    message: str
    splits: tuple[str, ...]
    values: tuple[float, ...]

    @property
    def sentence(self) -> str:
        """The message's first sentence: what is wrong, with its numbers (the rest says what to do)."""
        return re.split(r"(?<=[.!?])\s+", self.message.strip(), maxsplit=1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "severity": self.severity, "title": self.title, "message": self.message,
            "splits": list(self.splits), "values": [v if math.isfinite(v) else None for v in self.values],
        }


def find_gaps(report: EvaluationReport, bundle: DataBundle) -> list[Gap]:
    gaps: list[Gap] = []
    test_name = report.main_split
    splits = report.splits
    test = splits[test_name].metrics
    if "train" in splits and test_name != "train":
        gap = _overfitting(splits["train"].metrics, test, test_name)
        if gap:
            gaps.append(gap)
    for name in bundle.extra:
        if name in splits:
            gap = _collapse(test, splits[name].metrics, test_name, name)
            if gap:
                gaps.append(gap)
    if bundle.task == CLASSIFICATION and isinstance(test, ClassificationMetrics):
        gap = _imbalance(bundle, test, test_name, report.class_names) or _baseline(test, test_name, report.class_names)
        if gap:
            gaps.append(gap)
    if isinstance(test, RegressionMetrics):
        mean = training_mean(bundle)
        found = (_mean_baseline(test, test_name, mean), _squeezed(splits[test_name], test, test_name, report.target_names))
        gaps += [g for g in found if g]
    return gaps


def _num(value: float) -> str:
    """Four significant digits without exponents for the sizes targets have (23,736 rather than 2.374e+04)."""
    return f"{value:,.0f}" if 1e4 <= abs(value) < 1e12 else f"{value:.4g}"


def _number(values: Any) -> str:
    flat = [float(v) for v in np.asarray(values).reshape(-1)]
    return ", ".join(_num(v) for v in flat[:4]) + (", …" if len(flat) > 4 else "")


def _mean_baseline(test: RegressionMetrics, test_name: str, mean: np.ndarray | None) -> Gap | None:
    """The regression twin of :func:`_baseline`: a network whose error is no smaller than always predicting the
    training mean has learned nothing from the inputs (R² at or below the baseline's, about 0)."""
    if not (math.isfinite(test.baseline_mse) and test.mse >= test.baseline_mse):
        return None
    value = f" ({_number(mean)})" if mean is not None else ""
    return Gap(
        "baseline", ALERT, "Worse than always predicting the mean",
        f"The MSE on the {test_name} split is {_num(test.mse)}, but always predicting the training mean{value} would "
        f"give {_num(test.baseline_mse)} (R² {test.r2:.2f}; the mean's {test.baseline_r2:.2f}). The network does worse than "
        "ignoring its inputs: train longer, change the learning rate, or check the architecture and the scaling of "
        "the inputs and targets.",
        (test_name,), (test.mse, test.baseline_mse),
    )


def _squeezed(split: SplitEvaluation, test: RegressionMetrics, test_name: str, target_names: list[str]) -> Gap | None:
    """Predictions bunched into a narrow band: a sign of a network that has not yet learned to follow the inputs
    (too few epochs, a learning rate too small, unscaled targets), whatever its average error."""
    if not (math.isfinite(test.spread_ratio) and test.spread_ratio < SQUEEZED_SPREAD):
        return None
    true = split.y_true.reshape(len(split.y_true), -1)
    pred = split.y_pred.reshape(len(split.y_pred), -1)
    spread = np.std(true, axis=0)
    ratios = np.where(spread > 0, np.std(pred, axis=0) / np.where(spread > 0, spread, 1.0), np.inf)
    k = int(np.argmin(ratios))
    which = f" for \u201c{target_names[k]}\u201d" if true.shape[1] > 1 and k < len(target_names) else ""
    return Gap(
        "spread", WARNING, "Predictions squeezed into a narrow band",
        f"On the {test_name} split the predictions{which} range from {_num(pred[:, k].min())} to {_num(pred[:, k].max())} "
        f"(standard deviation {_num(pred[:, k].std())}) while the targets range from {_num(true[:, k].min())} to "
        f"{_num(true[:, k].max())} (standard deviation {_num(true[:, k].std())}): the spread is {test.spread_ratio:.0%} of "
        "the targets'. The network has not learned to follow the inputs yet; train longer or with a larger learning "
        "rate, and look at the Predicted vs actual plot.",
        (test_name,), (test.spread_ratio,),
    )


def _baseline(test: ClassificationMetrics, test_name: str, class_names: list[str]) -> Gap | None:
    """Balanced data, but the network is no better than always answering one class (often: it does exactly that)."""
    if not test.accuracy - test.majority_baseline < BASELINE_MARGIN:
        return None
    majority = class_names[test.majority_class] if class_names else str(test.majority_class)
    one = " It gives the same answer for every example." if test.predicted_classes == 1 else ""
    return Gap(
        "baseline", ALERT, "No better than always giving the most common answer",
        f"Accuracy on the {test_name} split is {test.accuracy:.1%}; always answering \u201c{majority}\u201d would "
        f"score {test.majority_baseline:.1%}.{one} The network has not learned the task yet: train longer, change the "
        "learning rate, or check the architecture and the preprocessing.",
        (test_name,), (test.accuracy, test.majority_baseline),
    )


def _overfitting(train: Any, test: Any, test_name: str) -> Gap | None:
    if isinstance(train, ClassificationMetrics):
        diff = train.accuracy - test.accuracy
        if not diff >= OVERFIT_ACCURACY_GAP:
            return None
        severity = ALERT if diff >= STRONG_OVERFIT_GAP else WARNING
        return Gap(
            "overfitting", severity, "Training vs test: signs of overfitting",
            f"Accuracy is {train.accuracy:.1%} on the training examples but {test.accuracy:.1%} on the {test_name} "
            f"examples, {diff * 100:.1f} points lower. The network has partly memorised its training data. Try more "
            "data, a smaller network, weight decay or dropout, or stop earlier (watch the validation loss).",
            ("train", test_name), (train.accuracy, test.accuracy),
        )
    assert isinstance(train, RegressionMetrics)
    if not (test.rmse > 1e-9 and test.rmse >= OVERFIT_RMSE_RATIO * train.rmse):
        return None
    times = f"{test.rmse / train.rmse:.1f} times" if train.rmse > 1e-12 else "far"
    return Gap(
        "overfitting", WARNING, "Training vs test: signs of overfitting",
        f"The typical error (RMSE) is {_num(train.rmse)} on the training examples but {_num(test.rmse)} on the "
        f"{test_name} examples, {times} larger. The network fits its training points "
        "better than new ones; try more data, a smaller network or regularisation.",
        ("train", test_name), (train.rmse, test.rmse),
    )


def _collapse(test: Any, extra: Any, test_name: str, name: str) -> Gap | None:
    if isinstance(test, ClassificationMetrics):
        drop = test.accuracy - extra.accuracy
        if not drop >= COLLAPSE_ACCURACY_DROP:
            return None
        return Gap(
            "collapse", ALERT, f"Test vs \u201c{name}\u201d: the model collapses on data it never saw",
            f"Accuracy falls from {test.accuracy:.1%} on the {test_name} split to {extra.accuracy:.1%} on "
            f"\u201c{name}\u201d. The test split came from the same collection as the training data, so it shared "
            "its quirks; this split does not. Like the tank detector that learned the weather instead of the tanks, "
            "the network has found a shortcut. Look at its mistakes and at the Interpretability tab to see what it "
            "really uses.",
            (test_name, name), (test.accuracy, extra.accuracy),
        )
    assert isinstance(test, RegressionMetrics)
    if not (extra.rmse > 1e-9 and extra.rmse >= COLLAPSE_RMSE_RATIO * test.rmse):
        return None
    return Gap(
        "collapse", ALERT, f"Test vs \u201c{name}\u201d: much larger errors on data it never saw",
        f"RMSE grows from {_num(test.rmse)} on the {test_name} split to {_num(extra.rmse)} on \u201c{name}\u201d: the "
        "network does not carry over to data collected differently.",
        (test_name, name), (test.rmse, extra.rmse),
    )


def class_shares(bundle: DataBundle) -> np.ndarray:
    counts = np.bincount(bundle.train.y.numpy().astype(np.int64), minlength=bundle.num_classes).astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def is_imbalanced(shares: np.ndarray) -> bool:
    present = shares[shares > 0]
    if len(present) < 2:
        return False
    return bool(present.max() >= IMBALANCE_SHARE or present.max() >= IMBALANCE_RATIO * present.min())


def _imbalance(bundle: DataBundle, test: ClassificationMetrics, test_name: str, class_names: list[str]) -> Gap | None:
    shares = class_shares(bundle)
    if not is_imbalanced(shares):
        return None
    majority = class_names[test.majority_class] if class_names else str(test.majority_class)
    base = test.majority_baseline
    if test.accuracy - base < BASELINE_MARGIN:
        severity = ALERT
        verdict = (f"The network's {test.accuracy:.1%} is no real improvement: it has learned little beyond "
                   "the class sizes.")
    else:
        severity = WARNING
        verdict = f"The network's {test.accuracy:.1%} beats that by {(test.accuracy - base) * 100:.1f} points."
    return Gap(
        "imbalance", severity, "Imbalanced classes: accuracy can mislead",
        f"\u201c{majority}\u201d makes up {shares.max():.0%} of the training data, so always answering "
        f"\u201c{majority}\u201d would already be right {base:.1%} of the time on the {test_name} split. {verdict} "
        f"Judge by recall per class and macro F1 ({test.macro['f1']:.3f}) instead.",
        (test_name,), (test.accuracy, base),
    )
