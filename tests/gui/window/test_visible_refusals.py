"""What cannot run says why, where the user looks: a batch larger than the training split greys Train with
the reason beside it, and a sweep trial that fails shows its reason in the runs table and its tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.gui.panels.runs.table import COLUMNS, RUN_ROLE

TRAIN = 1257  # digits' training split with the default 70/15/15 cut
TOO_BIG = (f"The batch size (5000) is larger than the training split ({TRAIN} examples); lower the batch size to "
           f"at most {TRAIN} or use more data")


def type_into(qtbot, spin, text: str) -> None:
    qtbot.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def test_a_batch_larger_than_the_training_split_greys_train_with_the_reason(main_window, qtbot):
    main_window.tabs.setCurrentWidget(main_window.data_panel)
    type_into(qtbot, main_window.data_panel.split.batch, "5000")
    assert main_window.document.project.training.batch_size == 5000
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    assert not panel.train_button.isEnabled()
    assert panel.train_button.toolTip() == f"Cannot train yet: {TOO_BIG}"
    assert panel.problem_label.isVisible() and panel.problem_label.text() == f"Cannot train yet: {TOO_BIG}"
    # A batch that fits gives Train back.
    type_into(qtbot, panel.settings_form.editors["batch_size"], str(TRAIN))
    assert panel.train_button.isEnabled() and panel.problem_label.isHidden()


def test_a_failed_sweep_trial_shows_its_reason_in_the_table_and_tooltip(main_window, qtbot):
    runs = main_window.panel("runs")
    runs.pages.setCurrentIndex(3)
    runs.sweep_lrs.setText("0.01")
    runs.sweep.batches.setText("64, 5000")
    runs.sweep_epochs.setValue(1)
    with qtbot.waitSignal(runs.task.completed, timeout=120_000):
        qtbot.mouseClick(runs.sweep_start, Qt.MouseButton.LeftButton)
    assert runs.table.rowCount() == 2
    status = COLUMNS.index("Status")
    by_batch = {r.training.batch_size: r for r in runs.store.runs}
    assert by_batch[64].status == "completed" and by_batch[5000].status == "failed"
    row = next(r for r in range(runs.table.rowCount()) if runs.table.item(r, 0).data(RUN_ROLE) == by_batch[5000].id)
    cell = runs.table.item(row, status)
    assert cell.text() == "failed: The batch size (5000) is larger than the training split (12…"
    assert cell.toolTip() == f"{TOO_BIG} (lr 0.01, batch 5000)"
    assert runs.table.item(row, 0).toolTip() == cell.toolTip()
    assert f"1 failed; the first: {TOO_BIG}" in runs.sweep_status.text()
