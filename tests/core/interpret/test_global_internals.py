"""Inside the network: feature maps, filters, conductance and a latent map with one point per example."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nnstudio.core.interpret import internals
from nnstudio.core.interpret.control import AttributionControl, AttributionError, Cancelled
from nnstudio.core.interpret.live import LiveAttributionCallback
from nnstudio.core.interpret.subject import Subject


def _cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 3)).eval()


SUBJECT = Subject((1, 8, 8), class_names=["a", "b", "c"], conv_layers=["0"])


def test_feature_maps_filters_and_conductance():
    model = _cnn()
    x = np.random.default_rng(0).random((1, 8, 8)).astype(np.float32)
    maps = internals.feature_maps(model, x, "0", SUBJECT)
    assert maps.shape == (4, 8, 8)
    expected = model[0](torch.as_tensor(x)[None]).detach()[0].numpy()
    assert np.allclose(maps, expected, atol=1e-6)
    assert internals.first_conv_filters(model).shape == (4, 1, 3, 3)
    cond = internals.layer_conductance(model, SUBJECT, x, "1", target=2, steps=16)
    assert cond.per_unit.shape == (4,) and cond.target == 2
    # Conductance splits the score difference (input vs zero baseline) among the units.
    with torch.no_grad():
        gap = float(model(torch.as_tensor(x)[None])[0, 2] - model(torch.zeros(1, 1, 8, 8))[0, 2])
    assert cond.per_unit.sum() == pytest.approx(gap, abs=0.05 * abs(gap) + 1e-3)
    with pytest.raises(AttributionError, match="not a convolutional layer"):
        internals.feature_maps(model, x, "3", SUBJECT)
    with pytest.raises(AttributionError, match="no layer"):
        internals.layer_conductance(model, SUBJECT, x, "nope")


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_latent_projection_has_one_point_per_test_example(method):
    model = _cnn()
    rng = np.random.default_rng(1)
    x = rng.random((40, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    steps = []
    latent = internals.latent_space(model, SUBJECT, x, y, "2", method, control=AttributionControl(lambda d, t: steps.append(d)))
    assert latent.points.shape == (40, 2) and np.isfinite(latent.points).all()
    assert latent.dimensions == 4 * 8 * 8 and len(latent.predicted) == 40 and len(latent.labels) == 40
    assert steps  # progress reported
    assert (latent.explained is not None) == (method == "pca")


def test_tsne_stops_on_cancel():
    hidden = np.random.default_rng(3).normal(size=(60, 5))
    calls = []
    control = AttributionControl()

    def progress(done, total):
        calls.append(done)
        if done >= 20:
            control.token.cancel()

    control.progress = progress
    with pytest.raises(Cancelled, match="cancelled; press Explain"):
        internals.project_2d(hidden, "tsne", control=control)
    assert 20 <= max(calls) < 500


def test_live_callback_explains_a_copy_of_the_model_each_epoch():
    model = _cnn()
    model.train()
    frames = []
    x = np.ones((1, 8, 8), np.float32)
    callback = LiveAttributionCallback(SUBJECT, x, frames.append, "gradcam")

    class State:
        epoch = 1

    state = State()
    state.model = model
    callback.on_epoch_end(state, {"loss": 1.0})
    state.epoch = 2
    callback.on_epoch_end(state, {"loss": 0.5})
    assert [f.epoch for f in frames] == [1, 2]
    assert frames[0].heat.shape == (8, 8) and not frames[0].error and frames[1].metrics == {"loss": 0.5}
    assert model.training  # the run's module was never switched to eval mode
