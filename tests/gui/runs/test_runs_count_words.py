"""The Runs tab counts its runs in words a class reads aloud: '1 run', not '1 runs'."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_one_run_is_one_run(qtbot, main_window):
    main_window.document.project.training.epochs = 1
    main_window.show_tab("training")
    panel = main_window.training_panel
    panel._sync_from_document()
    with qtbot.waitSignal(panel.run_finished, timeout=120_000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not main_window.ctx.training_active, timeout=60_000)
    runs = main_window.panel("runs")
    main_window.show_tab("runs")
    runs.refresh()
    assert runs.summary.text().startswith("1 run · best: Run 1 · snapshots ")
    assert runs.compare.overlay.plotItem.titleLabel.text == "val loss of 1 run"
