"""A GAN run trained on the Training tab is listed on the Runs tab at once (it was listed only after the
project was reopened: the Runs tab's recorder hooks one-network runs only); a Continue is one more run, as the
file keeps it; the file's runs and the tab's agree (nothing is kept twice)."""

from __future__ import annotations

from PySide6.QtCore import Qt

RUN_TIMEOUT_MS = 60_000


def _train(qtbot, panel, button) -> None:
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert finished.args[0].result is not None


def test_a_gan_run_is_listed_on_the_runs_tab_at_once(qtbot, main_window):
    window = main_window
    runs = window.panel("runs")  # built before the run, as when the teacher looked at it first
    window.new_from_template("gan_ring")
    assert runs.summary.text().startswith("0 runs")
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    panel.epochs.setValue(3)
    _train(qtbot, panel, panel.train_button)
    window.show_tab("runs")
    assert runs.summary.text().startswith("1 run · ")
    assert runs.table.rowCount() == 1 and runs.table.item(0, 0).text() == "Run 1"
    assert [r.epochs for r in runs.store.runs] == [3]
    assert runs.store.runs[0].history["d_loss"] == window.document.project.history["d_loss"]

    window.show_tab("training")
    panel.continue_epochs.setValue(2)
    _train(qtbot, panel, panel.continue_button)
    assert runs.summary.text().startswith("2 runs · ")
    assert [r.epochs for r in runs.store.runs] == [3, 5]
    project = window.document.project
    assert [(r.name, r.epochs) for r in project.runs] == [("Run 1", 3), ("Run 2", 5)]  # the file: the same two
