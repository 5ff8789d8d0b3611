"""The digits GAN's view: Train runs epochs in the background and shows a grid of generated digits after each,
with the slider back to the digits before training; the curves are the run's losses and coverage."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.core.project.gan_templates import gan_digits
from nnstudio.core.project.spec import Project
from nnstudio.core.workspace.gan_session import GanSession
from nnstudio.gui.panels.gan.digits_view import GRID, GanDigitsView


@pytest.fixture
def view(qtbot):
    project = Project.from_dict(gan_digits().to_dict())
    widget = GanDigitsView(GanSession.open(project))
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    widget.show()
    yield widget
    assert widget.shutdown()


def test_train_shows_a_grid_of_generated_digits_per_epoch(view, qtbot):
    before = view.grids[0].copy()
    view.epochs.setValue(2)
    with qtbot.waitSignal(view.runner.completed, timeout=60_000):
        qtbot.mouseClick(view.train, Qt.LeftButton)
    assert len(view.grids) == 3 and view.slider.maximum() == 2
    assert view.grids[2].shape == (GRID, 1, 8, 8)
    assert np.array_equal(view.grids[2], view.trainer.samples().numpy()[:GRID])
    assert not np.array_equal(view.grids[2], before)  # the generator learned something
    assert len(view.grid.captions) == GRID and set(view.grid.captions) <= {str(d) for d in range(10)}
    assert view.epoch_label.text().startswith("Generated digits after epoch 2")
    assert list(view.cover_curve.getData()[1]) == view.trainer.history["coverage"]
    assert f"coverage {view.trainer.history['coverage'][-1]:.2f}" in view.figures.text()
    view.slider.setValue(0)
    assert view.epoch_label.text().startswith("Generated digits before training")
    assert view.train.isEnabled()
