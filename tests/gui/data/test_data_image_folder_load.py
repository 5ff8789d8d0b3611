"""The Data tab while an image folder loads: progress, Cancel keeps the previous data, the reader's notes."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnstudio.core.data import image_folders
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.gui.panels.data.source import DataSourceWidget


@pytest.fixture(autouse=True)
def _discard_on_close(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def write_pngs(folder: Path, counts: dict[str, int]) -> None:
    from PIL import Image

    for k, (cls, n) in enumerate(counts.items()):
        (folder / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.fromarray(np.full((8, 8), 40 * k + i, np.uint8)).save(folder / cls / f"{i}.png")


def data_tab(qtbot, window) -> DataSourceWidget:
    window.tabs.setCurrentWidget(window.data_panel)
    widget = window.data_panel.findChild(DataSourceWidget)
    assert widget is not None
    qtbot.waitUntil(lambda: not widget.loader.running, timeout=20_000)
    return widget


def test_cancel_while_a_folder_loads_keeps_the_previous_data_and_says_so(qtbot, main_window, monkeypatch, tmp_path):
    write_pngs(tmp_path / "shapes", {"circle": 6, "square": 6})
    widget = data_tab(qtbot, main_window)
    doc = main_window.document
    before_source, before_shape = doc.project.data.source, doc.bundle().input_shape
    entered, gate = threading.Event(), threading.Event()
    real = image_folders.decode_chunk

    def slow_chunk(paths: list[str], size: int, rgb: bool):
        entered.set()
        gate.wait(10)  # a big folder on a slow disk: held until the test lets it go on
        return real(paths, size, rgb)

    monkeypatch.setattr(image_folders, "decode_chunk", slow_chunk)
    monkeypatch.setattr(image_folders, "CHUNK_FILES", 2)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "shapes"))
    try:
        widget.open_actions["image_folder"].trigger()
        qtbot.waitUntil(entered.is_set, timeout=20_000)
        qtbot.waitUntil(lambda: widget.progress.maximum() == 12, timeout=5000)  # counts the 12 files
        assert widget.progress.isVisible() and widget.cancel_button.isVisible()
        qtbot.mouseClick(widget.cancel_button, Qt.MouseButton.LeftButton)
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not widget.loader.running, timeout=20_000)
    assert doc.project.data.source == before_source and doc.bundle().input_shape == before_shape
    assert "Loading was cancelled; the previous data stays loaded" in widget.summary.text()
    assert not widget.progress.isVisible() and not widget.cancel_button.isVisible()
    assert widget.apply_button.isEnabled()

    entered.clear()
    gate.clear()
    try:  # loading again: the note of the cancelled load goes while the new one runs
        widget.open_actions["image_folder"].trigger()
        qtbot.waitUntil(entered.is_set, timeout=20_000)
        assert "cancelled" not in widget.summary.text()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not widget.loader.running, timeout=20_000)
    assert doc.bundle().input_shape == (1, 32, 32) and "12 images in 2 classes" in widget.summary.text()


def test_the_summary_lists_unreadable_files_and_the_decoded_cache(qtbot, main_window, tmp_path):
    write_pngs(tmp_path / "shapes", {"circle": 6, "square": 6})
    (tmp_path / "shapes" / "square" / "broken.png").write_bytes(b"not a picture")
    project = main_window.document.project
    project.data = DataSpec("image_folder", {"path": "shapes", "size": 8})
    save_project(project, tmp_path / "shapes.nnstudio")
    widget = data_tab(qtbot, main_window)
    unreadable = ("1 of 13 files is not a readable image and was left out: square/broken.png; delete or replace it "
                  "to use all files")
    cached = "Read 12 images from the decoded cache beside the project (.nnstudio-cache/)"
    main_window.document.replace(load_project(tmp_path / "shapes.nnstudio"), tmp_path / "shapes.nnstudio")
    qtbot.waitUntil(lambda: unreadable in widget.summary.text(), timeout=20_000)
    assert cached not in widget.summary.text()  # decoded the first time
    main_window.document.replace(load_project(tmp_path / "shapes.nnstudio"), tmp_path / "shapes.nnstudio")
    qtbot.waitUntil(lambda: cached in widget.summary.text(), timeout=20_000)  # opened again: from the cache
    assert unreadable in widget.summary.text() and "12 images in 2 classes" in widget.summary.text()
    qtbot.waitUntil(lambda: not widget.loader.running, timeout=20_000)
