"""The Training tab driven through its buttons: a run started, paused, stepped, edited, resumed, stopped,
continued, reset; the curves equal the recorded history; problems are explained before Train."""

from __future__ import annotations

import math

import numpy as np
import shiboken6
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.core.training.callbacks import Callback
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.settings_store import SettingsStore

LONG = 120_000


def click(qtbot, widget):
    assert widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def set_epochs(panel, epochs):
    panel.settings_form.editors["epochs"].setValue(epochs)  # through the form: the project follows


def test_form_edits_the_project_and_explains_impossible_combinations(main_window, qtbot):
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    form = panel.settings_form
    set_epochs(panel, 7)
    assert main_window.document.project.training.epochs == 7
    form.loss.combo.setCurrentIndex(form.loss.combo.findData("bce"))
    assert main_window.document.project.training.loss == "bce"
    assert not panel.train_button.isEnabled()
    assert "10 classes; use cross-entropy" in panel.train_button.toolTip()
    assert not panel.problem_label.isHidden() and "Binary cross-entropy" in panel.problem_label.text()
    form.loss.combo.setCurrentIndex(form.loss.combo.findData("mse"))
    form.loss.rows.editors["one_hot"].setChecked(False)
    assert "switch on one-hot targets" in panel.problem_label.text() and not panel.train_button.isEnabled()
    form.loss.rows.editors["one_hot"].setChecked(True)
    assert panel.train_button.isEnabled() and panel.problem_label.isHidden()
    # Every choice explains itself; picking an optimizer builds its parameter editors.
    form.optimizer.combo.setCurrentIndex(form.optimizer.combo.findData("sgd"))
    assert set(form.optimizer.rows.editors) == {"momentum", "nesterov"}
    assert "momentum" in form.optimizer.help.text().lower()
    for i in range(form.loss.combo.count()):
        assert len(form.loss.combo.itemData(i, Qt.ItemDataRole.ToolTipRole)) > 60
    form.optimizer.rows.editors["nesterov"].setChecked(True)
    assert main_window.document.project.training.optimizer_params["nesterov"] is True
    # Learning-rate boxes step along 1-2-5.
    lr = form.editors["lr"]
    lr.setValue(0.001)
    lr.stepBy(1)
    assert lr.value() == 0.002 and main_window.document.project.training.lr == 0.002


def test_every_choice_shows_its_whole_explanation(main_window, qtbot):
    """The help under each choice gets the height its wrapped text needs: squeezed, Qt cut off its first
    and last lines (the loss box at 1280x800)."""
    main_window.resize(1280, 800)
    main_window.show_tab("training")
    panel = main_window.training_panel
    panel._sync_from_document()  # refills the form as the tab is first laid out: what squeezed the loss help
    form = panel.settings_form
    for choice in (form.loss, form.optimizer, form.schedule):
        for index in range(choice.combo.count()):
            choice.combo.setCurrentIndex(index)
            # The layout settles through the events the change posted: deliver them, however long that takes.
            # (Waiting until it fits would pass before the squeeze arrives.)
            QApplication.processEvents()
            needed = choice.help.heightForWidth(choice.help.width())
            assert choice.help.height() >= needed > 0, (choice.combo.currentText(), choice.help.height(), needed)


