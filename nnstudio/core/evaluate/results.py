"""What an evaluation produced: the metrics of each split, the report that holds them, and its JSON/CSV forms.

Computing them is report.py's job and reading them for warning signs is gaps.py's; both import these types
from here, so neither imports the other.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import CLASSIFICATION

INFO, WARNING, ALERT = "info", "warning", "alert"  # how loud a gap is (gaps.py)


# Probabilities are clipped into [EPS, 1 - EPS] before the log loss, so a confident wrong answer costs
# about 34.5 nats instead of infinity.
PROBA_EPS = 1e-15


SPLIT_ORDER = ("train", "validation", "test")


NO_HELD_OUT = (
    "No held-out data: the validation and test splits are empty, so these are training metrics, which overstate "
    "how the model does on new examples; give validation or test a fraction of the data (Data tab, or data.split)"
)


@dataclass
class Curve:
    """One ROC or precision-recall curve (x, y as plotted) with the area under it."""

    label: str
    x: np.ndarray
    y: np.ndarray
    thresholds: np.ndarray
    area: float


@dataclass
class ClassificationMetrics:
    n: int
    accuracy: float
    balanced_accuracy: float
    log_loss: float
    precision: np.ndarray  # per class
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    macro: dict[str, float]
    weighted: dict[str, float]
    confusion: np.ndarray  # rows: true class, columns: predicted class
    roc: list[Curve | None]  # binary: one curve (positive class); otherwise one-vs-rest per class
    roc_auc: float  # binary AUC, or the macro average of the one-vs-rest AUCs
    pr: list[Curve | None]
    average_precision: float
    majority_class: int
    majority_baseline: float  # accuracy of always answering the training split's most common class
    predicted_classes: int  # how many different classes the model actually predicts here


@dataclass
class RegressionMetrics:
    n: int
    mse: float
    rmse: float
    mae: float
    r2: float
    # The same metrics for always predicting the training split's mean: the regression twin of the majority-class
    # baseline. A model must beat it to have learned anything (its R² is about 0, or below 0 on other splits).
    baseline_mse: float = math.nan
    baseline_rmse: float = math.nan
    baseline_mae: float = math.nan
    baseline_r2: float = math.nan
    spread_ratio: float = math.nan  # std of the predictions / std of the targets (the smallest over targets)


@dataclass
class SplitEvaluation:
    name: str
    y_true: np.ndarray
    outputs: np.ndarray
    y_pred: np.ndarray  # class indices, or predicted values shaped like y_true
    proba: np.ndarray | None
    metrics: ClassificationMetrics | RegressionMetrics

    def __len__(self) -> int:
        return len(self.y_true)

    @property
    def confidence(self) -> np.ndarray:
        """Probability the model gave its own answer (classification)."""
        assert self.proba is not None
        return self.proba[np.arange(len(self.y_pred)), self.y_pred]

    @property
    def residuals(self) -> np.ndarray:
        """Actual minus predicted, one row per example (regression)."""
        return (self.y_true - self.y_pred).reshape(len(self.y_true), -1)


@dataclass
class Example:
    """One example to show: where it is, what it is, what the model said and how sure it was."""

    split: str
    index: int
    true: Any  # class index or target value
    predicted: Any
    confidence: float  # probability of the predicted class; for regression the absolute error
    true_confidence: float = math.nan  # probability the model gave the true class


@dataclass
class EvaluationReport:
    task: str
    class_names: list[str]
    splits: dict[str, SplitEvaluation]
    skipped: dict[str, str] = field(default_factory=dict)  # split -> why it has no metrics
    gaps: list[Any] = field(default_factory=list)  # nnstudio.core.evaluate.gaps.Gap
    target_names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what a reader must know to trust the numbers

    @property
    def is_classification(self) -> bool:
        return self.task == CLASSIFICATION

    @property
    def main_split(self) -> str:
        """The split the headline numbers come from: test, or the best stand-in when test is empty."""
        for name in ("test", "validation", "train"):
            if name in self.splits:
                return name
        return next(iter(self.splits))

    @property
    def warnings(self) -> list[str]:
        """One sentence per warning sign (every gap of warning or alert severity), for the CLI and scripts."""
        return [g.sentence for g in self.gaps if g.severity != INFO]

    def to_dict(self, curves: bool = False) -> dict[str, Any]:
        out = {
            "task": self.task,
            "class_names": list(self.class_names),
            "main_split": self.main_split,
            "splits": {name: split_to_dict(s, self.class_names, curves) for name, s in self.splits.items()},
            "skipped": dict(self.skipped),
            "gaps": [g.to_dict() for g in self.gaps],
            "warnings": self.warnings,
            "notes": list(self.notes),
        }
        return _json_clean(out)

    def metric_rows(self) -> list[tuple[str, str, str, float]]:
        """(split, metric, class, value) rows: the long table behind the CSV export."""
        rows: list[tuple[str, str, str, float]] = []
        for name, s in self.splits.items():
            m = s.metrics
            if isinstance(m, RegressionMetrics):
                rows += [(name, key, "", float(getattr(m, key))) for key in REGRESSION_KEYS]
                continue
            rows += [(name, key, "", float(getattr(m, key))) for key in (
                "n", "accuracy", "balanced_accuracy", "majority_baseline", "log_loss", "roc_auc", "average_precision"
            )]
            for avg, values in (("macro", m.macro), ("weighted", m.weighted)):
                rows += [(name, f"{key}_{avg}", "", v) for key, v in values.items()]
            for c, cls in enumerate(self.class_names):
                rows += [
                    (name, "precision", cls, float(m.precision[c])),
                    (name, "recall", cls, float(m.recall[c])),
                    (name, "f1", cls, float(m.f1[c])),
                    (name, "support", cls, float(m.support[c])),
                ]
                rows += [(name, f"confusion_true_{cls}", pred, float(m.confusion[c, p])) for p, pred in enumerate(self.class_names)]
        return rows

    def write_csv(self, path: str | Path) -> None:
        path = Path(path)
        try:
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["split", "metric", "class", "value"])
                for split, metric, cls, value in self.metric_rows():
                    writer.writerow([split, metric, cls, "" if not math.isfinite(value) else f"{value:.6g}"])
        except OSError as exc:
            raise NNStudioError(f"Cannot write {path}: {exc.strerror or exc}; choose another folder or name") from None


REGRESSION_KEYS = ("n", "mse", "rmse", "mae", "r2", "baseline_mse", "baseline_rmse", "baseline_mae", "baseline_r2",
                   "spread_ratio")


def plain_value(v: Any) -> Any:
    arr = np.asarray(v, dtype=np.float64).reshape(-1)
    return float(arr[0]) if arr.size == 1 else [float(a) for a in arr]


# ---------------------------------------------------------------------------- JSON
def split_to_dict(s: SplitEvaluation, class_names: list[str], curves: bool = False) -> dict[str, Any]:
    m = s.metrics
    if isinstance(m, RegressionMetrics):
        return {key: getattr(m, key) for key in REGRESSION_KEYS}
    out: dict[str, Any] = {
        "n": m.n,
        "accuracy": m.accuracy,
        "balanced_accuracy": m.balanced_accuracy,
        "majority_baseline": m.majority_baseline,
        "majority_class": class_names[m.majority_class] if class_names else m.majority_class,
        "log_loss": m.log_loss,
        "roc_auc": m.roc_auc,
        "average_precision": m.average_precision,
        "macro": dict(m.macro),
        "weighted": dict(m.weighted),
        "per_class": {
            cls: {"precision": float(m.precision[c]), "recall": float(m.recall[c]), "f1": float(m.f1[c]), "support": int(m.support[c])}
            for c, cls in enumerate(class_names)
        },
        "confusion_matrix": m.confusion.astype(int).tolist(),
    }
    if len(class_names) > 2:
        out["roc_auc_per_class"] = {cls: (c.area if c else None) for cls, c in zip(class_names, m.roc, strict=True)}
    if curves:
        out["roc_curves"] = [None if c is None else {"class": c.label, "fpr": c.x.tolist(), "tpr": c.y.tolist(), "auc": c.area} for c in m.roc]
        out["pr_curves"] = [None if c is None else {"class": c.label, "recall": c.x.tolist(), "precision": c.y.tolist(), "ap": c.area} for c in m.pr]
    return out


def _json_clean(value: Any) -> Any:
    """NaN and infinities become None (JSON has no NaN); numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {k: _json_clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
