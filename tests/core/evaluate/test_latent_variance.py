"""The latent-space map's caption numbers: the variance its 2 PCA axes keep (against scikit-learn and
against the covariance's eigenvalues), a share that never reads 100% unless it is, and the units that
never fire (dead ReLUs), which make a 16-D representation look 2-D."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from torch import nn

from nnstudio.core.interpret.internals import dead_units_text, kept_share_text, latent_space, project_2d
from nnstudio.core.interpret.subject import Subject


def test_kept_variance_matches_sklearn_and_the_eigenvalues():
    rng = np.random.default_rng(0)
    hidden = rng.normal(size=(200, 16)) @ rng.normal(size=(16, 16))
    _, kept = project_2d(hidden)
    assert kept == pytest.approx(PCA(2).fit(hidden).explained_variance_ratio_.sum(), rel=1e-9)
    eig = np.sort(np.linalg.eigvalsh(np.cov(hidden, rowvar=False)))[::-1]
    assert kept == pytest.approx(eig[:2].sum() / eig.sum(), rel=1e-9)
    assert 0.3 < kept < 0.7


def test_nothing_varies_keeps_nothing_instead_of_nan():
    _, kept = project_2d(np.zeros((50, 16)))  # scikit-learn's ratio is 0/0 here
    assert kept == 0.0
    _, kept = project_2d(np.ones((50, 1)))
    assert kept == 0.0


def test_the_share_reads_100_percent_only_when_it_is_all():
    assert kept_share_text(0.996) == "99.6%"
    assert kept_share_text(0.9999) == "99.9%"
    assert kept_share_text(1.0) == "100%"
    assert kept_share_text(0.873) == "87%"


def _mostly_dead_network() -> nn.Sequential:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 2))
    with torch.no_grad():
        net[0].bias[4:] = -1e3  # 12 of the 16 units are negative before the ReLU for any input
    return net


def test_dead_units_are_counted_and_said():
    net = _mostly_dead_network()
    x = np.random.default_rng(1).normal(size=(120, 30)).astype(np.float32)
    y = np.zeros(120, dtype=np.int64)
    subject = Subject((30,), "classification", "float", ["a", "b"], [f"f{i}" for i in range(30)])
    latent = latent_space(net, subject, x, y, "1")
    assert latent.dimensions == 16 and latent.dead_units == 12
    hidden = torch.relu(net[0](torch.as_tensor(x))).detach().double().numpy()
    assert latent.explained == pytest.approx(PCA(2).fit(hidden).explained_variance_ratio_.sum(), rel=1e-9)
    assert dead_units_text(latent) == " 12 of 16 units never fire on this data; the map shows the other 4."
