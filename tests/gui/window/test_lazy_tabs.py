"""Tabs built when first needed: the window opens with only the shown tab built, and nothing is lost by it."""

import threading

import numpy as np
from PySide6.QtCore import Qt

from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.settings_store import SettingsStore
from nnstudio.gui.threads import ThreadRunner


def _built(window) -> set[str]:
    return {name for name, _ in window.tabs.built_panels()}


def _fresh_window(qtbot, settings_path):
    window = MainWindow(SettingsStore(settings_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_only_the_shown_tab_is_built_until_another_is_opened(qtbot, settings_path):
    window = _fresh_window(qtbot, settings_path)
    assert _built(window) == {"architecture"}
    assert window.tabs.currentWidget() is window.architecture_panel

    window.tabs.setCurrentIndex(2)  # a click on "Training"
    assert _built(window) == {"architecture", "training"}
    panel = window.training_panel
    assert window.tabs.currentWidget() is panel and panel.isVisible()
    assert window.tabs.indexOf(panel) == 2 and window.tabs.widget(2) is panel

    window.show_tab("evaluation")
    assert window.tabs.currentWidget() is window.evaluation_panel
    window.document.set_modified(False)


def test_remaining_tabs_build_in_the_background_then_call_back(qtbot, settings_path):
    window = _fresh_window(qtbot, settings_path)
    done = []
    window.build_remaining_panels(then=lambda: done.append(True))
    qtbot.waitUntil(lambda: done == [True], timeout=60_000)
    assert _built(window) == {"architecture", "data", "training", "inside", "runs", "evaluation", "interpret", "playground", "diffusion"}
    window.document.set_modified(False)


def test_background_building_waits_while_a_job_runs(qtbot, settings_path):
    """An evaluation started right after start-up must not share the GUI thread with the idle tab building
    (it made the first report about twice as slow as later ones): the building waits until the job ends."""
    window = _fresh_window(qtbot, settings_path)
    qtbot.waitUntil(lambda: ThreadRunner.active == 0, timeout=60_000)  # the start-up data load
    release = threading.Event()
    runner = ThreadRunner(window)
    done = []
    try:
        runner.start_job(lambda token, report: release.wait(60))
        assert ThreadRunner.active == 1
        window.build_remaining_panels(then=lambda: done.append(True))
        for _ in range(5):  # several retry periods of the idle builder pass with the job still running
            qtbot.wait(150)
        assert _built(window) == {"architecture"} and done == []
    finally:
        release.set()
        qtbot.waitUntil(lambda: not runner.running, timeout=60_000)
    qtbot.waitUntil(lambda: done == [True], timeout=60_000)
    assert ThreadRunner.active == 0
    assert _built(window) == {"architecture", "data", "training", "inside", "runs", "evaluation", "interpret", "playground", "diffusion"}
    window.document.set_modified(False)


def test_a_run_started_before_the_runs_and_inside_tabs_were_opened_is_still_recorded(qtbot, settings_path):
    window = _fresh_window(qtbot, settings_path)
    window.document.project.training.epochs = 2
    window.show_tab("training")
    panel = window.training_panel
    panel._sync_from_document()
    assert not window.tabs.is_built("runs") and not window.tabs.is_built("inside")
    with qtbot.waitSignal(panel.run_finished, timeout=120_000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert window.tabs.is_built("runs") and window.tabs.is_built("inside")
    runs = window.runs_panel
    assert runs.table.rowCount() == 1
    assert len(runs.store.runs[0].history["epoch"]) == 2
    window.document.set_modified(False)


def test_an_example_sent_before_interpretability_was_opened_arrives_once(qtbot, settings_path, monkeypatch):
    window = _fresh_window(qtbot, settings_path)
    received = []
    from nnstudio.gui.panels.interpret.panel import InterpretPanel

    monkeypatch.setattr(InterpretPanel, "receive_example", lambda self, payload: received.append(payload["description"]))
    window.ctx.example_sent.emit({"x": np.zeros((1, 8, 8), np.float32), "label": None, "source": "evaluation",
                                  "description": "first"})
    assert window.tabs.is_built("interpret")
    window.ctx.example_sent.emit({"x": np.zeros((1, 8, 8), np.float32), "label": None, "source": "evaluation",
                                  "description": "second"})
    assert received == ["first", "second"]
    window.document.set_modified(False)


def test_a_data_tab_opened_during_a_run_is_locked_like_the_others(qtbot, settings_path):
    window = _fresh_window(qtbot, settings_path)
    window.ctx.set_training_active(True)  # what the Training tab does when a run starts
    try:
        data = window.data_panel
        assert not data.pipeline.isEnabled()
        assert not data.source.apply_button.isEnabled()
    finally:
        window.ctx.set_training_active(False)
    assert data.pipeline.isEnabled()
    window.document.set_modified(False)
