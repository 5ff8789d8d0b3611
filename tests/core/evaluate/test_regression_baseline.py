"""Regression evaluation is honest: the predict-the-training-mean baseline beside every metric, and a warning
when the network does worse than it or squeezes its predictions into a narrow band."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from helpers_projects import short_diabetes
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from torch import nn

from nnstudio.cli import main
from nnstudio.core.data.bundle import REGRESSION, DataBundle, Split
from nnstudio.core.evaluate.gaps import ALERT, WARNING
from nnstudio.core.evaluate.report import evaluate, regression_metrics
from nnstudio.core.project.file_format import save_project


def bundle(n_out: int = 1, seed: int = 0) -> DataBundle:
    """y = 100 + 50 x (+ a second target 3 - 2 x), x ~ N(0, 1), a little noise; train and test drawn alike."""
    rng = np.random.default_rng(seed)

    def split(n: int) -> Split:
        x = rng.normal(size=(n, 1))
        cols = [100 + 50 * x[:, 0], 3 - 2 * x[:, 0]][:n_out]
        y = np.stack(cols, axis=1) + rng.normal(scale=2.0, size=(n, n_out))
        y = y[:, 0] if n_out == 1 else y
        return Split(torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32))

    train, test = split(120), split(60)
    empty = Split(torch.zeros(0, 1), torch.zeros((0,) if n_out == 1 else (0, n_out)))
    return DataBundle(REGRESSION, train, empty, test, (1,))


def linear(weight: list[float], bias: list[float]) -> nn.Module:
    model = nn.Linear(1, len(weight))
    with torch.no_grad():
        model.weight.copy_(torch.tensor(weight)[:, None])
        model.bias.copy_(torch.tensor(bias))
    return model


def test_baseline_is_scikit_learns_error_of_always_predicting_the_training_mean():
    data = bundle()
    report = evaluate(linear([50.0], [100.0]), data)
    mean = float(data.train.y.numpy().astype(np.float64).mean())
    for name in ("train", "test"):
        y = data.train.y.numpy() if name == "train" else data.test.y.numpy()
        constant = np.full(len(y), mean)
        m = report.splits[name].metrics
        assert m.baseline_mse == pytest.approx(mean_squared_error(y, constant), rel=1e-9)
        assert m.baseline_rmse == pytest.approx(np.sqrt(mean_squared_error(y, constant)), rel=1e-9)
        assert m.baseline_mae == pytest.approx(mean_absolute_error(y, constant), rel=1e-9)
        assert m.baseline_r2 == pytest.approx(r2_score(y, constant), rel=1e-9, abs=1e-12)
    assert report.splits["train"].metrics.baseline_r2 == pytest.approx(0.0, abs=1e-9)


def test_baseline_per_target_for_two_targets():
    y = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]])
    m = regression_metrics(y, y * 0.5, train_mean=np.array([2.0, 25.0]))
    assert m.baseline_mse == pytest.approx(mean_squared_error(y, np.tile([2.0, 25.0], (3, 1))))


def test_a_squeezed_model_worse_than_the_mean_is_flagged_in_words_and_numbers():
    # Like diabetes after a short run: predictions bunched far below targets that spread widely.
    report = evaluate(linear([5.0], [30.0]), bundle())
    test = report.splits["test"].metrics
    assert test.r2 < 0 and test.mse > test.baseline_mse
    assert test.spread_ratio == pytest.approx(0.1, abs=0.02)
    gaps = {g.kind: g for g in report.gaps}
    assert gaps["baseline"].severity == ALERT and gaps["baseline"].title == "Worse than always predicting the mean"
    assert gaps["spread"].severity == WARNING and gaps["spread"].title == "Predictions squeezed into a narrow band"
    mean = float(bundle().train.y.numpy().astype(np.float64).mean())
    assert f"always predicting the training mean ({mean:.4g}) would give {test.baseline_mse:.4g}" in report.warnings[0]
    assert report.warnings[0].startswith(f"The MSE on the test split is {test.mse:.4g}")
    assert "the spread is 10% of the targets'" in report.warnings[1]
    assert len(report.warnings) == 2


def test_spread_alone_warns_even_when_the_mean_is_beaten():
    report = evaluate(linear([20.0], [100.0]), bundle())  # 40% of the spread, centred: beats the mean
    assert [g.kind for g in report.gaps] == ["spread"]
    assert report.splits["test"].metrics.mse < report.splits["test"].metrics.baseline_mse


def test_a_good_model_has_no_warnings():
    report = evaluate(linear([50.0], [100.0]), bundle())
    assert report.gaps == [] and report.warnings == []
    data = report.to_dict()
    assert data["warnings"] == [] and data["splits"]["test"]["baseline_mse"] > 100 * data["splits"]["test"]["mse"]


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("reg") / "diabetes.nnstudio"
    save_project(short_diabetes(), path)
    return path


def test_cli_json_carries_the_baseline_and_the_warning(short_run, capsys):
    assert main(["evaluate", str(short_run), "--json"]) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for name, split in data["splits"].items():
        assert split["baseline_mse"] > 0, name
    test = data["splits"]["test"]
    assert test["mse"] > test["baseline_mse"] and test["r2"] < 0
    assert any("always predicting the training mean" in w and f"{test['baseline_mse']:.4g}" in w for w in data["warnings"])
    assert main(["evaluate", str(short_run)]) == 0
    text = capsys.readouterr().out
    assert "  always the mean" in text and "[alert] Worse than always predicting the mean" in text
