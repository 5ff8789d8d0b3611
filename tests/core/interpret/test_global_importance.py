"""Permutation importance and mean |IG| rank an informative feature above pure noise."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nnstudio.core.interpret.control import AttributionControl, AttributionError, Cancelled
from nnstudio.core.interpret.global_importance import mean_abs_ig, permutation_importance
from nnstudio.core.interpret.subject import Subject


@pytest.fixture(scope="module")
def signal_and_noise():
    """Class = sign of feature 0; features 1 and 2 are pure noise."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(240, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    for _ in range(150):
        opt.zero_grad()
        nn.functional.cross_entropy(model(torch.as_tensor(x)), torch.as_tensor(y)).backward()
        opt.step()
    subject = Subject((3,), class_names=["no", "yes"], feature_names=["signal", "noise a", "noise b"])
    return model.eval(), subject, x, y


def test_permutation_importance_ranks_the_informative_feature_above_noise(signal_and_noise):
    model, subject, x, y = signal_and_noise
    steps = []
    result = permutation_importance(model, subject, x, y, repeats=3, control=AttributionControl(lambda d, t: steps.append((d, t))))
    assert result.names == ["signal", "noise a", "noise b"]
    assert result.ranking()[0] == 0
    assert result.values[0] > 0.3 and abs(result.values[1]) < 0.05 and abs(result.values[2]) < 0.05
    assert result.baseline_score > 0.9 and result.metric == "drop in accuracy"
    assert steps[-1] == (3 * 3 + 1, 3 * 3 + 1)  # the unshuffled score, then each column per repeat


def test_mean_abs_ig_ranks_the_informative_feature_first(signal_and_noise):
    model, subject, x, _ = signal_and_noise
    result = mean_abs_ig(model, subject, x, steps=16)
    assert result.ranking()[0] == 0
    assert result.values[0] > 3 * max(result.values[1], result.values[2])


def test_regression_uses_mean_squared_error(signal_and_noise):
    _, _, x, _ = signal_and_noise
    model = nn.Linear(3, 1)
    with torch.no_grad():
        model.weight[:] = torch.tensor([[2.0, 0.0, 0.0]])
        model.bias.zero_()
    y = 2 * x[:, 0:1]
    result = permutation_importance(model, Subject((3,), task="regression"), x, y, repeats=2)
    assert result.ranking()[0] == 0 and result.metric == "rise in mean squared error"
    assert result.values[1] == pytest.approx(0.0, abs=1e-6)


def test_cancel_and_images_are_refused(signal_and_noise):
    model, subject, x, y = signal_and_noise
    control = AttributionControl()
    control.token.cancel()
    with pytest.raises(Cancelled, match="cancelled; press Explain"):
        permutation_importance(model, subject, x, y, control=control)
    with pytest.raises(AttributionError, match="images"):
        mean_abs_ig(model, Subject((1, 8, 8)), np.zeros((4, 1, 8, 8), np.float32))
