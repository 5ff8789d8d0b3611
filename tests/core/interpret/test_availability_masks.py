"""Which methods apply to which model and input, superpixel masks, baselines and the numpy pictures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nnstudio.core.base.registry import ATTRIBUTIONS
from nnstudio.core.interpret import render
from nnstudio.core.interpret.availability import available_methods, choice_reasons, param_reasons
from nnstudio.core.interpret.baselines import make_baseline
from nnstudio.core.interpret.control import AttributionError
from nnstudio.core.interpret.explain import explain
from nnstudio.core.interpret.masks import grid_segments, image_feature_mask, slic_segments
from nnstudio.core.interpret.subject import Subject


def test_gradcam_needs_a_conv_layer_and_an_image():
    mlp_on_image = Subject((1, 8, 8), conv_layers=[])
    reasons = available_methods(mlp_on_image)
    assert "no" in reasons["gradcam"] and "Conv2d" in reasons["gradcam"]
    assert reasons["guided_gradcam"]
    assert reasons["ig"] == reasons["lime"] == reasons["occlusion"] == ""
    assert available_methods(Subject((1, 8, 8), conv_layers=["0"]))["gradcam"] == ""
    assert "not an image" in available_methods(Subject((4,), conv_layers=["1"]))["gradcam"]


def test_explain_refuses_a_method_that_does_not_apply_with_the_reason():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    with pytest.raises(AttributionError, match="convolutional layer"):
        explain(model, Subject((1, 8, 8)), np.zeros((1, 8, 8), np.float32), "gradcam")


def test_token_inputs_disable_every_method():
    reasons = available_methods(Subject((12,), input_kind="tokens"))
    assert all("tokens" in r for r in reasons.values())


def test_superpixels_and_blur_do_not_apply_to_tabular_data():
    tabular = Subject((4,), train_mean=np.zeros(4, np.float32))
    for name in ("lime", "kernelshap"):
        entry = ATTRIBUTIONS.get(name)
        reasons = param_reasons(entry, tabular)
        assert "Superpixels" in reasons["segmentation"] and "segments" in reasons
        assert not any(name == "segmentation" for name, _ in choice_reasons(entry, tabular))  # ignored as a whole
        assert param_reasons(entry, Subject((1, 8, 8))) == {}
    ig = ATTRIBUTIONS.get("ig")
    assert ("baseline", "blurred") in choice_reasons(ig, tabular)
    assert ("baseline", "blurred") not in choice_reasons(ig, Subject((1, 8, 8), train_mean=np.zeros((1, 8, 8))))
    with pytest.raises(AttributionError, match="not an image"):
        explain(nn.Linear(4, 2), Subject((4,), class_names=["a", "b"]), np.ones(4, np.float32), "ig", {"baseline": "blurred"})


def test_tabular_lime_uses_one_feature_per_column():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 2))
    subject = Subject((4,), class_names=["a", "b"], feature_names=list("pqrs"))
    result = explain(model, subject, np.ones(4, np.float32), "kernelshap", {"samples": 60})
    assert result.extra["features"] == 4
    # A linear model's Shapley values against a zero baseline are weight x input, exactly.
    expected = model[0].weight[result.target].detach().numpy()
    np.testing.assert_allclose(result.values, expected, atol=0.05)


def test_grid_and_slic_segments_are_gapless_labels():
    grid = grid_segments(8, 8, 16)
    assert grid.shape == (8, 8) and set(np.unique(grid)) == set(range(16))
    assert (grid[:2, :2] == grid[0, 0]).all()
    img = np.zeros((1, 16, 16), np.float32)
    img[:, 3:11, 4:12] = 1.0
    slic = slic_segments(img, 9)
    labels = np.unique(slic)
    assert labels[0] == 0 and labels[-1] == len(labels) - 1 and len(labels) >= 4
    # A superpixel does not straddle the sharp edge of the bright square.
    for k in labels:
        values = img[0][slic == k]
        assert values.min() == values.max()
    mask = image_feature_mask(np.zeros((3, 8, 8), np.float32), "grid", 4)
    assert mask.shape == (3, 8, 8) and (mask[0] == mask[2]).all()


def test_baselines():
    x = torch.rand(1, 1, 8, 8)
    subject = Subject((1, 8, 8), train_mean=np.full((1, 8, 8), 0.25, np.float32))
    assert make_baseline("zeros", x, subject).abs().sum() == 0
    assert torch.allclose(make_baseline("mean", x, subject), torch.full_like(x, 0.25))
    blurred = make_baseline("blurred", x, subject)
    assert blurred.shape == x.shape and blurred.std() < x.std()
    assert abs(float(blurred.mean() - x.mean())) < 0.1
    with pytest.raises(AttributionError, match="training mean"):
        make_baseline("mean", x, Subject((1, 8, 8)))


def test_overlay_changes_pixels_where_attribution_is_high_only():
    image = render.image_rgb(np.full((1, 4, 4), 0.5, np.float32))
    heat = np.zeros((4, 4))
    heat[0, 0], heat[3, 3] = 5.0, -5.0
    norm = render.normalize(heat)
    out = render.overlay(image, norm, "signed", 0.8)
    assert out[0, 0, 0] > image[0, 0, 0] + 0.2 and out[3, 3, 2] > out[3, 3, 0]  # red for, blue against
    np.testing.assert_allclose(out[1, 1], image[1, 1])
    assert np.array_equal(render.overlay(image, norm, "signed", 0.0), image)
    assert render.upscale(render.to_uint8(out), 64).shape == (64, 64, 3)
    for name in render.COLORMAPS:
        table = render.colormap_table(name)
        assert table.shape == (256, 3) and table.min() >= 0 and table.max() <= 1


def test_bar_chart_is_an_image():
    chart = render.bar_chart(["a long feature name", "b"], np.array([1.0, -0.5]), "title")
    assert chart.ndim == 3 and chart.shape[2] == 3 and chart.shape[1] == 640
