"""Grad-CAM against the formula computed by hand, without Captum: weigh each feature map of the layer by the
spatial mean of the target score's gradient, sum, and (positive only) keep the part above zero.

The layer keeps the image size (padding 1), so stretching the map back over the image changes nothing.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnstudio.core.interpret.explain import explain
from nnstudio.core.interpret.subject import Subject, conv_layers

SIDE = 6


def _cnn() -> nn.Module:
    torch.manual_seed(4)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * SIDE * SIDE, 2)).eval()


def _by_hand(model: nn.Module, x: np.ndarray, target: int, positive_only: bool) -> np.ndarray:
    xt = torch.from_numpy(x)[None]
    maps = model[0](xt)  # the layer's output: batch x maps x height x width
    maps.retain_grad()
    score = model[3](model[2](model[1](maps)))[0, target]
    score.backward()
    weights = maps.grad.mean(dim=(2, 3), keepdim=True)
    cam = (weights * maps).sum(dim=1).detach()
    return (cam.clamp_min(0.0) if positive_only else cam).double().numpy()


def test_gradcam_equals_the_formula_with_and_without_positive_only():
    model = _cnn()
    x = np.random.default_rng(2).normal(size=(1, SIDE, SIDE)).astype(np.float32)
    subject = Subject((1, SIDE, SIDE), class_names=["a", "b"], conv_layers=conv_layers(model))
    for target in (0, 1):
        signed = _by_hand(model, x, target, positive_only=False)
        assert signed.min() < 0.0 < signed.max()  # evidence both for and against: the ReLU shows
        for positive_only in (True, False):
            got = explain(model, subject, x, "gradcam", {"positive_only": positive_only}, target=target).values
            np.testing.assert_allclose(got.reshape(signed.shape), _by_hand(model, x, target, positive_only),
                                       rtol=1e-4, atol=1e-6, err_msg=f"target {target}, positive only {positive_only}")
