"""The evaluation report against scikit-learn on known predictions, plus the corner cases of a classroom."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn import metrics as skm
from torch import nn

from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION, DataBundle, Split
from nnstudio.core.evaluate.gaps import ALERT, find_gaps
from nnstudio.core.evaluate.predict import predict_outputs, probabilities
from nnstudio.core.evaluate.report import (
    classification_metrics,
    evaluate,
    examples_in_cell,
    regression_metrics,
    safe_log_loss,
    threshold_metrics,
    worst_examples,
)

RNG = np.random.default_rng(7)


def _random_proba(n: int, k: int) -> np.ndarray:
    logits = RNG.normal(size=(n, k)) * 2
    return probabilities(logits)


def test_multiclass_metrics_match_scikit_learn():
    y = np.array([0, 1, 2] * 20)
    proba = _random_proba(60, 3)
    proba[np.arange(30), y[:30]] += 2.0  # make half of them right, confidently
    proba /= proba.sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    m = classification_metrics(y, proba, 3, majority_class=1)

    assert m.accuracy == pytest.approx(skm.accuracy_score(y, pred))
    p, r, f, s = skm.precision_recall_fscore_support(y, pred, zero_division=0)
    np.testing.assert_allclose(m.precision, p)
    np.testing.assert_allclose(m.recall, r)
    np.testing.assert_allclose(m.f1, f)
    np.testing.assert_array_equal(m.support, s)
    assert m.macro["f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert m.weighted["precision"] == pytest.approx(skm.precision_score(y, pred, average="weighted"))
    assert m.log_loss == pytest.approx(skm.log_loss(y, proba))
    np.testing.assert_array_equal(m.confusion, skm.confusion_matrix(y, pred))
    assert m.roc_auc == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    assert m.average_precision == pytest.approx(np.mean([skm.average_precision_score(y == c, proba[:, c]) for c in range(3)]))
    assert m.balanced_accuracy == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert m.majority_baseline == pytest.approx(1 / 3)
    assert len(m.roc) == 3 and all(c is not None for c in m.roc)
    fpr, tpr, _ = skm.roc_curve(y == 2, proba[:, 2])
    np.testing.assert_allclose(m.roc[2].x, fpr)
    np.testing.assert_allclose(m.roc[2].y, tpr)


def test_binary_metrics_from_a_single_logit_match_scikit_learn():
    y = RNG.integers(0, 2, 80)
    logits = (y - 0.5) * 1.5 + RNG.normal(size=80)
    proba = probabilities(logits[:, None])
    assert proba.shape == (80, 2)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-logits)))
    m = classification_metrics(y, proba, 2)
    assert m.roc_auc == pytest.approx(skm.roc_auc_score(y, logits))
    assert m.average_precision == pytest.approx(skm.average_precision_score(y, logits))
    assert len(m.roc) == 1
    for threshold in (0.2, 0.5, 0.8):
        t = threshold_metrics(y, proba[:, 1], threshold)
        pred = (proba[:, 1] >= threshold).astype(int)
        assert t["precision"] == pytest.approx(skm.precision_score(y, pred, zero_division=0))
        assert t["recall"] == pytest.approx(skm.recall_score(y, pred))
        assert t["f1"] == pytest.approx(skm.f1_score(y, pred, zero_division=0))
        np.testing.assert_array_equal(t["confusion"], skm.confusion_matrix(y, pred, labels=[0, 1]))
    low, high = threshold_metrics(y, proba[:, 1], 0.05), threshold_metrics(y, proba[:, 1], 0.95)
    assert low["recall"] >= high["recall"]


def test_a_model_that_predicts_a_single_class_gives_finite_metrics_without_warnings():
    y = np.array([0, 1, 2, 2, 1, 0, 2])
    proba = np.tile([0.2, 0.7, 0.1], (7, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = classification_metrics(y, proba, 3, majority_class=2)
    assert m.predicted_classes == 1
    assert m.accuracy == pytest.approx(2 / 7)
    assert list(m.precision) == [0.0, pytest.approx(2 / 7), 0.0]
    assert list(m.recall) == [0.0, 1.0, 0.0]
    assert m.confusion[:, 1].sum() == 7 and m.confusion[:, [0, 2]].sum() == 0
    assert m.majority_baseline == pytest.approx(3 / 7)
    assert math.isfinite(m.log_loss)


def test_log_loss_is_finite_at_probabilities_zero_and_one():
    y = np.array([0, 1, 1, 0])
    proba = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])  # two certain right, two certain wrong
    loss = safe_log_loss(y, proba, 2)
    assert math.isfinite(loss)
    assert loss == pytest.approx(-np.log(1e-15) / 2, rel=1e-6)
    perfect = safe_log_loss(y, np.eye(2)[y], 2)
    assert math.isfinite(perfect) and perfect < 1e-12
    m = classification_metrics(y, proba, 2)
    assert math.isfinite(m.log_loss)


def test_a_class_missing_from_a_split_still_has_its_row_but_no_curve():
    y = np.array([0, 1, 0, 1, 0])  # class 2 never occurs here
    proba = _random_proba(5, 3)
    m = classification_metrics(y, proba, 3)
    assert m.confusion.shape == (3, 3)
    assert m.support[2] == 0
    assert m.roc[2] is None and m.pr[2] is None
    assert math.isfinite(m.log_loss) and math.isfinite(m.roc_auc)


def test_regression_metrics_match_scikit_learn():
    y = RNG.normal(size=50)
    pred = y + RNG.normal(scale=0.3, size=50)
    m = regression_metrics(y, pred)
    assert m.mse == pytest.approx(skm.mean_squared_error(y, pred))
    assert m.rmse == pytest.approx(math.sqrt(skm.mean_squared_error(y, pred)))
    assert m.mae == pytest.approx(skm.mean_absolute_error(y, pred))
    assert m.r2 == pytest.approx(skm.r2_score(y, pred))


# ---------------------------------------------------------------------------- whole reports
def _bundle(task: str, train, test, extra=None, num_classes: int = 2) -> DataBundle:
    def split(xy):
        x, y = xy
        return Split(torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.int64 if task == CLASSIFICATION else torch.float32))

    empty = (np.zeros((0, *np.shape(train[0])[1:])), np.zeros((0,)))
    return DataBundle(
        task, split(train), split(empty), split(test), tuple(np.shape(train[0])[1:]),
        class_names=[f"c{i}" for i in range(num_classes)] if task == CLASSIFICATION else [],
        extra={k: split(v) for k, v in (extra or {}).items()},
    )


def _logits_for(y: np.ndarray, right: np.ndarray, k: int = 2) -> np.ndarray:
    """Inputs that an identity model turns into logits: right where ``right`` is set, wrong elsewhere."""
    answer = np.where(right, y, (y + 1) % k)
    return np.eye(k)[answer] * 4.0


def test_report_flags_overfitting_and_the_collapse_on_new_photos():
    y_train = np.array([0, 1] * 20)
    y_test = np.array([0, 1] * 10)
    y_new = np.array([0, 1] * 10)
    bundle = _bundle(
        CLASSIFICATION,
        (_logits_for(y_train, np.ones(40, bool)), y_train),
        (_logits_for(y_test, np.arange(20) % 5 != 0), y_test),  # 80 %
        {"new photos": (_logits_for(y_new, np.arange(20) % 2 == 0), y_new)},  # 50 %
    )
    report = evaluate(nn.Identity(), bundle)
    assert list(report.splits) == ["train", "test", "new photos"]
    assert report.skipped == {"validation": "empty (no examples held out for it)"}
    assert report.splits["train"].metrics.accuracy == 1.0
    assert report.splits["test"].metrics.accuracy == pytest.approx(0.8)
    assert report.splits["new photos"].metrics.accuracy == pytest.approx(0.5)
    kinds = {g.kind: g for g in report.gaps}
    assert kinds["overfitting"].severity == ALERT and kinds["overfitting"].splits == ("train", "test")
    assert kinds["collapse"].splits == ("test", "new photos")
    assert "tank" in kinds["collapse"].message
    assert "imbalance" not in kinds
    data = report.to_dict()
    assert data["splits"]["new photos"]["accuracy"] == pytest.approx(0.5)
    assert data["gaps"][0]["kind"] == "overfitting"


def test_imbalanced_data_shows_the_majority_baseline_and_calls_accuracy_misleading():
    y_train = np.array([0] * 36 + [1] * 4)
    y_test = np.array([0] * 18 + [1] * 2)
    always_zero = lambda y: np.tile([3.0, -3.0], (len(y), 1))  # noqa: E731
    bundle = _bundle(CLASSIFICATION, (always_zero(y_train), y_train), (always_zero(y_test), y_test))
    report = evaluate(nn.Identity(), bundle)
    test = report.splits["test"].metrics
    assert test.accuracy == pytest.approx(0.9)
    assert test.majority_baseline == pytest.approx(0.9)
    assert test.recall[1] == 0.0
    (gap,) = [g for g in report.gaps if g.kind == "imbalance"]
    assert gap.severity == ALERT
    assert "90.0%" in gap.message and "c0" in gap.message
    assert find_gaps(report, bundle)[0].kind == "imbalance"


def test_regression_report_residuals_and_worst_examples():
    x = np.linspace(-1, 1, 30)[:, None]
    y = x[:, 0] * 2
    bundle = _bundle(REGRESSION, (x, y), (x, y + np.where(np.arange(30) == 4, 5.0, 0.0)))
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(2.0)
        model.bias.zero_()
    report = evaluate(model, bundle)
    test = report.splits["test"]
    assert test.metrics.rmse == pytest.approx(math.sqrt(25 / 30), rel=1e-5)
    assert report.splits["train"].metrics.r2 == pytest.approx(1.0)
    np.testing.assert_allclose(test.residuals[:, 0], np.where(np.arange(30) == 4, 5.0, 0.0), atol=1e-5)
    worst = worst_examples(test, limit=3)
    assert worst[0].index == 4 and worst[0].confidence == pytest.approx(5.0, rel=1e-5)
    assert {g.kind for g in report.gaps} == {"overfitting"}


def test_worst_examples_and_confusion_cells_list_the_right_examples():
    y = np.array([0, 0, 1, 1, 2, 2])
    proba = np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.05, 0.9, 0.05]])
    bundle = _bundle(CLASSIFICATION, (np.log(proba), y), (np.log(proba), y), num_classes=3)
    split = evaluate(nn.Identity(), bundle).splits["test"]
    worst = worst_examples(split)
    assert [e.index for e in worst] == [5, 1, 3]  # confidence 0.9, 0.7, 0.6
    assert worst[0].predicted == 1 and worst[0].true == 2
    assert worst[0].true_confidence == pytest.approx(0.05)
    cell = examples_in_cell(split, true=0, predicted=1)
    assert [e.index for e in cell] == [1]
    diagonal = examples_in_cell(split, true=1, predicted=1)
    assert [e.index for e in diagonal] == [2]


def test_predictions_run_in_eval_mode_in_chunks_and_restore_the_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.5), nn.BatchNorm1d(16), nn.Linear(16, 3))
    model.train()
    x = torch.randn(25, 4)
    chunked = predict_outputs(model, x, chunk=4)
    assert model.training  # restored
    model.eval()
    with torch.no_grad():
        whole = model(x).double().numpy()
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-6)
    seen = []
    predict_outputs(model, x, chunk=10, progress=seen.append)
    assert seen == [10, 20, 25]


def test_metrics_csv_has_every_split_and_class(tmp_path):
    y = np.array([0, 1] * 10)
    bundle = _bundle(CLASSIFICATION, (_logits_for(y, np.ones(20, bool)), y), (_logits_for(y, np.arange(20) % 4 != 0), y))
    report = evaluate(nn.Identity(), bundle)
    path = tmp_path / "metrics.csv"
    report.write_csv(path)
    import csv

    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    acc = {r["split"]: float(r["value"]) for r in rows if r["metric"] == "accuracy"}
    assert acc == {"train": 1.0, "test": 0.75}
    assert any(r["metric"] == "recall" and r["class"] == "c1" and r["split"] == "test" for r in rows)


def test_a_model_no_better_than_the_majority_answer_on_balanced_data_is_flagged():
    y = np.array([0, 1] * 10)
    always_one = np.tile([-2.0, 2.0], (20, 1))
    bundle = _bundle(CLASSIFICATION, (always_one, y), (always_one, y))
    report = evaluate(nn.Identity(), bundle)
    (gap,) = report.gaps
    assert gap.kind == "baseline" and gap.severity == ALERT
    assert "same answer for every example" in gap.message
    assert report.splits["test"].metrics.predicted_classes == 1
