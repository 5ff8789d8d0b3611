"""Partial dependence and ICE: a model linear in a feature gives a straight line; raw units go through the encoder."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nnstudio.core.interpret.dependence import feature_grid, partial_dependence, partial_dependence_2d
from nnstudio.core.interpret.subject import Subject


def _linear(weights: list[float], bias: float = 0.0) -> nn.Module:
    model = nn.Linear(len(weights), 1)
    with torch.no_grad():
        model.weight[:] = torch.tensor([weights])
        model.bias.fill_(bias)
    return model


def test_pdp_of_a_model_linear_in_a_feature_is_linear():
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 3, size=(50, 3)).astype(np.float32)
    model = _linear([1.5, -0.5, 0.25], 0.3)
    subject = Subject((3,), task="regression", feature_names=["a", "b", "c"])
    d = partial_dependence(model, subject, x, 0, points=15)
    assert d.feature == "a" and d.target_name == "predicted value"
    assert len(d.grid) == 15 and d.grid[0] == pytest.approx(x[:, 0].min()) and d.grid[-1] == pytest.approx(x[:, 0].max())
    slope, intercept = np.polyfit(d.grid, d.pdp, 1)
    assert slope == pytest.approx(1.5, rel=1e-4)
    assert np.abs(d.pdp - (slope * d.grid + intercept)).max() < 1e-4
    # ICE lines of a model without interactions are parallel: each one is the PDP shifted.
    assert d.ice.shape == (50, 15)
    assert np.allclose(np.diff(d.ice, axis=1), np.diff(d.pdp)[None], atol=1e-4)


def test_pdp_of_a_classifier_is_a_probability_and_the_grid_uses_distinct_values():
    x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [1.0, 1.0]] * 3, dtype=np.float32)
    model = nn.Sequential(nn.Linear(2, 2))
    subject = Subject((2,), class_names=["a", "b"])
    d = partial_dependence(model, subject, x, 0, target=1)
    assert np.array_equal(d.grid, [0.0, 1.0, 2.0])
    assert ((d.pdp >= 0) & (d.pdp <= 1)).all() and d.target_name == "probability of b"


def test_raw_units_go_through_the_encoder():
    raw = np.array([[10.0, 1.0], [20.0, 2.0], [30.0, 3.0], [40.0, 4.0]])
    encode = lambda rows: (np.asarray(rows, dtype=np.float64) - 25.0) / 10.0  # noqa: E731 - a standardizing pipeline
    model = _linear([2.0, 0.0])
    d = partial_dependence(model, Subject((2,), task="regression"), raw, 0, points=4, encode=encode)
    assert np.allclose(d.grid, [10, 20, 30, 40])
    assert np.allclose(d.pdp, 2 * (d.grid - 25) / 10, atol=1e-5)


def test_two_feature_pdp_is_a_plane_for_a_linear_model():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(30, 3)).astype(np.float32)
    d = partial_dependence_2d(_linear([1.0, -2.0, 0.5]), Subject((3,), task="regression"), x, (0, 1), points=6)
    assert d.pdp.shape == (6, 6)
    expected = d.grid_a[:, None] - 2 * d.grid_b[None, :]
    assert np.allclose(d.pdp - d.pdp[0, 0], expected - expected[0, 0], atol=1e-4)


def test_feature_grid_spans_the_range():
    assert np.allclose(feature_grid(np.linspace(-1, 1, 100), 5), [-1, -0.5, 0, 0.5, 1])
