"""A plain autoencoder is cut at its 2-number code into encoder and decoder (as a VAE is at its Gaussian
latent); other networks are not: a classifier, a code of another width, a network whose narrowest layer is
its output."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nnstudio.core.interpret.vae_views import run_part, split_autoencoder


def _autoencoder(code: int) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, code), nn.Linear(code, 16),
                         nn.ReLU(), nn.Linear(16, 64), nn.Sigmoid())


def test_an_autoencoder_is_cut_after_its_code_and_the_halves_rebuild_its_output():
    model = _autoencoder(2)
    x = np.random.default_rng(0).random((5, 8, 8)).astype(np.float32)
    encoder, decoder = split_autoencoder(model, torch.as_tensor(x))
    assert len(encoder) == 4 and encoder[3] is model[3] and decoder[0] is model[4]
    codes = run_part(encoder, x)
    assert codes.shape == (5, 2)
    with torch.no_grad():
        whole = model(torch.as_tensor(x)).numpy()
    assert run_part(decoder, codes) == pytest.approx(whole, abs=1e-6)


@pytest.mark.parametrize("model", [
    _autoencoder(3),  # a code of 3 numbers has no plane to click
    nn.Sequential(nn.Flatten(), nn.Linear(64, 2), nn.Linear(2, 10)),  # a classifier: its output is not its input
    nn.Sequential(nn.Flatten(), nn.Linear(64, 64)),  # no bottleneck before the output
])
def test_other_networks_are_not_cut(model):
    assert split_autoencoder(model, torch.zeros(1, 8, 8)) is None