def test_pause_step_edit_resume_stop_continue_through_the_buttons(main_window, qtbot):
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    set_epochs(panel, 40)
    panel.speed.setValue(2)  # 10 ms per batch: slow enough to pause mid-run
    with qtbot.waitSignal(panel.runner.batch_progress, timeout=LONG):
        click(qtbot, panel.train_button)
    runner = panel.runner
    trainer = panel.trainer
    assert runner.control.batch_delay == 0.01
    assert not panel.train_button.isEnabled() and panel.stop_button.isEnabled()

    click(qtbot, panel.pause_button)
    qtbot.waitUntil(lambda: runner.control.parked, timeout=LONG)
    assert panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()
    assert panel.live_box.isEnabled()

    # While paused: a new learning rate and L2 for this run, applied between batches by the trainer.
    panel.live_lr.setValue(0.005)
    panel.live_l2.setValue(0.0001)
    click(qtbot, panel.live_apply)
    qtbot.waitUntil(lambda: trainer.optimizer.param_groups[0]["lr"] == 0.005, timeout=LONG)
    assert trainer.optimizer.param_groups[0]["weight_decay"] == 0.0001
    assert runner.control.paused  # still paused

    # Step: exactly one batch, then paused again.
    # The loop sends its last losses before it parks: once parked, one pass of the event loop delivers them.
    QApplication.processEvents()
    seen = len(panel.batch_losses)
    click(qtbot, panel.step_button)
    qtbot.waitUntil(lambda: len(panel.batch_losses) == seen + 1 and runner.control.parked, timeout=LONG)
    QApplication.processEvents()  # anything else sent before it parked again
    assert len(panel.batch_losses) == seen + 1

    # Resume: the next epoch's recorded rate is the one typed in while paused.
    panel.speed.setValue(0)
    with qtbot.waitSignal(runner.epoch_finished, timeout=LONG):
        click(qtbot, panel.resume_button)
    assert trainer.history["lr"][-1] == 0.005

    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as blocker:
        click(qtbot, panel.stop_button)
    first = blocker.args[0].result
    assert first.status == "stopped" and 1 <= first.epochs < 40
    assert not runner.running and panel.continue_button.isEnabled()

    # Continue: two more epochs on the same run, same trainer, history appended.
    panel.continue_epochs.setValue(2)
    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as blocker:
        click(qtbot, panel.continue_button)
    result = blocker.args[0].result
    assert panel.trainer is trainer
    assert result.status == "completed" and result.epochs == first.epochs + 2
    assert panel.progress.value() == panel.progress.maximum()
    history = main_window.document.project.history
    assert history["epoch"] == [float(e) for e in range(1, result.epochs + 1)]
    _assert_curves_equal_history(panel, history)

    # Stop works while paused too.
    panel.continue_epochs.setValue(50)
    with qtbot.waitSignal(runner.batch_progress, timeout=LONG):
        click(qtbot, panel.continue_button)
    click(qtbot, panel.pause_button)
    qtbot.waitUntil(lambda: runner.control.parked, timeout=LONG)
    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as blocker:
        click(qtbot, panel.stop_button)
    assert blocker.args[0].result.status == "stopped"
    assert not runner.running

    # Reset weights: the run is forgotten, curves empty, Continue has nothing to continue.
    click(qtbot, panel.reset_button)
    assert panel.trainer is None and not main_window.document.project.weights
    assert panel.loss_plot.curve_data("train loss")[0].size == 0
    assert not panel.continue_button.isEnabled()


def _assert_curves_equal_history(panel, history):
    epochs = np.array(history["epoch"])
    for plot, curve, key in (
        (panel.loss_plot, "train loss", "train_loss"),
        (panel.loss_plot, "validation loss", "val_loss"),
        (panel.metric_plot, "train", "train_accuracy"),
        (panel.metric_plot, "validation", "val_accuracy"),
    ):
        xs, ys = plot.curve_data(curve)
        assert np.array_equal(xs, epochs), curve
        assert np.allclose(ys, history[key]), curve
        plot.redraw()
        shown_x, shown_y = plot.curve(curve).getData()
        assert np.allclose(shown_y, history[key])


def test_full_run_curves_progress_best_epoch_hover_and_log_scale(main_window, qtbot):
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    set_epochs(panel, 4)
    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as blocker:
        click(qtbot, panel.train_button)
    result = blocker.args[0].result
    history = main_window.document.project.history
    _assert_curves_equal_history(panel, history)
    per_epoch = math.ceil(1257 / main_window.document.project.training.batch_size)  # 70% of the 1,797 digits
    assert panel.progress.value() == panel.progress.maximum() == 4 * per_epoch
    assert "Done: 4 epochs" in panel.progress.text()
    # Every batch loss arrived; the smoothed curve has one point per batch, in epoch units.
    assert len(panel.batch_losses) == 4 * per_epoch
    xs, _ = panel.loss_plot.curve_data("batch loss (smoothed)")
    assert xs[-1] == 4.0 and len(xs) == 4 * per_epoch
    best = int(np.nanargmin(history["val_loss"])) + 1
    assert result.best_epoch == best
    assert panel.loss_plot.marked_x == best and panel.metric_plot.marked_x == best
    text = panel.loss_plot.show_readout(2.0, history["val_loss"][1])
    assert text == f"validation loss\nepoch 2: {history['val_loss'][1]:.4f}"
    click(qtbot, panel.log_scale)
    assert panel.loss_plot.log_y
    assert panel.loss_plot.show_readout(2.0, float(np.log10(history["val_loss"][1]))).startswith("validation loss")


