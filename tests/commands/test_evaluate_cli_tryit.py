"""``nnstudio evaluate`` and the try-it input builders."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.core.data.assemble import prepare
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.evaluate.report import evaluate
from nnstudio.core.evaluate.tryit import (
    feature_input,
    image_input,
    is_image,
    match_polarity,
    resize_image,
)
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.session import train_project


@pytest.fixture(scope="module")
def trained_path(tmp_path_factory):
    project = default_project()
    project.training.epochs = 2
    train_project(project)
    path = tmp_path_factory.mktemp("eval") / "digits.nnstudio"
    save_project(project, path)
    return path


def test_cli_evaluate_json_matches_the_core_report(trained_path, capsys):
    assert main(["evaluate", str(trained_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert data["task"] == "classification"
    assert set(data["splits"]) == {"train", "validation", "test"}
    test = data["splits"]["test"]
    assert 0.5 < test["accuracy"] <= 1.0
    assert len(test["confusion_matrix"]) == 10 and sum(map(sum, test["confusion_matrix"])) == test["n"]
    assert set(test["per_class"]) == {str(i) for i in range(10)}
    assert test["log_loss"] > 0 and 0.5 < test["roc_auc"] <= 1.0

    from nnstudio.core.project.file_format import load_project

    prepared = load_model(load_project(trained_path))
    report = evaluate(prepared.built.module, prepared.bundle)
    assert test["accuracy"] == pytest.approx(report.splits["test"].metrics.accuracy)


def test_cli_evaluate_text_and_csv(trained_path, tmp_path, capsys):
    out_csv = tmp_path / "m.csv"
    assert main(["evaluate", str(trained_path), "--split", "test", "--csv", str(out_csv)]) == 0
    text = capsys.readouterr().out
    assert "accuracy" in text and "F1 (macro)" in text and "per class on test" in text
    assert out_csv.read_text(encoding="utf-8").startswith("split,metric,class,value")


def test_cli_evaluate_without_weights_says_train_it_first(tmp_path, capsys):
    path = tmp_path / "untrained.nnstudio"
    save_project(default_project(), path)
    assert main(["evaluate", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert "train it first" in err
    assert "Traceback" not in err


def test_cli_evaluate_unknown_split_is_a_usage_error(trained_path, capsys):
    assert main(["evaluate", str(trained_path), "--split", "holiday photos"]) == 2
    assert "holiday photos" in capsys.readouterr().err


def test_drawn_image_becomes_a_digits_input():
    prepared = prepare(DataSpec("digits"))
    bundle, view = prepared.bundle, prepared.raw_view
    assert is_image(bundle)
    assert view is not None and view.value_range == (0.0, 1.0)
    np.testing.assert_array_equal(view.splits["test"].shape, (len(bundle.test), 1, 8, 8))
    np.testing.assert_allclose(bundle.pipeline.transform(view.splits["test"][:3]), bundle.test.x[:3].numpy())
    canvas = np.zeros((64, 64), np.float32)
    canvas[8:56, 24:40] = 1.0  # a vertical bar: a "1"
    x = image_input(bundle, canvas, view.value_range)
    assert x.shape == (1, 8, 8) and x.dtype == np.float32
    assert x[0, :, 3:5].mean() > 0.7 and x[0, :, 0].max() == 0.0
    assert resize_image(np.ones((3, 10, 10)), 5, 5).shape == (3, 5, 5)


def test_dark_ink_on_white_paper_is_inverted_for_white_on_black_digits():
    paper = np.ones((32, 32), np.float32)
    paper[4:28, 14:18] = 0.0
    flipped, inverted = match_polarity(paper, dataset_mean=0.3)
    assert inverted and flipped[0, 0] == 0.0 and flipped[10, 15] == 1.0
    same, inverted = match_polarity(1.0 - paper, dataset_mean=0.3)
    assert not inverted


def test_typed_features_go_through_the_fitted_preprocessing():
    spec = DataSpec("iris", preprocessing=[StepSpec("standardize")])
    prepared = prepare(spec)
    bundle, view = prepared.bundle, prepared.raw_view
    assert view is not None
    assert view.minimum[2] == pytest.approx(view.splits["train"][:, 2].min())
    x = feature_input(bundle, view.mean)
    np.testing.assert_allclose(x, np.zeros(4), atol=1e-5)  # the training mean standardizes to 0
    with pytest.raises(Exception, match="4 feature values"):
        feature_input(bundle, [1.0, 2.0])
