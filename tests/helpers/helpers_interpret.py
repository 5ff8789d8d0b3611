"""Small models and projects for the attribution tests."""

from __future__ import annotations

import torch
from torch import nn

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.document import load_model

SIDE, PATCH = 16, 6  # the patch covers 36 of 256 pixels, well under a quarter of the image


def patch_images(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Dim noise; class 1 has a bright square in the top-left corner, class 0 has none."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, SIDE, SIDE, generator=g) * 0.3
    y = torch.randint(0, 2, (n,), generator=g)
    x[y == 1, :, :PATCH, :PATCH] = 1.0
    return x, y


def trained_patch_cnn() -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 8 * 8, 2),
    )
    x, y = patch_images(200, 0)
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    for _ in range(40):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return model.eval()


def cnn_digits_project(trained: bool = True) -> Project:
    """Digits with one conv layer; 'trained' means weights are stored (random ones: fast, still valid)."""
    project = Project(
        name="CNN digits",
        architecture=ArchitectureSpec(
            [layer("conv2d", out_channels=4, kernel_size=3, padding=1), layer("relu"), layer("flatten"), layer("linear", out_features=10)],
            name="TinyCNN",
        ),
        data=DataSpec("digits"),
        training=TrainSpec(epochs=1),
    )
    if trained:
        project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)
    return project


def mlp_project(source: str = "iris", trained: bool = True) -> Project:
    project = Project(
        name=f"MLP {source}",
        architecture=ArchitectureSpec([layer("linear", out_features=8), layer("relu"), layer("linear", out_features=3)]),
        data=DataSpec(source),
        training=TrainSpec(epochs=1),
    )
    if trained:
        project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)
    return project


def open_interpret_page(window, qtbot, project: Project, page: str):
    """The project in the window, its Interpretability tab showing sub-view ``page`` (an attribute of the
    panel, such as ``latent_view``) once the tab has read the new network; returns (panel, view)."""
    window.document.replace(project)
    panel = window.interpret_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale)
    view = getattr(panel, page)
    panel.modes.setCurrentWidget(view)
    qtbot.waitUntil(view.isVisible)
    return panel, view
