"""Shared fixtures. GUI tests run offscreen; every window's training thread is joined in its test."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
import torch  # noqa: E402,F401  - torch before Qt, as in the app's entry point

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _collect_garbage_in_the_main_thread():
    """Finalize each test's dead Qt objects in the main thread, before the next test starts worker threads:
    a collection that starts in a worker thread and finalizes Qt wrappers can deadlock with the GUI thread."""
    yield
    gc.collect()


@pytest.fixture
def settings_path(tmp_path):
    return tmp_path / "settings.ini"


@pytest.fixture
def main_window(qtbot, settings_path, monkeypatch):
    """The real main window on the default project, with settings in a temp file.

    pytest-qt closes the window before this fixture's teardown runs, so an unsaved-changes prompt is
    answered "Discard" here rather than left to block the test."""
    from PySide6.QtWidgets import QMessageBox

    from nnstudio.gui.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    from nnstudio.gui.settings_store import SettingsStore

    window = MainWindow(SettingsStore(settings_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.training_panel.shutdown()
    window.document.set_modified(False)  # no save prompt while pytest-qt closes it
