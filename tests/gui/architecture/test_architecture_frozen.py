"""The Architecture tab's transfer learning: the Frozen checkbox (one undo step) shows on the stack, the
diagram and the totals; Load weights from project copies the matching layers and says which did not."""

from __future__ import annotations

import os

import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.session import train_project
from nnstudio.gui.panels.architecture.stack import COL_PARAMS


def rows(panel):
    return [panel.stack.topLevelItem(i) for i in range(panel.stack.topLevelItemCount())]


def click_row(qtbot, panel, row):
    qtbot.mouseClick(panel.stack.viewport(), Qt.MouseButton.LeftButton, pos=panel.stack.visualItemRect(rows(panel)[row]).center())


def shoot(window, name):
    if os.environ.get("NNSTUDIO_SHOTS"):
        window.grab().save(f"/tmp/transfer_{name}.png")


def test_frozen_checkbox_shows_everywhere_and_undoes(qtbot, main_window):
    window = main_window
    panel = window.architecture_panel
    window.tabs.setCurrentWidget(panel)
    click_row(qtbot, panel, 0)  # Flatten: nothing to freeze, and the checkbox says so
    assert panel.transfer.check.isVisible() and not panel.transfer.check.isEnabled()
    assert panel.transfer.check.toolTip() == "This Flatten has no weights to freeze"
    assert not panel.transfer.action.isEnabled()
    click_row(qtbot, panel, 1)  # Linear 64 -> 128: 8,320 weights
    assert panel.transfer.check.isEnabled()
    assert panel.transfer.check.isVisible() and not panel.transfer.check.isChecked()
    assert panel.transfer.action in panel.stack.actions()  # the right-click menu offers it too
    qtbot.mouseClick(panel.transfer.check, Qt.MouseButton.LeftButton)
    assert window.document.project.architecture.layers[1].frozen
    assert window.ctx.undo_stack.text(window.ctx.undo_stack.count() - 1) == "Freeze Linear (layer 2)"
    assert rows(panel)[1].text(COL_PARAMS) == "8,320 frozen" and not rows(panel)[1].icon(COL_PARAMS).isNull()
    assert rows(panel)[3].text(COL_PARAMS) == "1,290"
    assert "<b>1,290</b> trainable / <b>8,320</b> frozen" in panel.totals.text()
    assert "2  Linear  ·  64 → 128 | → 128   (8,320 params, frozen)" in panel.diagram.box_texts
    assert panel.transfer.action.text() == "Unfreeze weights"
    shoot(window, "frozen")

    panel.stack.setFocus()
    qtbot.keyClick(panel.stack, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not window.document.project.architecture.layers[1].frozen
    assert rows(panel)[1].text(COL_PARAMS) == "8,320"
    assert "<b>9,610</b> trainable / <b>0</b> frozen" in panel.totals.text()


def trained(hidden: int):
    project = default_project()  # SimpleNN on 8x8 digits: 64 -> hidden -> 10
    project.architecture.layers[1].params["out_features"] = hidden
    project.architecture.layers[3].params["in_features"] = hidden
    project.training.epochs, project.training.device = 1, "cpu"
    train_project(project)
    return project


def test_load_weights_from_project_reports_each_layer(qtbot, main_window, tmp_path):
    window = main_window
    panel = window.architecture_panel
    window.tabs.setCurrentWidget(panel)
    save_project(trained(32), tmp_path / "other.nnstudio")
    assert panel.transfer.load_weights(tmp_path / "other.nnstudio") is None
    box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "errorDialog" and w.isVisible())
    assert "No layer of the source fits this network (names and shapes must match); nothing was changed" in box.text()
    assert "layer 2 Linear: its weight is 128x64 here but 32x64 in the source" in box.text()
    box.close()
    assert window.document.project.weights is None

    source = trained(128)
    source.weights["linear2.weight"] = torch.zeros(128, 32)  # another first layer: only the last one fits
    save_project(source, tmp_path / "other2.nnstudio")
    before = window.document.fresh_model().state_dict()
    report = panel.transfer.load_weights(tmp_path / "other2.nnstudio")
    assert report is not None
    box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "transferReport" and w.isVisible())
    assert "Copied 1 of 2 layers with weights." in box.text()
    assert "copied: layer 4 Linear (linear4)" in box.text()
    assert "not copied: layer 2 Linear (linear2): its weight is 128x64 here but 128x32 in the source" in box.text()
    weights = window.document.project.weights
    assert torch.equal(weights["linear4.weight"], source.weights["linear4.weight"])
    assert torch.equal(weights["linear2.weight"], before["linear2.weight"])  # kept what it had
    assert window.statusBar().currentMessage() == "other2.nnstudio: Copied 1 of 2 layers with weights."
    shoot(window, "transfer_report")
    box.done(QMessageBox.StandardButton.Ok)


