"""The evaluation report: every split's metrics from scikit-learn, plus the curves and examples behind them.

Everything here is numpy in, numpy/dataclasses out, so the Evaluation tab, the CLI and the tests read the
same numbers. Metric functions are scikit-learn's; this module only decides which ones to call and how to
survive the corner cases a classroom produces (a class missing from a split, a model that predicts only
one class, probabilities of exactly 0 and 1).
"""

from __future__ import annotations

import csv
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.evaluate.baselines import majority_class, training_mean
from nnstudio.core.evaluate.predict import predict_outputs, probabilities

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
        from nnstudio.core.evaluate.gaps import INFO

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


# ---------------------------------------------------------------------------- metrics
def classification_metrics(y_true: np.ndarray, proba: np.ndarray, num_classes: int, majority_class: int = 0) -> ClassificationMetrics:
    """Every classification metric for one split, from the true labels and the predicted probabilities."""
    from sklearn import metrics as skm

    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    proba = np.asarray(proba, dtype=np.float64)
    labels = list(range(num_classes))
    y_pred = proba.argmax(axis=1)
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    averages = {}
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=avg, zero_division=0)
        averages[avg] = {"precision": float(ap), "recall": float(ar), "f1": float(af)}
    roc, pr = _curves(y_true, proba, num_classes)
    present = np.unique(y_true)
    return ClassificationMetrics(
        n=len(y_true),
        accuracy=float(skm.accuracy_score(y_true, y_pred)),
        balanced_accuracy=_balanced_accuracy(y_true, y_pred),
        log_loss=safe_log_loss(y_true, proba, num_classes),
        precision=p, recall=r, f1=f, support=s,
        macro=averages["macro"], weighted=averages["weighted"],
        confusion=skm.confusion_matrix(y_true, y_pred, labels=labels),
        roc=roc,
        roc_auc=_mean_area(roc) if num_classes > 2 else (roc[0].area if roc[0] else math.nan),
        pr=pr,
        average_precision=_mean_area(pr) if num_classes > 2 else (pr[0].area if pr[0] else math.nan),
        majority_class=int(majority_class),
        majority_baseline=float(np.mean(y_true == majority_class)) if len(y_true) else math.nan,
        predicted_classes=int(len(np.unique(y_pred))) if len(present) else 0,
    )


def safe_log_loss(y_true: np.ndarray, proba: np.ndarray, num_classes: int) -> float:
    """scikit-learn's log loss with every class named (a split may lack some) and probabilities clipped
    away from 0 and 1, so it stays finite."""
    from sklearn.metrics import log_loss

    clipped = np.clip(np.asarray(proba, dtype=np.float64), PROBA_EPS, 1.0 - PROBA_EPS)
    clipped /= clipped.sum(axis=1, keepdims=True)
    return float(log_loss(y_true, clipped, labels=list(range(num_classes))))


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    with warnings.catch_warnings():  # "y_pred contains classes not in y_true" is expected on small splits
        warnings.simplefilter("ignore")
        return float(balanced_accuracy_score(y_true, y_pred))


def _curves(y_true: np.ndarray, proba: np.ndarray, num_classes: int) -> tuple[list[Curve | None], list[Curve | None]]:
    """ROC and PR curves: for two classes the positive class only, otherwise each class against the rest.
    A class absent from the split (or the only one present) has no curve: None."""
    from sklearn import metrics as skm

    classes = [1] if num_classes == 2 else list(range(num_classes))
    roc: list[Curve | None] = []
    pr: list[Curve | None] = []
    for c in classes:
        positive = (y_true == c).astype(np.int64)
        if positive.min(initial=1) == positive.max(initial=0):  # one kind of answer only: undefined
            roc.append(None)
            pr.append(None)
            continue
        score = proba[:, c]
        fpr, tpr, thr = skm.roc_curve(positive, score)
        roc.append(Curve(str(c), fpr, tpr, thr, float(skm.roc_auc_score(positive, score))))
        precision, recall, thr = skm.precision_recall_curve(positive, score)
        pr.append(Curve(str(c), recall, precision, thr, float(skm.average_precision_score(positive, score))))
    return roc, pr


def _mean_area(curves: list[Curve | None]) -> float:
    areas = [c.area for c in curves if c is not None]
    return float(np.mean(areas)) if areas else math.nan


REGRESSION_KEYS = ("n", "mse", "rmse", "mae", "r2", "baseline_mse", "baseline_rmse", "baseline_mae", "baseline_r2",
                   "spread_ratio")


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray, train_mean: np.ndarray | None = None) -> RegressionMetrics:
    """MSE, RMSE, MAE and R² from scikit-learn; with ``train_mean`` (the training targets' mean, per target) also
    the same figures for always predicting it, and how widely the predictions spread compared with the targets."""
    from sklearn import metrics as skm

    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)
    mse = float(skm.mean_squared_error(y_true, y_pred))
    r2 = float(skm.r2_score(y_true, y_pred)) if len(y_true) >= 2 else math.nan
    out = RegressionMetrics(len(y_true), mse, math.sqrt(mse), float(skm.mean_absolute_error(y_true, y_pred)), r2)
    if train_mean is not None and len(y_true):
        constant = np.broadcast_to(np.asarray(train_mean, dtype=np.float64).reshape((1,) + y_true.shape[1:]), y_true.shape)
        out.baseline_mse = float(skm.mean_squared_error(y_true, constant))
        out.baseline_rmse = math.sqrt(out.baseline_mse)
        out.baseline_mae = float(skm.mean_absolute_error(y_true, constant))
        out.baseline_r2 = float(skm.r2_score(y_true, constant)) if len(y_true) >= 2 else math.nan
    if len(y_true) >= 2:
        spread = np.std(y_true.reshape(len(y_true), -1), axis=0)
        ratios = np.std(y_pred.reshape(len(y_true), -1), axis=0)[spread > 0] / spread[spread > 0]
        out.spread_ratio = float(ratios.min()) if ratios.size else math.nan
    return out


