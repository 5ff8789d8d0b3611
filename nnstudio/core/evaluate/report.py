"""The evaluation report: every split's metrics from scikit-learn, plus the curves and examples behind them.

Everything here is numpy in, numpy/dataclasses out, so the Evaluation tab, the CLI and the tests read the
same numbers. Metric functions are scikit-learn's; this module only decides which ones to call and how to
survive the corner cases a classroom produces (a class missing from a split, a model that predicts only
one class, probabilities of exactly 0 and 1).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from torch import nn

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.jobs import JobToken
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.evaluate.baselines import majority_class, training_mean
from nnstudio.core.evaluate.gaps import find_gaps
from nnstudio.core.evaluate.predict import predict_outputs, probabilities
from nnstudio.core.evaluate.results import (
    NO_HELD_OUT,
    PROBA_EPS,
    ClassificationMetrics,
    Curve,
    EvaluationReport,
    Example,
    RegressionMetrics,
    SplitEvaluation,
    plain_value,
)


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
    token: JobToken | None = None,
) -> EvaluationReport:
    """Predict every split (in eval mode, in chunks) and compute its metrics, curves and the gaps between them.

    ``token.report(done, total, split)`` counts examples; cancelling ``token`` stops between chunks.
    """
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
            if token is not None:
                token.report(base + n_done, total, name)

        outputs = predict_outputs(model, split.x, token=token, progress=step)
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
        return [Example(split.name, int(i), plain_value(split.y_true[i]), plain_value(split.y_pred[i]), float(error[i])) for i in order]
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


