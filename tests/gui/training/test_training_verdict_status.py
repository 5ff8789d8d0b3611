"""The Training tab does not end a run that learned nothing with a plain "Finished"."""

from __future__ import annotations

from PySide6.QtCore import Qt


def _train(qtbot, window, lr: float) -> str:
    window.document.project.training.epochs = 1
    window.document.project.training.lr = lr
    window.show_tab("training")
    panel = window.training_panel
    panel._sync_from_document()
    with qtbot.waitSignal(panel.run_finished, timeout=120_000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.ctx.training_active, timeout=60_000)
    return panel.status.text()


def test_a_run_no_better_than_guessing_says_so(qtbot, main_window):
    status = _train(qtbot, main_window, 1e-7)
    assert status.startswith("Finished 1 epoch.")
    assert "no better than always answering the most common class" in status
    assert "the learning rate (1e-07) may be too high or too low" in status


def test_a_run_that_learned_reads_plainly(qtbot, main_window):
    status = _train(qtbot, main_window, 3e-3)
    assert status.startswith("Finished 1 epoch.") and "no better than" not in status