def test_transfer_example_opens_with_its_frozen_body_and_weights(qtbot, main_window):
    window = main_window
    action = next(a for a in window.file_actions.template_menu.actions() if a.text().startswith("Transfer learning"))
    action.trigger()
    panel = window.architecture_panel
    window.tabs.setCurrentWidget(panel)
    assert window.document.project.weights is not None  # pretrained on digits 0-4, shipped in the example
    assert rows(panel)[0].text(COL_PARAMS) == "320 frozen" and rows(panel)[7].text(COL_PARAMS) == "2,885"
    assert "<b>2,885</b> trainable / <b>18,816</b> frozen" in panel.totals.text()
    shoot(window, "transfer_example")

    pretrained = {k: v.clone() for k, v in window.document.project.weights.items()}
    training = window.training_panel  # Train in the window: the head trains, the frozen body stays as shipped
    window.tabs.setCurrentWidget(training)
    with qtbot.waitSignal(training.run_finished, timeout=120_000) as blocker:
        qtbot.mouseClick(training.train_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].result.status == "completed"
    weights = window.document.project.weights
    assert torch.equal(weights["conv2d4.weight"], pretrained["conv2d4.weight"])
    assert not torch.equal(weights["linear8.weight"], pretrained["linear8.weight"])


def test_resnet18_template_takes_a_torchvision_state_dict(qtbot, main_window, tmp_path):
    import numpy as np
    import pytest
    from PIL import Image

    torchvision = pytest.importorskip("torchvision")
    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (tmp_path / "photos" / cls).mkdir(parents=True)
        for i in range(6):
            Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(tmp_path / "photos" / cls / f"{i}.png")
    window = main_window
    panel = window.architecture_panel
    window.tabs.setCurrentWidget(panel)
    assert panel.transfer.resnet_action in panel.templates_menu.actions()
    assert panel.transfer.open_resnet_template(str(tmp_path / "photos"))
    qtbot.waitUntil(lambda: window.document.project.architecture.name == "ResNet18", timeout=5000)
    assert len(rows(panel)) == 14 and rows(panel)[4].text(1) == "ResNet basic block"
    assert window.document.project.architecture.layers[-1].params["out_features"] == 2

    torch.save(torchvision.models.resnet18(weights=None).state_dict(), tmp_path / "resnet18.pth")  # 1000 classes
    report = panel.transfer.load_weights(tmp_path / "resnet18.pth")
    assert report is not None
    box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "transferReport" and w.isVisible())
    assert "Copied 10 of 11 layers with weights." in box.text()
    assert "not copied: layer 14 Linear (linear14): its weight is 2x512 here but 1000x512 in the source" in box.text()
    box.done(QMessageBox.StandardButton.Ok)


def test_training_a_frozen_layer_without_weights_says_so_on_the_tab(qtbot, main_window):
    window = main_window
    panel = window.architecture_panel
    window.tabs.setCurrentWidget(panel)
    click_row(qtbot, panel, 1)
    qtbot.mouseClick(panel.transfer.check, Qt.MouseButton.LeftButton)
    training = window.training_panel
    window.tabs.setCurrentWidget(training)
    qtbot.mouseClick(training.train_button, Qt.MouseButton.LeftButton)
    assert ("linear2 is frozen but the project holds no weights for it, so it keeps its fresh random weights"
            in training.status.text())
    if training.stop_button.isEnabled():
        qtbot.mouseClick(training.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not training.runner.running, timeout=120_000)  # stopped within the test
