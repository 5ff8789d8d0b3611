"""The Data tab's source picker: built-in datasets and the user's own files reach the other tabs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QListWidget, QMessageBox, QSpinBox

from nnstudio.core.project.file_format import save_project
from nnstudio.gui.panels.data.source import DataSourceWidget

TABLE = "size,colour,weight,kind\n" + "".join(
    f"{i % 9 + 1},{['red', 'green'][i % 2]},{'NA' if i == 4 else 2.5 * i},{['apple', 'pear', 'plum'][i % 3]}\n" for i in range(45)
)


@pytest.fixture(autouse=True)
def _discard_on_close(monkeypatch):
    """Loading data marks the project modified; pytest-qt closes the window before fixtures end, so
    answer the save prompt with Discard instead of blocking on it."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def source_widget(window) -> DataSourceWidget:
    widget = window.data_panel.findChild(DataSourceWidget)  # the Data tab is built when first asked for
    assert widget is not None, "the Data tab embeds the source widget"
    return widget


def wait_loaded(qtbot, widget: DataSourceWidget) -> None:
    qtbot.waitUntil(lambda: not widget.loader.running, timeout=20_000)


def error_boxes(window) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox, "errorDialog") if b.isVisible()]


def open_through_menu(qtbot, window, monkeypatch, source: str, chosen: Path) -> DataSourceWidget:
    widget = source_widget(window)
    window.tabs.setCurrentWidget(window.data_panel)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(chosen), ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(chosen))
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        widget.open_actions[source].trigger()
    wait_loaded(qtbot, widget)
    return widget


def test_open_csv_through_the_data_tab_reaches_the_architecture_tab(qtbot, main_window, monkeypatch, tmp_path):
    csv = tmp_path / "fruit.csv"
    csv.write_text(TABLE, encoding="utf-8")
    widget = open_through_menu(qtbot, main_window, monkeypatch, "csv", csv)

    doc = main_window.document
    assert doc.project.data.source == "csv" and doc.bundle().input_shape == (3,)
    assert doc.bundle().class_names == ["apple", "pear", "plum"]
    summary = widget.summary.text()
    assert "Input shape:</b> 3" in summary and "3 classes" in summary and "apple, pear, plum" in summary
    assert "Missing values" in summary and "weight (1)" in summary
    # The target and feature columns are offered from the file's header.
    target = widget.editors["target"]
    assert isinstance(target, QComboBox) and target.currentText() == "kind"
    features = widget.editors["features"]
    assert isinstance(features, QListWidget) and [features.item(i).text() for i in range(features.count())] == [
        "size  (number)", "colour  (text → categories)", "weight  (number)"]

    main_window.tabs.setCurrentWidget(main_window.architecture_panel)
    label = main_window.architecture_panel.findChild(type(widget.summary), "inputShapeLabel")
    qtbot.waitUntil(lambda: "3" in label.text() and "3 classes" in label.text(), timeout=5000)


def test_choose_features_and_target_then_reload(qtbot, main_window, monkeypatch, tmp_path):
    csv = tmp_path / "fruit.csv"
    csv.write_text(TABLE, encoding="utf-8")
    widget = open_through_menu(qtbot, main_window, monkeypatch, "csv", csv)
    features = widget.editors["features"]
    features.item(1).setCheckState(Qt.CheckState.Unchecked)  # leave out 'colour'
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        qtbot.mouseClick(widget.apply_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, widget)
    bundle = main_window.document.bundle()
    assert bundle.input_shape == (2,) and main_window.document.project.data.params["features"] == "size,weight"

    widget.editors["target"].setCurrentText("size")
    widget.editors["task"].setCurrentText("regression")
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        qtbot.mouseClick(widget.apply_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, widget)
    assert main_window.document.bundle().task == "regression"
    assert "regression" in widget.summary.text()