def test_edits_during_a_run_apply_to_the_next_run_and_the_window_says_so(main_window, qtbot):
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    set_epochs(panel, 30)
    panel.speed.setValue(2)
    with qtbot.waitSignal(panel.runner.batch_progress, timeout=LONG):
        click(qtbot, panel.train_button)
    run_lr = panel.trainer.spec.lr
    panel.settings_form.editors["lr"].setValue(0.05)
    assert main_window.document.project.training.lr == 0.05
    assert not panel.frozen_note.isHidden() and "next run" in panel.frozen_note.text()
    assert panel.trainer.spec.lr == run_lr == panel.trainer.optimizer.param_groups[0]["lr"]
    main_window.tabs.setCurrentIndex(0)  # the window stays usable: switch tabs and back
    main_window.tabs.setCurrentWidget(panel)
    with qtbot.waitSignal(panel.run_finished, timeout=LONG):
        click(qtbot, panel.stop_button)
    assert not panel.frozen_note.isHidden()


class Poison(Callback):
    """Blows the weights up in epoch 2, as a far too high learning rate would."""

    def on_batch_end(self, state, loss):
        if state.epoch == 2 and state.batch == 3:
            with torch.no_grad():
                for p in state.model.parameters():
                    p.fill_(math.inf)


def test_divergence_is_reported_with_advice_and_keeps_good_weights(main_window, qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr("nnstudio.gui.panels.training.panel.show_error", lambda parent, title, text: shown.append((title, str(text))))
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    main_window.ctx.run_callback_factories.append(lambda trainer: [Poison()])
    set_epochs(panel, 5)
    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as blocker:
        click(qtbot, panel.train_button)
    result = blocker.args[0].result
    assert result.status == "diverged" and result.epochs == 1
    assert shown and shown[0][0] == "Training diverged" and "lower learning rate" in shown[0][1]
    assert "lower learning rate" in panel.status.text()
    weights = main_window.document.project.weights
    assert weights and all(torch.isfinite(w).all() for w in weights.values())


def test_closing_while_paused_stops_and_joins_the_thread(qtbot, settings_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = MainWindow(SettingsStore(settings_path))
    qtbot.addWidget(window)
    window.show()
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    set_epochs(panel, 500)
    with qtbot.waitSignal(panel.runner.batch_progress, timeout=LONG):
        click(qtbot, panel.train_button)
    click(qtbot, panel.pause_button)
    qtbot.waitUntil(lambda: panel.runner.control.parked, timeout=LONG)
    thread = panel.runner._thread
    assert window.close()
    assert not panel.runner.running
    assert not shiboken6.isValid(thread) or thread.isFinished()


def test_continue_after_weights_restored_elsewhere_starts_from_them(main_window, qtbot):
    panel = main_window.training_panel
    document = main_window.document
    set_epochs(panel, 2)
    with qtbot.waitSignal(panel.run_finished, timeout=LONG):
        click(qtbot, panel.train_button)
    assert panel.trainer is not None
    restored = {k: torch.zeros_like(v) for k, v in document.project.weights.items()}
    document.set_trained(restored, {k: list(v) for k, v in document.project.history.items()})  # e.g. the Runs tab
    assert panel.trainer is None  # the old run is dropped, so Continue cannot carry on from stale weights
    panel.continue_epochs.setValue(1)
    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as blocker:
        click(qtbot, panel.continue_button)
    assert blocker.args[0].result.epochs == 3  # continued the restored project's 2 recorded epochs
    document.set_modified(False)
