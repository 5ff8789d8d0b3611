"""Attribution methods: completeness, localisation on a task with a known answer, eval mode, Cancel."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers_interpret import PATCH, SIDE, patch_images, trained_patch_cnn
from torch import nn

from nnstudio.core.base.registry import ATTRIBUTIONS
from nnstudio.core.interpret.control import AttributionControl, AttributionError, Cancelled
from nnstudio.core.interpret.explain import explain, predict
from nnstudio.core.interpret.subject import Subject, conv_layers


@pytest.fixture(scope="module")
def patch_model():
    return trained_patch_cnn()


def _mlp() -> nn.Module:
    torch.manual_seed(3)
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3)).eval()


def test_every_method_is_registered_with_help_and_params():
    names = set(ATTRIBUTIONS.names())
    assert {"ig", "saliency", "smoothgrad", "gradcam", "guided_gradcam", "occlusion", "lime", "kernelshap"} <= names
    for entry in ATTRIBUTIONS:
        assert len(entry.help) > 150, entry.name
        assert "Weakness" in entry.help or "weakness" in entry.help, entry.name
        for p in entry.params:
            assert p.help, (entry.name, p.name)
        assert entry.extra["expected"](entry.defaults(), Subject((1, 8, 8))) >= 1


@pytest.mark.parametrize("baseline", ["zeros", "mean"])
def test_integrated_gradients_completeness_checked_independently(baseline):
    model = _mlp()
    rng = np.random.default_rng(0)
    mean = rng.normal(size=5).astype(np.float32)
    subject = Subject((5,), class_names=["a", "b", "c"], train_mean=mean)
    x = rng.normal(size=5).astype(np.float32) * 2
    result = explain(model, subject, x, "ig", {"steps": 300, "baseline": baseline}, target=1)
    ref = np.zeros(5, np.float32) if baseline == "zeros" else mean
    with torch.no_grad():  # f evaluated here, not by the method under test
        gap = float(model(torch.from_numpy(x)[None])[0, 1] - model(torch.from_numpy(ref)[None])[0, 1])
    assert abs(gap) > 1e-3
    assert abs(result.values.sum() - gap) < 0.01 * abs(gap)
    assert result.delta is not None and result.delta < 0.01 * abs(gap)


def test_integrated_gradients_completeness_on_an_image_with_blurred_baseline(patch_model):
    x, _ = patch_images(1, 5)
    subject = Subject((1, SIDE, SIDE), class_names=["none", "patch"], conv_layers=conv_layers(patch_model))
    result = explain(patch_model, subject, x[0].numpy(), "ig", {"steps": 300, "baseline": "blurred"}, target=1)
    from nnstudio.core.interpret.baselines import gaussian_blur

    with torch.no_grad():
        gap = float(patch_model(x)[0, 1] - patch_model(gaussian_blur(x, SIDE / 6.0))[0, 1])
    assert abs(result.values.sum() - gap) < 0.01 * abs(gap)


@pytest.mark.parametrize("method", ["ig", "gradcam"])
def test_attribution_mass_lies_in_the_bright_patch_that_decides_the_class(patch_model, method):
    x, y = patch_images(40, 1)
    with torch.no_grad():
        assert (patch_model(x).argmax(1) == y).float().mean() > 0.95
    subject = Subject((1, SIDE, SIDE), class_names=["none", "patch"], conv_layers=conv_layers(patch_model))
    shown = 0
    for i in np.flatnonzero(y.numpy() == 1)[:6]:
        heat = explain(patch_model, subject, x[i].numpy(), method, target=1).heatmap()
        positive = np.clip(heat, 0, None)
        assert positive.sum() > 0
        assert positive[:PATCH, :PATCH].sum() / positive.sum() > 0.5
        shown += 1
    assert shown == 6


def test_methods_return_input_shaped_numpy_and_respect_target(patch_model):
    x, _ = patch_images(1, 2)
    subject = Subject((1, SIDE, SIDE), class_names=["none", "patch"], conv_layers=conv_layers(patch_model), train_mean=x[0].numpy() * 0)
    for method in ATTRIBUTIONS.names():
        params = {"samples": 20, "segmentation": "grid"} if method in ("lime", "kernelshap") else {}
        params |= {"samples": 5} if method == "smoothgrad" else {}
        params |= {"window": 4, "stride": 4} if method == "occlusion" else {}
        result = explain(patch_model, subject, x[0].numpy(), method, params, target=0)
        assert isinstance(result.values, np.ndarray)
        assert result.heatmap().shape == (SIDE, SIDE)
        assert result.target == 0 and result.target_name == "none"
        assert np.isfinite(result.values).all()


def test_default_target_is_the_predicted_class(patch_model):
    x, _ = patch_images(1, 2)
    subject = Subject((1, SIDE, SIDE), class_names=["none", "patch"], conv_layers=conv_layers(patch_model))
    result = explain(patch_model, subject, x[0].numpy(), "saliency")
    assert result.target == predict(patch_model, x[0].numpy(), subject).predicted


def test_attribution_runs_in_eval_mode_and_restores_training_mode():
    seen: list[bool] = []

    class Spy(nn.Module):
        def forward(self, x):
            seen.append(self.training)
            return x

    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), Spy(), nn.Linear(8, 2))
    model.train()
    subject = Subject((4,), class_names=["a", "b"])
    x = np.ones(4, np.float32)
    a = explain(model, subject, x, "ig", {"steps": 20})
    b = explain(model, subject, x, "ig", {"steps": 20})
    assert seen and not any(seen)
    np.testing.assert_allclose(a.values, b.values)  # dropout off: the same answer twice
    assert all(m.training for m in model.modules())


def test_cancel_takes_effect_within_one_batch():
    model = _mlp()
    subject = Subject((5,), class_names=["a", "b", "c"])
    for method, params in [("lime", {"samples": 400, "batch": 10}), ("kernelshap", {"samples": 400, "batch": 10}), ("occlusion", {"batch": 1})]:
        control = AttributionControl()
        calls: list[int] = []

        def progress(done: int, total: int, control=control, calls=calls) -> None:
            calls.append(done)
            if len(calls) == 2:  # cancel in the middle of the run, as the GUI's button would
                control.token.cancel()

        control.progress = progress
        with pytest.raises(Cancelled, match="cancelled; press Explain"):
            explain(model, subject, np.ones(5, np.float32), method, params, control=control)
        # The batch that was running when Cancel came finishes; no further batch starts.
        assert control.calls == 2, method


def test_cancel_before_start_runs_nothing():
    control = AttributionControl()
    control.token.cancel()
    with pytest.raises(Cancelled, match="cancelled; press Explain"):
        explain(_mlp(), Subject((5,), class_names=["a", "b", "c"]), np.ones(5, np.float32), "occlusion", control=control)
    assert control.calls == 0


def test_progress_reaches_the_expected_total():
    seen: list[tuple[int, int]] = []
    control = AttributionControl(lambda done, total: seen.append((done, total)))
    explain(_mlp(), Subject((5,), class_names=["a", "b", "c"]), np.ones(5, np.float32), "occlusion", control=control)
    assert seen[-1][0] == seen[-1][1] == 6  # 5 columns hidden one by one, plus the untouched input


def test_wrong_shape_and_target_are_explained():
    subject = Subject((5,), class_names=["a", "b", "c"])
    with pytest.raises(AttributionError, match="takes 5"):
        explain(_mlp(), subject, np.ones(4, np.float32), "saliency")
    with pytest.raises(AttributionError, match="3 outputs"):
        explain(_mlp(), subject, np.ones(5, np.float32), "saliency", target=7)


def test_regression_output_without_classes():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    subject = Subject((3,), task="regression", feature_names=["a", "b", "c"])
    result = explain(model, subject, np.ones(3, np.float32), "ig", {"steps": 100})
    with torch.no_grad():
        gap = float(model(torch.ones(1, 3)) - model(torch.zeros(1, 3)))
    assert abs(result.values.sum() - gap) < 0.01 * abs(gap) + 1e-6
    assert result.target_name == "output"


def test_gradcam_on_a_chosen_layer_and_an_unknown_one(patch_model):
    x, y = patch_images(10, 3)
    x = x[y == 1]
    subject = Subject((1, SIDE, SIDE), class_names=["none", "patch"], conv_layers=conv_layers(patch_model))
    assert subject.conv_layers == ["0", "3"]
    first = explain(patch_model, subject, x[0].numpy(), "gradcam", {"layer": "0", "positive_only": False}, target=1)
    last = explain(patch_model, subject, x[0].numpy(), "gradcam", {"positive_only": False}, target=1)
    assert first.extra["layer"] == "0" and last.extra["layer"] == "3"
    assert first.heatmap().shape == last.heatmap().shape == (SIDE, SIDE)
    assert not np.allclose(first.values, last.values)
    with pytest.raises(AttributionError, match="choose one of: 0, 3"):
        explain(patch_model, subject, x[0].numpy(), "gradcam", {"layer": "7"})
