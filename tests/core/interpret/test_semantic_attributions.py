"""Every attribution method's switches reach Captum: the target class, the baseline, Grad-CAM's layer and
"positive only". Each result is compared with Captum called directly here with the same settings, and a
changed setting must change the result (so a method that ignored it and used its default would fail)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum._utils.models.linear_model import SkLearnLasso
from captum.attr import (
    GuidedGradCam,
    IntegratedGradients,
    KernelShap,
    LayerAttribution,
    LayerGradCam,
    Lime,
    NoiseTunnel,
    Occlusion,
    Saliency,
)
from torch import nn

from nnstudio.core.interpret.explain import explain
from nnstudio.core.interpret.subject import Subject, conv_layers

N_FEATURES, SIDE = 5, 8
TRAIN_MEAN = np.array([0.8, -1.2, 0.5, 1.5, -0.7], dtype=np.float32)  # a baseline far from zeros

# Settings passed explicitly to both sides; small sample counts keep the test fast.
SETTINGS: dict[str, dict] = {
    "ig": {"steps": 40, "integration": "gausslegendre", "batch": 16},
    "saliency": {"absolute": False},
    "smoothgrad": {"samples": 12, "noise": 0.2, "variant": "smoothgrad", "absolute": False, "batch": 6, "seed": 3},
    "occlusion": {"window": 1, "stride": 1, "batch": 8},
    "lime": {"samples": 80, "alpha": 0.001, "batch": 16, "seed": 1},
    "kernelshap": {"samples": 80, "batch": 16, "seed": 2},
}
WITH_BASELINE = ("ig", "occlusion", "lime", "kernelshap")


@pytest.fixture(scope="module")
def mlp() -> nn.Module:
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(N_FEATURES, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3)).eval()


@pytest.fixture(scope="module")
def cnn() -> nn.Module:
    torch.manual_seed(2)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(6 * SIDE * SIDE, 3),
    ).eval()


def _row() -> np.ndarray:
    return np.random.default_rng(5).normal(size=N_FEATURES).astype(np.float32) * 1.5


def _image() -> np.ndarray:
    return np.random.default_rng(6).random((1, SIDE, SIDE)).astype(np.float32)


def _tabular_subject() -> Subject:
    return Subject((N_FEATURES,), class_names=["a", "b", "c"], train_mean=TRAIN_MEAN)


def _captum(method: str, model: nn.Module, x: torch.Tensor, target: int, baseline: torch.Tensor) -> np.ndarray:
    """What Captum itself answers for ``method`` with SETTINGS, this target and this baseline."""
    p = SETTINGS[method]
    x = x.clone().requires_grad_(True)
    mask = torch.arange(N_FEATURES)[None]
    if method == "ig":
        out = IntegratedGradients(model).attribute(x, baselines=baseline, target=target, n_steps=p["steps"],
                                                   method=p["integration"], internal_batch_size=p["batch"])
    elif method == "saliency":
        out = Saliency(model).attribute(x, target=target, abs=p["absolute"])
    elif method == "smoothgrad":
        spread = float(x.detach().max() - x.detach().min())
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(p["seed"])
            out = NoiseTunnel(Saliency(model)).attribute(
                x, nt_type=p["variant"], nt_samples=p["samples"], nt_samples_batch_size=p["batch"],
                stdevs=p["noise"] * spread, target=target, abs=p["absolute"])
    elif method == "occlusion":
        out = Occlusion(model).attribute(x, sliding_window_shapes=(1,), strides=(1,), target=target,
                                         baselines=baseline, perturbations_per_eval=p["batch"])
    elif method == "lime":
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(p["seed"])
            out = Lime(model, interpretable_model=SkLearnLasso(alpha=p["alpha"])).attribute(
                x, baselines=baseline, target=target, feature_mask=mask, n_samples=p["samples"],
                perturbations_per_eval=p["batch"])
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(p["seed"])
            out = KernelShap(model).attribute(x, baselines=baseline, target=target, feature_mask=mask,
                                              n_samples=p["samples"], perturbations_per_eval=p["batch"])
    return out.detach()[0].double().numpy()


def _params(method: str, baseline: str | None = None) -> dict:
    params = dict(SETTINGS[method])
    if baseline is not None:
        params["baseline"] = baseline
    if method in ("lime", "kernelshap"):
        params["segmentation"] = "grid"  # unused on tabular rows (one feature per column), set for clarity
    return params


@pytest.mark.parametrize("method", list(SETTINGS))
def test_the_target_class_reaches_captum(mlp, method):
    x = _row()
    subject = _tabular_subject()
    zeros = torch.zeros(1, N_FEATURES)
    results = {}
    for target in (0, 1):
        got = explain(mlp, subject, x, method, _params(method, "zeros" if method in WITH_BASELINE else None), target=target)
        assert got.target == target and got.target_name == "ab"[target]
        want = _captum(method, mlp, torch.from_numpy(x)[None], target, zeros)
        np.testing.assert_allclose(got.values, want, rtol=1e-5, atol=1e-6)
        results[target] = got.values
    assert not np.allclose(results[0], results[1], atol=1e-4)  # the target matters for this model


@pytest.mark.parametrize("method", WITH_BASELINE)
def test_a_non_zero_baseline_reaches_captum(mlp, method):
    x = _row()
    subject = _tabular_subject()
    with_mean = explain(mlp, subject, x, method, _params(method, "mean"), target=2)
    with_zeros = explain(mlp, subject, x, method, _params(method, "zeros"), target=2)
    want = _captum(method, mlp, torch.from_numpy(x)[None], 2, torch.from_numpy(TRAIN_MEAN)[None])
    np.testing.assert_allclose(with_mean.values, want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(with_mean.values, with_zeros.values, atol=1e-3)
    if method == "ig":  # completeness against the training mean: the sum is f(x) - f(mean)
        with torch.no_grad():
            gap = float(mlp(torch.from_numpy(x)[None])[0, 2] - mlp(torch.from_numpy(TRAIN_MEAN)[None])[0, 2])
        assert with_mean.values.sum() == pytest.approx(gap, rel=0.05)  # 40 steps: about 2% off
        assert with_mean.extra["score_gap"] == pytest.approx(gap, rel=1e-5)


def _gradcam_reference(cnn: nn.Module, x: torch.Tensor, layer: nn.Module, target: int, relu: bool) -> np.ndarray:
    cam = LayerGradCam(cnn, layer).attribute(x, target=target, relu_attributions=relu)
    up = LayerAttribution.interpolate(cam, (SIDE, SIDE), interpolate_mode="bilinear")
    return up.detach()[0].double().numpy()


def test_gradcam_positive_only_is_never_negative_and_without_it_shows_negative_evidence(cnn):
    x = _image()
    xt = torch.from_numpy(x)[None]
    subject = Subject((1, SIDE, SIDE), class_names=["a", "b", "c"], conv_layers=conv_layers(cnn))
    # (layer, target) pairs whose signed map has evidence both for and against the class
    for layer_name, target in (("0", 0), ("0", 1), ("0", 2), ("2", 1)):
        params = {"layer": layer_name}
        positive = explain(cnn, subject, x, "gradcam", {**params, "positive_only": True}, target=target).values
        signed = explain(cnn, subject, x, "gradcam", {**params, "positive_only": False}, target=target).values
        assert positive.min() >= 0.0 and positive.max() > 0.0
        assert signed.min() < 0.0 < signed.max()
        layer = cnn[int(layer_name)]
        np.testing.assert_allclose(positive, _gradcam_reference(cnn, xt, layer, target, True), rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(signed, _gradcam_reference(cnn, xt, layer, target, False), rtol=1e-5, atol=1e-9)
    default = explain(cnn, subject, x, "gradcam", {}, target=1)  # the defaults: last layer, positive only
    assert default.params["positive_only"] is True and default.extra["layer"] == "2"
    np.testing.assert_allclose(default.values, _gradcam_reference(cnn, xt, cnn[2], 1, True), rtol=1e-5, atol=1e-9)


def test_gradcam_target_and_layer_reach_captum(cnn):
    x = _image()
    xt = torch.from_numpy(x)[None]
    subject = Subject((1, SIDE, SIDE), class_names=["a", "b", "c"], conv_layers=conv_layers(cnn))
    assert subject.conv_layers == ["0", "2"]
    maps = {}
    for layer_name, layer in (("0", cnn[0]), ("2", cnn[2])):
        for target in (0, 1):
            got = explain(cnn, subject, x, "gradcam", {"layer": layer_name, "positive_only": False}, target=target)
            assert got.extra["layer"] == layer_name
            np.testing.assert_allclose(got.values, _gradcam_reference(cnn, xt, layer, target, False), rtol=1e-5, atol=1e-9)
            maps[layer_name, target] = got.values
    assert not np.allclose(maps["2", 0], maps["2", 1], atol=1e-5)
    assert not np.allclose(maps["0", 1], maps["2", 1], atol=1e-5)


def test_guided_gradcam_target_and_layer_reach_captum(cnn):
    x = _image()
    xt = torch.from_numpy(x)[None]
    subject = Subject((1, SIDE, SIDE), class_names=["a", "b", "c"], conv_layers=conv_layers(cnn))
    maps = {}
    for layer_name, layer in (("0", cnn[0]), ("2", cnn[2])):
        for target in (0, 1):
            got = explain(cnn, subject, x, "guided_gradcam", {"layer": layer_name}, target=target)
            want = GuidedGradCam(cnn, layer).attribute(xt.clone().requires_grad_(True), target=target, interpolate_mode="bilinear")
            np.testing.assert_allclose(got.values, want.detach()[0].double().numpy(), rtol=1e-5, atol=1e-9)
            maps[layer_name, target] = got.values
    assert not np.allclose(maps["2", 0], maps["2", 1], atol=1e-6)
    assert not np.allclose(maps["0", 0], maps["2", 0], atol=1e-6)
