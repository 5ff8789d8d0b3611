"""Every metric a student reads (the training curves' registry metrics and the evaluation report's) against
scikit-learn on fixed predictions, with ties between classes and probabilities exactly on the threshold.

The registry's reference table is keyed by name: a metric registered without a reference fails
``test_every_metric_has_a_reference``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn import metrics as skm
from torch import nn

from nnstudio.core.base.registry import METRICS
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle, Split
from nnstudio.core.evaluate.metrics import predicted_classes
from nnstudio.core.evaluate.report import (
    PROBA_EPS,
    classification_metrics,
    evaluate,
    regression_metrics,
    safe_log_loss,
    threshold_metrics,
)

# Multi-class outputs with ties: rows 1 and 3 have two equal top scores (the first one wins, as numpy's
# argmax), row 4 three equal scores.
MULTI = np.array([
    [2.0, 0.1, -1.0],
    [1.0, 1.0, 0.0],
    [-0.5, 0.3, 0.2],
    [0.0, 2.0, 2.0],
    [0.7, 0.7, 0.7],
    [0.1, -0.2, 1.4],
    [1.1, 1.3, -0.4],
])
MULTI_Y = np.array([0, 1, 1, 2, 0, 2, 0])
# One binary logit: 0 exactly means probability 0.5 (a tie).
LOGIT = np.array([1.2, 0.0, -0.3, 0.0, 2.5, -1.7])
LOGIT_Y = np.array([1, 0, 1, 1, 1, 0])
REG_OUT = np.array([[1.3], [0.5], [4.0], [-0.7], [2.0]])
REG_Y = np.array([1.0, 2.0, 1.5, -0.5, 2.0])


def _sk_accuracy(outputs: np.ndarray, y: np.ndarray) -> float:
    pred = outputs.argmax(axis=1) if outputs.ndim == 2 and outputs.shape[1] > 1 else (outputs.reshape(-1) > 0).astype(int)
    return float(skm.accuracy_score(y, pred))


def _sk_rmse(outputs: np.ndarray, y: np.ndarray) -> float:
    return math.sqrt(skm.mean_squared_error(y, outputs.reshape(y.shape)))


# name -> [(outputs, targets, reference function)]
REFERENCES = {
    "accuracy": [(MULTI, MULTI_Y, _sk_accuracy), (LOGIT, LOGIT_Y, _sk_accuracy), (LOGIT[:, None], LOGIT_Y, _sk_accuracy)],
    "rmse": [(REG_OUT, REG_Y, _sk_rmse), (REG_OUT[:, 0], REG_Y, _sk_rmse)],
}


def test_every_metric_has_a_reference():
    assert set(REFERENCES) == set(METRICS.names())


@pytest.mark.parametrize("name", METRICS.names())
def test_registry_metric_matches_scikit_learn(name):
    for i, (outputs, y, reference) in enumerate(REFERENCES[name]):
        dtype = torch.long if name == "accuracy" else torch.float32
        value = METRICS.get(name).obj(torch.tensor(outputs, dtype=torch.float32), torch.tensor(y, dtype=dtype))
        assert value == pytest.approx(reference(outputs, y), rel=1e-6), f"{name} case {i}"


def test_registry_metrics_by_hand():
    """Ties: argmax takes the first top score; a logit of exactly 0 (probability 0.5) is class 0."""
    assert predicted_classes(torch.tensor(MULTI)).tolist() == [0, 0, 1, 1, 0, 2, 1]
    assert predicted_classes(torch.tensor(LOGIT)).tolist() == [1, 0, 0, 0, 1, 0]
    assert METRICS.get("accuracy").obj(torch.tensor(MULTI), torch.tensor(MULTI_Y)) == pytest.approx(4 / 7)
    assert METRICS.get("accuracy").obj(torch.tensor(LOGIT), torch.tensor(LOGIT_Y)) == pytest.approx(4 / 6)
    # errors 0.3, 1.5, 2.5, 0.2, 0 -> sqrt(8.63 / 5), not the mean absolute error 4.5 / 5
    rmse = METRICS.get("rmse").obj(torch.tensor(REG_OUT), torch.tensor(REG_Y))
    assert rmse == pytest.approx(math.sqrt(8.63 / 5))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("binary", [False, True], ids=["three_classes", "two_classes"])
def test_report_metrics_match_scikit_learn(binary):
    if binary:
        p1 = 1 / (1 + np.exp(-LOGIT))
        proba, y, k = np.stack([1 - p1, p1], axis=1), LOGIT_Y, 2
    else:
        proba, y, k = _softmax(MULTI), MULTI_Y, 3
    m = classification_metrics(y, proba, k, majority_class=1)
    pred = proba.argmax(axis=1)
    labels = list(range(k))
    assert m.n == len(y)
    assert m.accuracy == pytest.approx(skm.accuracy_score(y, pred))
    assert m.balanced_accuracy == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert m.log_loss == pytest.approx(skm.log_loss(y, proba, labels=labels))
    p, r, f, s = skm.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    np.testing.assert_allclose(m.precision, p)
    np.testing.assert_allclose(m.recall, r)
    np.testing.assert_allclose(m.f1, f)
    np.testing.assert_array_equal(m.support, s)
    for avg, values in (("macro", m.macro), ("weighted", m.weighted)):
        ap, ar, af, _ = skm.precision_recall_fscore_support(y, pred, labels=labels, average=avg, zero_division=0)
        assert values == pytest.approx({"precision": ap, "recall": ar, "f1": af})
    np.testing.assert_array_equal(m.confusion, skm.confusion_matrix(y, pred, labels=labels))
    if binary:
        assert m.roc_auc == pytest.approx(skm.roc_auc_score(y, proba[:, 1]))
        assert m.average_precision == pytest.approx(skm.average_precision_score(y, proba[:, 1]))
    else:
        assert m.roc_auc == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"))
        aps = [skm.average_precision_score(y == c, proba[:, c]) for c in labels]
        assert m.average_precision == pytest.approx(np.mean(aps))
    for c, (roc, pr) in zip([1] if binary else labels, zip(m.roc, m.pr, strict=True), strict=True):
        fpr, tpr, _ = skm.roc_curve(y == c, proba[:, c])
        precision, recall, _ = skm.precision_recall_curve(y == c, proba[:, c])
        np.testing.assert_allclose(roc.x, fpr)
        np.testing.assert_allclose(roc.y, tpr)
        np.testing.assert_allclose(pr.x, recall)
        np.testing.assert_allclose(pr.y, precision)
    assert m.majority_class == 1
    assert m.majority_baseline == pytest.approx(np.mean(y == 1))
    assert m.predicted_classes == len(np.unique(pred))


def test_report_ties_go_to_the_first_class():
    """Row 2 of MULTI ties classes 0 and 1; argmax (and so the report) says 0, as numpy does."""
    m = classification_metrics(MULTI_Y, _softmax(MULTI), 3)
    assert m.accuracy == pytest.approx(4 / 7)
    assert m.confusion[1].tolist() == [1, 1, 0]


def test_regression_report_matches_scikit_learn():
    m = regression_metrics(REG_Y, REG_OUT)
    assert m.n == 5
    assert m.mse == pytest.approx(skm.mean_squared_error(REG_Y, REG_OUT[:, 0]))
    assert m.mse == pytest.approx(8.63 / 5)
    assert m.rmse == pytest.approx(math.sqrt(8.63 / 5))
    assert m.mae == pytest.approx(skm.mean_absolute_error(REG_Y, REG_OUT[:, 0]))
    assert m.mae == pytest.approx(4.5 / 5)
    assert m.r2 == pytest.approx(skm.r2_score(REG_Y, REG_OUT[:, 0]))


def test_log_loss_stays_finite_on_certain_wrong_answers():
    """A probability of exactly 0 for the true class costs -log(1e-15), not infinity."""
    proba = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([1, 1])
    assert safe_log_loss(y, proba, 2) == pytest.approx((-math.log(PROBA_EPS) + -math.log(1 - PROBA_EPS)) / 2, rel=1e-6)


# Probabilities of class 1, three of them exactly on the threshold 0.6.
P_POS = np.array([0.6, 0.6, 0.2, 0.9, 0.6, 0.59, 0.61, 0.1])
P_Y = np.array([1, 0, 0, 1, 1, 1, 0, 0])


@pytest.mark.parametrize("threshold", [0.6, 0.5, 0.9, 0.1])
def test_threshold_metrics_predict_the_positive_class_at_or_above_the_threshold(threshold):
    t = threshold_metrics(P_Y, P_POS, threshold)
    pred = np.greater_equal(P_POS, threshold).astype(int)
    np.testing.assert_array_equal(t["y_pred"], pred)
    assert t["threshold"] == threshold
    assert t["precision"] == pytest.approx(skm.precision_score(P_Y, pred, zero_division=0))
    assert t["recall"] == pytest.approx(skm.recall_score(P_Y, pred, zero_division=0))
    assert t["f1"] == pytest.approx(skm.f1_score(P_Y, pred, zero_division=0))
    assert t["accuracy"] == pytest.approx(skm.accuracy_score(P_Y, pred))
    np.testing.assert_array_equal(t["confusion"], skm.confusion_matrix(P_Y, pred, labels=[0, 1]))


def test_threshold_exactly_on_a_probability_counts_as_positive():
    """By hand at 0.6: predicted positive 0.6, 0.6, 0.9, 0.6, 0.61 -> TP 3 (rows 0, 3, 4), FP 2 (rows 1, 6).
    With '>' instead of '>=' the three 0.6 rows would flip to negative."""
    t = threshold_metrics(P_Y, P_POS, 0.6)
    assert t["confusion"].tolist() == [[2, 2], [1, 3]]
    assert t["precision"] == pytest.approx(3 / 5)
    assert t["recall"] == pytest.approx(3 / 4)
    assert t["accuracy"] == pytest.approx(5 / 8)


def _fixed_bundle() -> DataBundle:
    """The inputs are the logits themselves (the model is the identity). The training split's majority is
    class 0 (4 of 6); the test split's own majority is class 1 (3 of 4)."""
    train_y = torch.tensor([0, 0, 1, 0, 2, 0])
    val_y = torch.tensor([2, 2, 1])
    test_y = torch.tensor([1, 1, 0, 1])
    def x(y: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.one_hot(y, 3).float() * 2.0

    test_x = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    return DataBundle(
        CLASSIFICATION, Split(x(train_y), train_y), Split(x(val_y), val_y), Split(test_x, test_y), (3,),
        class_names=["a", "b", "c"],
    )


def test_majority_baseline_uses_the_training_splits_most_common_class():
    """Counted by hand: class 0 holds 4 of the 6 training labels; on test, always answering class 0 is right
    once in 4 (counting on the test split itself would say class 1 and 3 in 4)."""
    report = evaluate(nn.Identity(), _fixed_bundle())
    test = report.splits["test"].metrics
    assert test.majority_class == 0
    assert test.majority_baseline == pytest.approx(1 / 4)
    assert report.splits["validation"].metrics.majority_baseline == pytest.approx(0.0)
    assert report.splits["train"].metrics.majority_baseline == pytest.approx(4 / 6)
    assert test.accuracy == pytest.approx(2 / 4)  # rows 0 and 2 right
    assert report.to_dict()["splits"]["test"]["majority_class"] == "a"
