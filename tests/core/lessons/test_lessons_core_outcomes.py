"""The first five lessons reach their outcomes headless with their fixed seeds, through the same run session
the Training tab uses; each check is the issue's threshold, and the figures are the ones the lesson shows."""

from __future__ import annotations

import math

import pytest
from helpers_lessons import lesson_figures as run

from nnstudio.core.lessons.experiments import run_lesson
from nnstudio.core.lessons.format import find_lesson


def test_neurons_and_activations():
    f = run("neurons_and_activations")
    assert f["test_accuracy@relu"] >= 0.9 and f["test_accuracy@tanh"] >= 0.9
    # the epochs each activation needed are shown; ReLU and tanh reach 90% and the sigmoid lags behind them
    assert {f"epochs_to_90@{a}" for a in ("sigmoid", "tanh", "relu", "leaky_relu")} <= set(f)
    assert f["epochs_to_90@relu"] <= 40 and f["epochs_to_90@tanh"] <= 40
    assert math.isnan(f["epochs_to_90@sigmoid"]) or f["epochs_to_90@sigmoid"] > f["epochs_to_90@relu"]


def test_universal_approximation():
    f = run("universal_approximation")
    assert f["test_mse@sixty_four"] <= 0.2 * f["test_mse@two"]
    assert f["test_mse@eight"] < f["test_mse@two"]


def test_why_nonlinearity():
    f = run("why_nonlinearity")
    assert f["test_accuracy@linear"] <= 0.65 and f["test_accuracy@relu"] >= 0.9


def test_vanishing_gradients():
    f = run("vanishing_gradients")
    assert f["first_layer_grad_norm@relu"] >= 10 * f["first_layer_grad_norm@sigmoid"] > 0
    # the sigmoid network's gradient fades towards the input: its last layer gets far more than its first
    assert f["last_layer_grad_norm@sigmoid"] > 1000 * f["first_layer_grad_norm@sigmoid"]


def test_overfitting_and_regularization():
    f = run("overfitting_and_regularization")
    assert f["accuracy_gap@plain"] >= 0.15
    assert f["accuracy_gap@all_three"] <= 0.5 * f["accuracy_gap@plain"]
    # each remedy added closes the gap further
    assert f["accuracy_gap@plain"] > f["accuracy_gap@dropout"] > f["accuracy_gap@dropout_l2"] > f["accuracy_gap@all_three"]
    assert f["epochs@all_three"] < 300  # early stopping ended it


@pytest.mark.parametrize("name", ["why_nonlinearity"])
def test_a_missed_outcome_says_why_it_can_differ(name, monkeypatch):
    from nnstudio.core.lessons import experiments

    real = experiments.train_run

    def short(project, base_dir, control=None):  # one epoch: the ReLU network cannot close the boundary yet
        project.training.epochs = 1
        project.training.lr = 1e-4
        return real(project, base_dir, control)

    monkeypatch.setattr(experiments, "train_run", short)
    result = run_lesson(find_lesson(name))
    assert not result.outcome_met
    missed = [c for c in result.checks if not c.met]
    assert missed[0].outcome.figure.run == "relu"
    assert "not this time" in missed[0].sentence() and "train a few epochs more" in missed[0].sentence()
