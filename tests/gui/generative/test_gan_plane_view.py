"""The 2-D GAN view: Step D updates only the discriminator (the verdict over the plane changes, the generated
points stay), Step G only the generator (the points move, the verdict stays); the figures line counts both."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from nnstudio.core.project.gan_templates import gan_ring
from nnstudio.core.project.spec import Project
from nnstudio.core.workspace.gan_session import GanSession
from nnstudio.gui.panels.gan.plane_view import GanPlaneView


@pytest.fixture
def view(qtbot) -> GanPlaneView:
    widget = GanPlaneView(GanSession.open(Project.from_dict(gan_ring().to_dict())))
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    widget.show()
    return widget


def _params(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _same(before: list[torch.Tensor], module: torch.nn.Module) -> bool:
    return all(torch.equal(a, b) for a, b in zip(before, module.parameters(), strict=True))


def _shown(view: GanPlaneView) -> tuple[np.ndarray, np.ndarray]:
    x, y = view.fake_points.getData()
    return np.column_stack([x, y]), view.heatmap.image.copy()


def test_step_d_moves_only_the_discriminator_and_step_g_only_the_generator(view, qtbot):
    trainer = view.trainer
    gen, disc = _params(trainer.generator), _params(trainer.discriminator)
    points, shade = _shown(view)
    with qtbot.waitSignal(view.stepped) as blocker:
        qtbot.mouseClick(view.step_d, Qt.LeftButton)
    assert blocker.args == ["d"]
    assert _same(gen, trainer.generator) and not _same(disc, trainer.discriminator)
    after_points, after_shade = _shown(view)
    assert np.array_equal(after_points, points) and not np.array_equal(after_shade, shade)
    assert "D steps 1   G steps 0" in view.figures.text()

    gen, disc = _params(trainer.generator), _params(trainer.discriminator)
    with qtbot.waitSignal(view.stepped):
        qtbot.mouseClick(view.step_g, Qt.LeftButton)
    assert not _same(gen, trainer.generator) and _same(disc, trainer.discriminator)
    moved_points, moved_shade = _shown(view)
    assert not np.array_equal(moved_points, after_points) and np.array_equal(moved_shade, after_shade)
    assert "D steps 1   G steps 1" in view.figures.text()


def test_train_epoch_plots_both_losses_and_the_coverage(view, qtbot):
    with qtbot.waitSignal(view.stepped):
        qtbot.mouseClick(view.epoch, Qt.LeftButton)
    history = view.trainer.history
    assert list(view.d_curve.getData()[1]) == history["d_loss"]
    assert list(view.g_curve.getData()[1]) == history["g_loss"]
    assert list(view.cover_curve.getData()[1]) == history["coverage"]
    assert f"coverage {history['coverage'][-1]:.3f}" in view.figures.text()
    assert "epochs 1" in view.figures.text()
