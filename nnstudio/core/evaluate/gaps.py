"""Gaps that teach: where one number hides a problem that comparing two numbers reveals.

* training vs test: a model far better on the examples it learned from has memorised them (overfitting);
* test vs a split it never saw (the tank set's "new photos"): a collapse means the model learned a
  shortcut of the original data, not the concept;
* accuracy vs the majority-class baseline: on imbalanced data, always answering the most common class
  already scores high; on any data, a network no better than that has learned nothing yet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.evaluate.report import ClassificationMetrics, EvaluationReport, RegressionMetrics

INFO, WARNING, ALERT = "info", "warning", "alert"

OVERFIT_ACCURACY_GAP = 0.05  # train accuracy this much above test accuracy signals overfitting
STRONG_OVERFIT_GAP = 0.15
OVERFIT_RMSE_RATIO = 1.5  # test RMSE this many times the training RMSE
COLLAPSE_ACCURACY_DROP = 0.10  # an unseen split this much below test accuracy has collapsed
COLLAPSE_RMSE_RATIO = 1.5
IMBALANCE_SHARE = 0.6  # the largest class holds at least this share of the training data...
IMBALANCE_RATIO = 3.0  # ...or is at least this many times the smallest class
BASELINE_MARGIN = 0.05  # accuracy within this of the baseline: the model has learned (almost) nothing


@dataclass
class Gap:
    kind: str  # "overfitting", "collapse", "imbalance", "baseline"
    severity: str  # INFO, WARNING, ALERT
    title: str
    message: str
    splits: tuple[str, ...]
    values: tuple[float, ...]

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
    return gaps


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
        f"The typical error (RMSE) is {train.rmse:.4g} on the training examples but {test.rmse:.4g} on the "
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
        f"RMSE grows from {test.rmse:.4g} on the {test_name} split to {extra.rmse:.4g} on \u201c{name}\u201d: the "
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
