"""Counterfactual search: the change found flips the model's prediction, stays in range, keeps one-hot valid."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nnstudio.core.interpret.counterfactual import find_counterfactual, variables
from nnstudio.core.interpret.explain import predict
from nnstudio.core.interpret.subject import Subject


def _model(weights: list[list[float]]) -> nn.Module:
    model = nn.Linear(len(weights[0]), len(weights))
    with torch.no_grad():
        model.weight[:] = torch.tensor(weights)
        model.bias.zero_()
    return model.eval()


def test_counterfactual_flips_the_prediction_and_stays_in_the_training_range():
    rng = np.random.default_rng(0)
    train = rng.uniform(-1, 1, size=(100, 3)).astype(np.float32)
    # Class 1 when feature 0 is positive; the other features barely matter.
    model = _model([[-2.0, 0.1, 0.0], [2.0, -0.1, 0.0]])
    subject = Subject((3,), class_names=["low", "high"], feature_names=["x", "y", "z"])
    x = np.array([-0.6, 0.2, 0.5], dtype=np.float32)
    assert predict(model, x, subject).predicted == 0
    result = find_counterfactual(model, subject, x, 1, train)
    assert result.found, result.message
    after = result.changed_to
    assert predict(model, after.astype(np.float32), subject).predicted == 1  # checked again, independently
    assert (after >= train.min(0) - 1e-9).all() and (after <= train.max(0) + 1e-9).all()
    assert result.changed == [0]  # the one feature that matters, moved only a little past the boundary
    assert 0.0 <= after[0] < 0.2 and result.new_class == 1
    assert "x" in result.message


def test_one_hot_groups_stay_valid():
    names = ["age", "colour=red", "colour=green", "colour=blue"]
    rng = np.random.default_rng(1)
    colours = np.eye(3)[rng.integers(0, 3, 60)]
    train = np.column_stack([rng.uniform(0, 1, 60), colours]).astype(np.float32)
    assert [v.name for v in variables(names, train)] == ["age", "colour"]
    # Only "blue" makes class 1; age cannot get there on its own within its range.
    model = _model([[0.0, 1.0, 1.0, -1.0], [0.1, -1.0, -1.0, 1.0]])
    subject = Subject((4,), class_names=["no", "yes"], feature_names=names)
    x = np.array([0.5, 1.0, 0.0, 0.0], dtype=np.float32)
    result = find_counterfactual(model, subject, x, 1, train)
    assert result.found
    group = result.changed_to[1:]
    assert sorted(group.tolist()) == [0.0, 0.0, 1.0] and group[2] == 1.0


def test_one_hot_groups_stay_valid_after_standardizing():
    names = ["size", "kind=a", "kind=b"]
    rng = np.random.default_rng(3)
    onehot = np.eye(2)[rng.integers(0, 2, 50)]
    raw = np.column_stack([rng.uniform(0, 1, 50), onehot])
    mean, std = raw.mean(0), raw.std(0)
    train = ((raw - mean) / std).astype(np.float32)  # standardized: one-hot columns hold two odd numbers
    model = _model([[0.0, 1.0, -1.0], [0.0, -1.0, 1.0]])  # kind=b makes class 1
    subject = Subject((3,), class_names=["no", "yes"], feature_names=names)
    x = train[np.flatnonzero(raw[:, 1] == 1)[0]]
    result = find_counterfactual(model, subject, x, 1, train)
    assert result.found and result.changed == [1, 2]
    back = result.changed_to * std + mean
    assert np.allclose(back[1:], [0.0, 1.0], atol=1e-5)


def test_none_found_within_the_ranges():
    train = np.random.default_rng(2).uniform(0, 1, size=(40, 2)).astype(np.float32)
    model = _model([[1.0, 1.0], [0.0, 0.0]])  # class 0 wins for every non-negative input
    subject = Subject((2,), class_names=["a", "b"])
    result = find_counterfactual(model, subject, np.array([0.5, 0.5], np.float32), 1, train)
    assert not result.found and result.changed_to is None
    assert result.message.startswith("None found within the ranges")


def test_already_that_class_and_regression_are_explained():
    model = _model([[1.0], [0.0]])
    subject = Subject((1,), class_names=["a", "b"])
    result = find_counterfactual(model, subject, np.array([1.0], np.float32), 0, np.array([[0.0], [2.0]], np.float32))
    assert not result.found and "already predicts" in result.message
    with pytest.raises(Exception, match="regression"):
        find_counterfactual(_model([[1.0]]), Subject((1,), task="regression"), np.zeros(1), 0, np.zeros((2, 1)))