def threshold_metrics(y_true: np.ndarray, p_positive: np.ndarray, threshold: float) -> dict[str, Any]:
    """Binary metrics when class 1 is predicted for probabilities at or above ``threshold``."""
    from sklearn import metrics as skm

    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = (np.asarray(p_positive) >= threshold).astype(np.int64)
    p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=[1], zero_division=0)
    return {
        "threshold": float(threshold),
        "precision": float(p[0]),
        "recall": float(r[0]),
        "f1": float(f[0]),
        "accuracy": float(skm.accuracy_score(y_true, y_pred)) if len(y_true) else math.nan,
        "confusion": skm.confusion_matrix(y_true, y_pred, labels=[0, 1]),
        "y_pred": y_pred,
    }


# ---------------------------------------------------------------------------- whole report
def evaluate_split(name: str, outputs: np.ndarray, y: np.ndarray, bundle: DataBundle, majority: int,
                   train_mean: np.ndarray | None = None) -> SplitEvaluation:
    if bundle.task == CLASSIFICATION:
        proba = probabilities(outputs)
        y_true = np.asarray(y, dtype=np.int64)
        metrics = classification_metrics(y_true, proba, bundle.num_classes, majority)
        return SplitEvaluation(name, y_true, outputs, proba.argmax(axis=1), proba, metrics)
    y_true = np.asarray(y, dtype=np.float64)
    y_pred = outputs.reshape(y_true.shape)
    return SplitEvaluation(name, y_true, outputs, y_pred, None, regression_metrics(y_true, y_pred, train_mean))


def evaluate(
    model: nn.Module,
    bundle: DataBundle,
    *,
    splits: list[str] | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> EvaluationReport:
    """Predict every split (in eval mode, in chunks) and compute its metrics, curves and the gaps between them.

    ``progress(done, total, split)`` counts examples; setting ``cancel`` stops between chunks.
    """
    from nnstudio.core.evaluate.gaps import find_gaps

    bundle.require_finite()  # NaN inputs would surface as sklearn's "Input contains NaN"
    available = bundle.splits()
    wanted = list(available) if splits is None else splits
    for name in wanted:
        if name not in available:
            raise NNStudioError(f"There is no split called {name!r}; the data has: {', '.join(available)}")
    majority = majority_class(bundle)
    mean = training_mean(bundle)
    total = sum(len(available[n]) for n in wanted)
    done = 0
    out: dict[str, SplitEvaluation] = {}
    skipped: dict[str, str] = {}
    for name in wanted:
        split = available[name]
        if len(split) == 0:
            skipped[name] = "empty (no examples held out for it)"
            continue

        def step(n_done: int, name: str = name, base: int = done) -> None:
            if progress is not None:
                progress(base + n_done, total, name)

        outputs = predict_outputs(model, split.x, cancel=cancel, progress=step)
        out[name] = evaluate_split(name, outputs, split.y.numpy(), bundle, majority, mean)
        done += len(split)
    if not out:
        raise NNStudioError("Every split is empty, so there is nothing to evaluate; check the split fractions on the Data tab")
    targets = [] if bundle.task == CLASSIFICATION else _target_names(bundle)
    report = EvaluationReport(bundle.task, list(bundle.class_names), out, skipped, target_names=targets)
    if report.main_split == "train" and not len(bundle.validation) and not len(bundle.test):
        report.notes.append(NO_HELD_OUT)
    report.gaps = find_gaps(report, bundle)
    return report


def _target_names(bundle: DataBundle) -> list[str]:
    width = 1 if bundle.train.y.ndim == 1 else int(bundle.train.y.shape[1])
    return [f"target {i + 1}" for i in range(width)] if width > 1 else ["target"]


# ---------------------------------------------------------------------------- examples
def worst_examples(split: SplitEvaluation, limit: int = 48) -> list[Example]:
    """Misclassified examples, most confidently wrong first; for regression the largest errors first."""
    if split.proba is None:
        error = np.abs(split.residuals).max(axis=1)
        order = np.argsort(-error, kind="stable")[:limit]
        return [Example(split.name, int(i), _value(split.y_true[i]), _value(split.y_pred[i]), float(error[i])) for i in order]
    wrong = np.flatnonzero(split.y_pred != split.y_true)
    confidence = split.confidence
    order = wrong[np.argsort(-confidence[wrong], kind="stable")][:limit]
    return [_class_example(split, int(i), confidence) for i in order]


def examples_in_cell(split: SplitEvaluation, true: int, predicted: int, y_pred: np.ndarray | None = None, limit: int = 200) -> list[Example]:
    """The examples of class ``true`` predicted as ``predicted`` (one confusion-matrix cell), surest first.

    ``y_pred`` overrides the report's predictions (the binary threshold slider moves them)."""
    y_pred = split.y_pred if y_pred is None else y_pred
    idx = np.flatnonzero((split.y_true == true) & (y_pred == predicted))
    proba = split.proba
    assert proba is not None
    conf = proba[idx, predicted]
    order = idx[np.argsort(-conf, kind="stable")][:limit]
    return [
        Example(split.name, int(i), int(true), int(predicted), float(proba[i, predicted]), float(proba[i, true]))
        for i in order
    ]


def _class_example(split: SplitEvaluation, i: int, confidence: np.ndarray) -> Example:
    assert split.proba is not None
    true = int(split.y_true[i])
    return Example(split.name, i, true, int(split.y_pred[i]), float(confidence[i]), float(split.proba[i, true]))


def _value(v: Any) -> Any:
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
