"""The Training tab with a GAN project: Train trains both networks (the session nnstudio train runs, the same
numbers), the curves show both losses and the coverage, the plane the final generated points, the project keeps
both networks' weights; Pause, Step (one epoch) and Stop work on its run; a GAN whose networks do not fit is
refused with the reason; a GAN on digits shows its generated digits."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from nnstudio.core.generative.gan import PREFIX
from nnstudio.core.project.spec import Project
from nnstudio.core.workspace.gan_session import GanSession
from nnstudio.gui.panels.gan.digits_grid import GRID, GanDigitsGrid
from nnstudio.gui.panels.training.panel import SPEEDS

RUN_TIMEOUT_MS = 60_000


def _open_ring(window, epochs: int):
    window.new_from_template("gan_ring")
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    panel.epochs.setValue(epochs)  # as typed in the settings: the project's epochs
    assert window.document.project.training.epochs == epochs
    return panel


def test_train_on_the_training_tab_trains_the_gan(qtbot, main_window):
    window = main_window
    panel = _open_ring(window, 12)
    assert panel.problem_label.isHidden() and panel.train_button.isEnabled()
    assert panel.gan.view is not None and panel.gan.view.isVisible()  # the real points, before any run
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(panel.train_button, Qt.LeftButton)
    assert finished.args[0].result is not None
    trainer = panel.gan.session.trainer
    assert panel.progress.format().startswith("Done: 12 epochs in ")
    assert panel.status.text() == "Finished 12 epochs. Continue adds more epochs to this run."

    headless = GanSession.open(Project.from_dict(window.document.project.to_dict()), use_weights=False)
    headless.fit(12)  # nnstudio train's run of the same project
    assert trainer.history == headless.trainer.history
    for plot, name, key in ((panel.loss_plot, "D loss", "d_loss"), (panel.loss_plot, "G loss", "g_loss"),
                            (panel.metric_plot, "coverage", "coverage"), (panel.metric_plot, "distance", "distance")):
        xs, ys = plot.curve_data(name)
        assert xs.tolist() == list(range(1, 13)) and ys.tolist() == headless.trainer.history[key], name
    assert not panel.loss_plot.curve("validation loss").isVisible()  # no one-network curves beside them
    shown = np.column_stack(panel.gan.view.fake_points.getData())
    assert np.allclose(shown, headless.trainer.samples().numpy())  # the plane shows the last epoch's points

    project = window.document.project
    assert project.history["coverage"] == headless.trainer.history["coverage"]
    assert any(k.startswith(PREFIX) for k in project.weights) and "linear1.weight" in project.weights

    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.continue_button, Qt.LeftButton)  # 5 more epochs of the same networks
    assert trainer.epochs_done == 17 and panel.progress.format().startswith("Done: 17 epochs in ")
    assert len(window.document.project.history["d_loss"]) == 17


def test_pause_step_and_stop_a_gan_run(qtbot, main_window):
    window = main_window
    panel = _open_ring(window, 500)
    panel.speed.setValue(SPEEDS.index(0.03))  # 30 ms after each epoch: a run the buttons can catch
    with qtbot.waitSignal(panel.runner.epoch_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.train_button, Qt.LeftButton)
    control = panel.runner.control
    try:
        qtbot.mouseClick(panel.pause_button, Qt.LeftButton)
        assert panel.status.text() == "Pausing after the current epoch…"
        trainer = panel.gan.session.trainer
        qtbot.waitUntil(lambda: control.parked, timeout=RUN_TIMEOUT_MS)
        before = trainer.epochs_done
        paused = f"Paused after epoch {before}. Resume, or Step one more epoch."
        qtbot.waitUntil(lambda: panel.status.text() == paused, timeout=RUN_TIMEOUT_MS)  # once its epoch is shown
        assert panel.progress.format() == f"Epoch {before}/500"
        assert not panel.live_box.isEnabled()  # a GAN's learning rates are not changed from here
        qtbot.mouseClick(panel.step_button, Qt.LeftButton)
        assert panel.status.text() == "One more epoch of both networks, then paused."
        qtbot.waitUntil(lambda: trainer.epochs_done == before + 1 and control.parked, timeout=RUN_TIMEOUT_MS)
        paused = f"Paused after epoch {before + 1}. Resume, or Step one more epoch."
        qtbot.waitUntil(lambda: panel.status.text() == paused, timeout=RUN_TIMEOUT_MS)
        assert panel.progress.format() == f"Epoch {before + 1}/500"
    finally:
        with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
            qtbot.mouseClick(panel.stop_button, Qt.LeftButton)
    assert trainer.epochs_done == before + 1
    assert panel.progress.format() == f"Stopped after {before + 1} epochs" and panel.status.text() == "Stopped by the user"
    assert len(window.document.project.history["g_loss"]) == before + 1  # the epochs so far are kept


def test_a_gan_whose_networks_do_not_fit_is_refused_with_the_reason(qtbot, main_window):
    window = main_window
    window.new_from_template("gan_digits")
    architecture, training = window.architecture_panel, window.training_panel
    window.tabs.setCurrentWidget(architecture)
    architecture.networks.combo.setCurrentIndex(1)  # the discriminator
    architecture.select((0,))
    architecture.delete_selected()  # without its Flatten, a Linear of 64 gets the 1x8x8 image
    window.tabs.setCurrentWidget(training)
    assert not training.train_button.isEnabled()
    assert training.problem_label.text().startswith(
        "Cannot train yet: The discriminator (a sample of shape 1x8x8 in) does not build: Layer 1 (Linear) expects 64 "
        "input features but receives 1x8x8 = 64 values; add a Flatten layer before it"), training.problem_label.text()
    digits = training.gan.view
    assert isinstance(digits, GanDigitsGrid) and digits.grid.captions == []  # nothing generated yet

    window.ctx.undo_stack.undo()  # the Flatten back: it trains, and the grid shows the generated digits
    assert training.train_button.isEnabled() and training.problem_label.isHidden()
    training.epochs.setValue(2)
    with qtbot.waitSignal(training.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(training.train_button, Qt.LeftButton)
    samples = training.gan.session.trainer.samples()[:GRID].numpy()
    assert digits.grid.captions == digits.nearest(samples) and len(digits.grid.captions) == GRID
    assert training.progress.format().startswith("Done: 2 epochs in ")
