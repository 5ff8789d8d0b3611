"""The main window on its default project: tabs, menus, Train with a live curve, Stop, closing mid-run."""

import numpy as np
from PySide6.QtCore import Qt

from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.settings_store import SettingsStore


def test_window_opens_on_default_project_with_all_tabs(main_window):
    tabs = [main_window.tabs.tabText(i) for i in range(main_window.tabs.count())]
    assert tabs == ["Architecture", "Data", "Training", "Inside", "Runs", "Evaluation", "Interpretability", "Diffusion", "Playground"]
    menus = [a.text().replace("&", "") for a in main_window.menuBar().actions()]
    assert menus[:2] == ["File", "Edit"] and menus[-1] == "Help"
    assert "SimpleNN" in main_window.document.project.architecture.name
    assert main_window.document.bundle().input_shape == (1, 8, 8)
    file_actions = [a.text().replace("&", "") for a in main_window.file_menu.actions() if a.text()]
    for wanted in ("New", "Open…", "Open Recent", "Save", "Save As…", "Quit"):
        assert wanted in file_actions


def _train_button(window):
    return window.training_panel.train_button


def test_train_shows_one_curve_point_per_epoch_equal_to_history(main_window, qtbot):
    panel = main_window.training_panel
    main_window.document.project.training.epochs = 3
    panel._sync_from_document()
    main_window.tabs.setCurrentWidget(panel)
    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as blocker:
        qtbot.mouseClick(_train_button(main_window), Qt.MouseButton.LeftButton)
    outcome = blocker.args[0]
    assert outcome.result is not None and outcome.result.epochs == 3
    history = main_window.document.project.history
    xs, ys = panel.loss_plot.curve_data("train loss")
    assert list(xs) == [1.0, 2.0, 3.0]
    assert np.allclose(ys, history["train_loss"])
    assert not panel.runner.running
    assert main_window.document.project.weights


def test_stop_ends_the_run_early(main_window, qtbot):
    panel = main_window.training_panel
    main_window.document.project.training.epochs = 500
    panel._sync_from_document()
    with qtbot.waitSignal(panel.runner.batch_progress, timeout=60_000):
        qtbot.mouseClick(_train_button(main_window), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.run_finished, timeout=60_000) as blocker:
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].result.status == "stopped"
    assert blocker.args[0].result.epochs < 500
    assert not panel.runner.running


def test_closing_mid_run_stops_and_joins_the_thread(qtbot, settings_path):
    window = MainWindow(SettingsStore(settings_path))
    qtbot.addWidget(window)
    window.show()
    window.document.project.training.epochs = 500
    window.training_panel._sync_from_document()
    window.document.set_modified(False)
    panel = window.training_panel
    with qtbot.waitSignal(panel.runner.batch_progress, timeout=60_000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert panel.runner.running
    assert window.close()
    assert not panel.runner.running


def test_window_geometry_is_remembered(qtbot, settings_path):
    first = MainWindow(SettingsStore(settings_path))
    qtbot.addWidget(first)
    first.show()
    first.resize(1000, 640)
    first.tabs.setCurrentIndex(2)
    first.close()
    second = MainWindow(SettingsStore(settings_path))
    qtbot.addWidget(second)
    # The offscreen screen is 800x800, so Qt fits the width to it; the height must come back.
    assert abs(second.height() - 640) <= 8 and second.height() != MainWindow(SettingsStore(settings_path.with_name("fresh.ini"))).height()
    assert second.tabs.currentIndex() == 2
