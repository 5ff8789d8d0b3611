"""Diffusion on 2-D points: the forward process against the schedule's closed form, the noising layer and
the loss, and a trained model whose samples end closer to the data than the noise they started from."""

from __future__ import annotations

import math

import pytest
import torch

from nnstudio.core.base.registry import LOSSES
from nnstudio.core.generative.diffusion import (
    DiffusionNoise,
    Schedule,
    diffusion_figures,
    forward_cloud,
    q_sample,
    sample,
)
from nnstudio.core.generative.diffusion_kinds import DiffusionLossFn
from nnstudio.core.project.file_format import load_project
from nnstudio.core.project.templates import example_path
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.session import train_project

SCHED = Schedule(50, 1e-3, 0.2)
X0 = torch.tensor([[1.5, -0.5]], dtype=torch.float64)


def test_alpha_bar_is_the_running_product_of_one_minus_beta():
    betas = [1e-3 + (0.2 - 1e-3) * i / 49 for i in range(50)]
    for t in (0, 1, 10, 49):
        assert float(SCHED.alpha_bars[t]) == pytest.approx(math.prod(1 - b for b in betas[: t + 1]), rel=1e-9)
    assert float(SCHED.alpha_bars[-1]) < 0.01  # the last step is (almost) pure noise


@pytest.mark.parametrize("t", [0, 5, 20, 49])
def test_forward_process_statistics_match_the_closed_form(t):
    torch.manual_seed(0)
    x0 = X0.repeat(40_000, 1)
    xt = q_sample(SCHED, x0, torch.full((len(x0),), t), torch.randn_like(x0))
    scale, spread = SCHED.closed_form(t)
    assert scale == pytest.approx(math.sqrt(float(SCHED.alpha_bars[t])))
    assert xt.mean(0).tolist() == pytest.approx((scale * X0[0]).tolist(), abs=4 * spread / math.sqrt(len(x0)) + 1e-4)
    assert xt.std(0).tolist() == pytest.approx([spread, spread], rel=0.02)


def test_the_noising_layer_hands_on_x_t_and_the_step_and_the_loss_targets_its_noise():
    layer = DiffusionNoise(SCHED, 16)
    x0 = torch.randn(64, 2)
    out = layer(x0)
    assert out.shape == (64, 18)
    abar = SCHED.alpha_bars.float()[layer.last_t].unsqueeze(1)
    assert torch.allclose(out[:, :2], abar.sqrt() * x0 + (1 - abar).sqrt() * layer.noise, atol=1e-6)
    loss = DiffusionLossFn()
    loss.bind(torch.nn.Sequential(layer))
    noise = layer.noise.clone()
    assert float(loss(torch.zeros(64, 2), x0)) == pytest.approx(float((noise**2).mean()), rel=1e-6)


def test_forward_cloud_is_fixed_by_its_seed():
    x0 = torch.randn(100, 2)
    assert torch.equal(forward_cloud(SCHED, x0, 30, seed=3), forward_cloud(SCHED, x0, 30, seed=3))
    assert torch.equal(forward_cloud(SCHED, x0, -1), x0)


def test_the_loss_says_the_network_must_end_with_two_outputs():
    problem = LOSSES.get("diffusion").obj.problem({}, "regression", 3, 0)
    assert problem == "The diffusion loss guesses the 2-D noise, but the network ends with 3 outputs; end with Linear(2)"


def test_trained_samples_end_closer_to_the_data_than_their_noise():
    project = load_project(example_path("diffusion_spiral"))
    project.data.params["n_samples"] = 1000
    project.training.batch_size = 100
    project.training.lr = 0.01
    train_project(project, epochs=25)
    model = load_model(project, None)
    data = model.bundle.train.x
    figures = diffusion_figures(model.built.module, data, n=400)
    assert figures["noise_distance"] > 0.05  # noise is far from a spiral
    assert figures["sample_distance"] < 0.35 * figures["noise_distance"], figures
    walk = sample(model.built.module, 50, seed=1)
    assert walk.shape == (51, 50, 2)
