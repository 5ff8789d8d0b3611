"""The VAE: the Gaussian latent layer (sample while training, mean when evaluating), the KL term against its
closed form, the loss's two terms in the history, and a trained digits VAE rebuilding better than an untrained one."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from nnstudio.core.arch.layers_vae import GaussianLatent, split_vae
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.evaluate.vae_figures import vae_figures
from nnstudio.core.project.templates import TEMPLATES
from nnstudio.core.training.vae_loss import VAELossFn
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.session import train_project

MEAN = torch.tensor([[0.0, 0.0], [1.0, -2.0], [0.5, 0.25]])
LOGVAR = torch.tensor([[0.0, 0.0], [math.log(4.0), math.log(0.25)], [-1.0, 0.5]])


def test_kl_matches_the_closed_form_on_fixed_tensors():
    layer = GaussianLatent(2)
    layer.eval()
    layer(torch.cat([MEAN, LOGVAR], dim=1))
    kl = layer.take_kl(3)
    # By hand for row 1: 0.5 * ((1 + 4 - 1 - ln 4) + (4 + 0.25 - 1 - ln 0.25))
    by_hand = 0.5 * ((1 + 4 - 1 - math.log(4)) + (4 + 0.25 - 1 - math.log(0.25)))
    torch_kl = kl_divergence(Normal(MEAN, torch.exp(0.5 * LOGVAR)), Normal(0.0, 1.0)).sum(dim=1)
    assert kl[0].item() == 0.0
    assert kl[1].item() == pytest.approx(by_hand, rel=1e-6)
    assert torch.allclose(kl, torch_kl, atol=1e-6)


def test_eval_mode_returns_the_mean_and_train_mode_samples():
    layer = GaussianLatent(2)
    x = torch.cat([MEAN, LOGVAR], dim=1)
    layer.eval()
    assert torch.equal(layer(x), MEAN) and torch.equal(layer(x), MEAN)
    layer.train()
    torch.manual_seed(0)
    a, b = layer(x), layer(x)
    assert not torch.equal(a, b)
    # a draw of 20,000 from row 1 has its mean and spread (sd 2 and 0.5)
    many = layer(torch.cat([MEAN[1:2], LOGVAR[1:2]], dim=1).repeat(20_000, 1))
    assert many.mean(0).tolist() == pytest.approx([1.0, -2.0], abs=0.05)
    assert many.std(0).tolist() == pytest.approx([2.0, 0.5], rel=0.03)


def test_vae_loss_is_reconstruction_plus_beta_times_kl():
    model = torch.nn.Sequential(GaussianLatent(2))
    model.eval()
    loss = VAELossFn(beta=0.5, kind="squared")
    loss.bind(model)
    x = torch.cat([MEAN, LOGVAR], dim=1)
    y = torch.zeros(3, 2)
    with torch.no_grad():
        value = loss(model(x), y)
    recon = (MEAN**2).sum(1).mean()
    kl = GaussianLatent.kl(MEAN, LOGVAR).mean()
    assert value.item() == pytest.approx((recon + 0.5 * kl).item(), rel=1e-6)
    assert loss.epoch_terms() == {"val_recon": pytest.approx(recon.item()), "val_kl": pytest.approx(kl.item())}


def test_the_vae_loss_refuses_a_network_without_a_gaussian_latent():
    project = TEMPLATES["autoencoder"].project()
    project.training.loss, project.training.loss_params = "vae", {}
    with pytest.raises(NNStudioError, match="needs a GaussianLatent layer"):
        train_project(project, epochs=1)


def test_trained_digits_vae_rebuilds_better_than_untrained_and_records_both_terms():
    project = TEMPLATES["vae_digits"].project()
    fresh = load_model(project, None)
    untrained = vae_figures(fresh.built.module, fresh.bundle)
    result = train_project(project, epochs=4)
    for key in ("train_recon", "train_kl", "val_recon", "val_kl"):
        assert len(result.history[key]) == 4, key
    # the loss is the sum of its terms (beta 1)
    assert result.history["val_loss"][-1] == pytest.approx(result.history["val_recon"][-1] + result.history["val_kl"][-1], rel=1e-5)
    loaded = load_model(project, None)  # the weights train_project stored in the project
    trained = vae_figures(loaded.built.module, loaded.bundle)
    assert trained["test"]["reconstruction_mse"] < 0.75 * untrained["test"]["reconstruction_mse"]
    assert trained["test"]["kl"] > 0.0
    encoder, decoder = split_vae(loaded.built.module)
    assert isinstance(encoder[-1], GaussianLatent) and decoder[-1].__class__.__name__ == "Sigmoid"
