"""The story lessons (cost functions, optimizers, input preparation, tank, pigeons) reach their outcomes
headless with their fixed seeds; each check is the issue's threshold, read from the figures the lesson shows.
Also the pieces they brought: the 'plus' outcome, the datasets and the slope figure."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers_lessons import lesson_figures as run

from nnstudio.core.data.assemble import load_raw, prepare
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.lessons.experiments import Check
from nnstudio.core.lessons.format import LessonError, find_lesson, load_lesson


def test_cost_functions():
    f = run("cost_functions")
    assert f["slope_error@mae"] <= 0.5 * f["slope_error@mse"]
    assert f["slope_error@huber"] <= 0.5 * f["slope_error@mse"]
    assert f["slope_error@mse"] > 0.5  # the outliers really tilt the squared-error line (true slope 2)


def test_optimizers():
    f = run("optimizers")
    assert f["final_train_loss@momentum"] < f["final_train_loss@sgd"]
    assert f["final_train_loss@adam"] < f["final_train_loss@sgd"]


def test_input_preparation():
    f = run("input_preparation")
    assert f["test_accuracy@standardized"] >= f["test_accuracy@unscaled"] + 0.05
    assert f["test_accuracy@unscaled"] <= 0.6  # unscaled dollars leave it near a coin toss
    assert f["test_accuracy@one_hot"] > f["test_accuracy@standardized"]  # one column per district beats the codes


# ------------------------------------------------------------------------------------------ the pieces
def plus_lesson(tmp_path, **outcome) -> dict:
    data = {
        "title": "Plus", "summary": "An additive outcome.", "minutes": 5, "starts_from": "deep_relu",
        "steps": [{"text": "Two runs.", "actions": [{"do": "train", "run": "a"}, {"do": "train", "run": "b"}],
                   "outcome": {"figure": "test_accuracy@b", "relative_to": "test_accuracy@a",
                               "why_it_can_differ": "Luck.", **outcome}}],
    }
    path = tmp_path / "plus.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_plus_outcome_adds_its_bounds_to_the_other_figure(tmp_path):
    outcome = load_lesson(plus_lesson(tmp_path, min=0.05, relative="plus")).outcomes()[0]
    assert outcome.describe() == "test_accuracy@b >= 0.05 + test_accuracy@a"
    assert Check.of(outcome, {"test_accuracy@b": 0.86, "test_accuracy@a": 0.8}).met
    missed = Check.of(outcome, {"test_accuracy@b": 0.84, "test_accuracy@a": 0.8})
    assert not missed.met and missed.low == pytest.approx(0.85)  # times would read 0.05 x 0.8 = 0.04 and pass
    times = load_lesson(plus_lesson(tmp_path, min=1.05)).outcomes()[0]
    assert times.bounds({"test_accuracy@a": 0.8})[0] == pytest.approx(0.84)


@pytest.mark.parametrize("outcome, field, words", [
    ({"min": 0.05, "relative": "minus"}, "steps[0].outcome.relative", "must be one of times, plus (got 'minus')"),
])
def test_a_bad_relative_is_refused_with_the_field(tmp_path, outcome, field, words):
    with pytest.raises(LessonError) as caught:
        load_lesson(plus_lesson(tmp_path, **outcome))
    assert caught.value.field == field and words in str(caught.value)


def test_relative_without_relative_to_is_refused(tmp_path):
    path = plus_lesson(tmp_path, min=0.05, relative="plus")
    data = json.loads(path.read_text())
    del data["steps"][0]["outcome"]["relative_to"]
    path.write_text(json.dumps(data))
    with pytest.raises(LessonError, match=r"steps\[0\]\.outcome\.relative: .*give relative_to too"):
        load_lesson(path)


def test_line_outliers_sit_far_below_the_right_end():
    raw = load_raw(DataSpec("line_outliers", {"n_samples": 200, "outliers": 0.1, "slope": 2.0}))
    x, y = raw.x[:, 0], raw.y
    off = np.abs(y - (2.0 * x + 1.0)) > 5
    assert off.sum() == 20 and np.all(x[off] > 1.0) and raw.meta["true_slope"] == 2.0


def test_slope_error_reads_the_line_in_the_datas_units_through_standardize():
    from nnstudio.core.lessons.experiments import train_run

    project = find_lesson("cost_functions").start_project()
    project.data.params["outliers"] = 0.0
    project.data.preprocessing = DataSpec.from_dict(
        {"source": "line_outliers", "preprocessing": [{"kind": "standardize", "params": {}}]}).preprocessing
    from nnstudio.core.lessons.figures import FIGURES

    # x is scaled by 1/std (about 1.7): read off the network's weight the slope would be about 3.5, not 2.
    assert FIGURES["slope_error"].compute(train_run(project, None)) < 0.1


def test_mixed_scales_columns_differ_a_thousand_times_and_the_district_is_a_category():
    prepared = prepare(DataSpec("mixed_scales", {"n_samples": 600}))
    x = prepared.raw.x
    assert np.std(x[:, 0]) / np.std(x[:, 1]) > 1000
    assert set(np.unique(x[:, 2])) == {0.0, 1.0, 2.0, 3.0}
    onehot = prepare(DataSpec.from_dict({"source": "mixed_scales", "preprocessing": [
        {"kind": "onehot", "params": {"columns": "district"}}]}))
    assert onehot.bundle.input_shape == (6,)
    assert not math.isnan(float(onehot.bundle.train.x.sum()))


def test_tank_or_not_a_tank():
    f = run("tank_or_not_a_tank")
    assert f["vault_accuracy@detector"] >= 0.95
    assert f["new_photos_accuracy@detector"] <= 0.65
    assert f["gradcam_tank_share@detector"] <= f["tank_area_share@detector"]
    assert 0.01 < f["tank_area_share@detector"] < 0.1  # a small tank: a few percent of the photo


def test_tank_boxes_frame_the_tanks_of_the_vault_and_new_photos_mix_the_weather():
    raw = load_raw(DataSpec("tanks", {"n_samples": 40, "size": 24, "new_photos": 200, "vault": 60}))
    vault_x, vault_y = raw.fixed_test
    boxes = raw.meta["boxes"]["test"]
    assert np.array_equal(~np.isnan(boxes).any(axis=1), vault_y == 1)  # a box for each tank, none elsewhere
    for img, box in zip(vault_x[vault_y == 1, 0], boxes[vault_y == 1], strict=True):
        rows, cols = (np.arange(24) + 0.5) / 24, (np.arange(24) + 0.5) / 24
        inside = (cols[None, :] >= box[0]) & (cols[None, :] <= box[2]) & (rows[:, None] >= box[1]) & (rows[:, None] <= box[3])
        ground = img[rows > box[3] + 0.05]
        assert img[inside].min() < ground.mean() - 0.1  # the tank's dark hull lies inside its box
    new_x, new_y = raw.extra["new photos"]
    cloudy = new_x[:, 0, :5].mean(axis=(1, 2)) < 0.6  # the sky's top rows tell the weather
    assert 0.3 < cloudy.mean() < 0.7 and abs(cloudy[new_y == 1].mean() - cloudy[new_y == 0].mean()) < 0.2
    assert np.array_equal(vault_x[:, 0, :5].mean(axis=(1, 2)) < 0.6, vault_y == 1)  # the vault keeps the confound


def test_the_tank_figures_are_not_reached_without_boxes():
    from nnstudio.core.lessons import story_figures

    class Run:  # a run on the digits: no tank boxes, no new photos, no true slope
        def __init__(self):
            from nnstudio.core.lessons.experiments import train_run
            from nnstudio.core.project.templates import TEMPLATES

            project = TEMPLATES["simple_nn_8x8"].project()
            project.training.epochs = 1
            self.trainer = train_run(project, None).trainer

    run = Run()
    for figure in (story_figures.gradcam_tank_share, story_figures.tank_area_share, story_figures.new_photos_accuracy,
                   story_figures.slope_error):
        assert math.isnan(figure(run))


def test_pigeons_as_art_experts():
    f = run("pigeons_as_art_experts")
    assert f["train_accuracy@style"] >= 0.9 and f["test_accuracy@style"] >= 0.8
    assert f["train_accuracy@shuffled"] >= 0.9 and f["test_accuracy@shuffled"] <= 0.6


def test_paintings_test_split_holds_only_unseen_paintings_and_shuffled_labels_carry_no_style():
    params = {"seen": 6, "unseen": 4, "crops": 5, "size": 16}
    styled = load_raw(DataSpec("paintings", {**params, "labels": "style"}))
    shuffled = load_raw(DataSpec("paintings", {**params, "labels": "shuffled"}))
    assert styled.x.shape == (2 * 6 * 5, 3, 16, 16) and styled.fixed_test[0].shape == (2 * 4 * 5, 3, 16, 16)
    np.testing.assert_array_equal(styled.x, shuffled.x)  # the same crops, only the labels differ
    np.testing.assert_array_equal(styled.fixed_test[1], shuffled.fixed_test[1])  # unseen keep their true style
    per_painting = shuffled.y.reshape(12, 5)
    assert (per_painting == per_painting[:, :1]).all()  # one label per painting
    true_style = styled.y.reshape(12, 5)[:, 0]
    for style in (0, 1):  # half of each style's paintings carry each label: the label tells nothing of the style
        assert per_painting[true_style == style, 0].mean() == 0.5
    # no crop of the test split is a crop of a seen painting
    seen = {c.tobytes() for c in styled.x}
    assert not any(c.tobytes() in seen for c in styled.fixed_test[0])