def test_bad_csv_shows_the_error_and_keeps_the_previous_data(qtbot, main_window, monkeypatch, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,x\n2,3\n4,5\n", encoding="utf-8")
    widget = source_widget(main_window)
    before = main_window.document.bundle()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    with qtbot.waitSignal(widget.load_failed, timeout=20_000) as failed:
        widget.open_actions["csv"].trigger()
    wait_loaded(qtbot, widget)
    assert "mixes numbers and text" in failed.args[0]
    boxes = error_boxes(widget)
    assert boxes and "mixes numbers and text" in boxes[0].text()
    boxes[0].close()
    assert main_window.document.project.data.source == "digits" and main_window.document.bundle() is before


def test_pick_a_builtin_dataset_with_parameters(qtbot, main_window):
    widget = source_widget(main_window)
    combo = widget.source_combo
    combo.setCurrentIndex(combo.findData("spiral"))
    assert "spiral" in widget.help_label.text().lower()
    classes = widget.editors["classes"]
    assert isinstance(classes, QSpinBox) and classes.maximum() == 6
    classes.setValue(4)
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        qtbot.mouseClick(widget.apply_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, widget)
    bundle = main_window.document.bundle()
    assert bundle.num_classes == 4 and bundle.input_shape == (2,)
    assert "4 classes" in widget.summary.text() and "Input shape:</b> 2" in widget.summary.text()


def test_tank_set_shows_its_new_photos_split(qtbot, main_window):
    widget = source_widget(main_window)
    widget.source_combo.setCurrentIndex(widget.source_combo.findData("tanks"))
    widget.editors["n_samples"].setValue(100)
    widget.editors["new_photos"].setValue(40)
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        qtbot.mouseClick(widget.apply_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, widget)
    assert "40 new photos" in widget.summary.text() and "1x24x24" in widget.summary.text()


def test_image_folder_through_the_menu(qtbot, main_window, monkeypatch, tmp_path):
    import numpy as np
    from PIL import Image

    for k, cls in enumerate(["circle", "square"]):
        (tmp_path / "shapes" / cls).mkdir(parents=True)
        for i in range(6):
            Image.fromarray(np.full((9, 9), 40 * k + i, np.uint8)).save(tmp_path / "shapes" / cls / f"{i}.png")
    widget = open_through_menu(qtbot, main_window, monkeypatch, "image_folder", tmp_path / "shapes")
    assert main_window.document.bundle().input_shape == (1, 32, 32)
    widget.editors["size"].setValue(16)
    widget.editors["color"].setCurrentText("rgb")
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        qtbot.mouseClick(widget.apply_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, widget)
    assert main_window.document.bundle().input_shape == (3, 16, 16)
    assert "circle, square" in widget.summary.text()


def test_missing_file_on_open_asks_to_locate_it(qtbot, main_window, monkeypatch, tmp_path):
    from nnstudio.core.data.spec import DataSpec
    from nnstudio.core.project.file_format import load_project

    (tmp_path / "data").mkdir()
    csv = tmp_path / "data" / "fruit.csv"
    csv.write_text(TABLE, encoding="utf-8")
    project = main_window.document.project
    project.data = DataSpec("csv", {"path": "data/fruit.csv"})
    save_project(project, tmp_path / "p.nnstudio")
    moved = tmp_path / "elsewhere" / "fruit.csv"
    moved.parent.mkdir()
    csv.rename(moved)

    main_window.tabs.setCurrentWidget(main_window.architecture_panel)
    main_window.document.replace(load_project(tmp_path / "p.nnstudio"), tmp_path / "p.nnstudio")
    widget = source_widget(main_window)
    assert main_window.tabs.currentWidget() is main_window.data_panel  # brought to where Locate… is
    assert widget.missing_frame.isVisibleTo(widget) and "fruit.csv" in widget.missing_label.text()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(moved), ""))
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        qtbot.mouseClick(widget.locate_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, widget)
    assert not widget.missing_frame.isVisibleTo(widget)
    assert main_window.document.project.data.params["path"] == "elsewhere/fruit.csv"  # relative to the project
    assert main_window.document.bundle().input_shape == (3,)


@pytest.mark.parametrize("embed", [True])
def test_embed_a_small_table_in_the_project(qtbot, main_window, monkeypatch, tmp_path, embed):
    csv = tmp_path / "fruit.csv"
    csv.write_text(TABLE, encoding="utf-8")
    widget = open_through_menu(qtbot, main_window, monkeypatch, "csv", csv)
    widget.editors["embedded"].setChecked(embed)
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        qtbot.mouseClick(widget.apply_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, widget)
    assert main_window.document.project.data.params["embedded"] == TABLE
    csv.unlink()
    main_window.document.replace(main_window.document.project, None)  # reopen: the file is gone
    assert main_window.document.bundle().input_shape == (3,)
    assert widget.editors["embedded"].isChecked()
