"""A GAN project in the window: the Architecture tab's Network selector switches the editor between the
generator (noise in) and the discriminator (a sample in), an edit changes only the network shown and undoes;
GAN view… opens the live view on the project's networks and can keep the trained weights in the project."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.core.generative.gan import PREFIX
from nnstudio.gui.panels.gan.plane_view import GanPlaneView


def _kinds(panel) -> list[str]:
    return [layer.kind for layer in panel.spec.layers]


def test_the_selector_edits_each_network_and_the_view_trains_them(qtbot, main_window):
    window = main_window
    panel = window.architecture_panel
    window.tabs.setCurrentWidget(panel)
    assert not panel.networks.isVisible()  # the default project has one network
    window.new_from_template("gan_digits")
    project = window.document.project
    assert panel.networks.isVisible() and panel.networks.combo.count() == 2
    assert panel.networks.combo.currentText() == "Generator (noise → sample)"
    assert panel.shape_error is None and panel.built.input_shape == (16,)  # the noise, not the 1x8x8 digits
    assert tuple(panel.built.output_shape) == (1, 8, 8)
    assert panel.input_label.text().startswith("<b>Input: noise of 16 numbers</b> · must give a sample of shape 1x8x8")
    generator = project.architecture.copy()

    panel.networks.combo.setCurrentIndex(1)
    assert _kinds(panel)[0] == "flatten" and panel.built.input_shape == (1, 8, 8)
    assert tuple(panel.built.output_shape) == (1,)
    assert "must give 1 score: real or fake" in panel.input_label.text()
    before = project.networks["discriminator"].copy()
    panel.select((0,))
    panel.delete_selected()  # the discriminator loses its Flatten ...
    assert _kinds(panel)[0] == "linear" and project.networks["discriminator"] != before
    assert project.architecture == generator  # ... and the generator is untouched
    assert panel.shape_error is not None  # a Linear of 64 cannot take the 1x8x8 image: the tab says so
    window.ctx.undo_stack.undo()
    assert project.networks["discriminator"] == before and _kinds(panel)[0] == "flatten"

    window.new_from_template("gan_ring")
    assert panel.networks.combo.currentIndex() == 0
    qtbot.mouseClick(panel.networks.view_button, Qt.LeftButton)
    dialog = panel.networks.dialog
    assert dialog is not None and dialog.isVisible() and isinstance(dialog.view, GanPlaneView)
    with qtbot.waitSignal(dialog.view.stepped):
        qtbot.mouseClick(dialog.view.epoch, Qt.LeftButton)
    if os.environ.get("NNSTUDIO_SHOTS"):
        QApplication.processEvents()
        dialog.grab().save("/tmp/gan_dialog.png")
        window.grab().save("/tmp/gan_architecture.png")
    qtbot.mouseClick(dialog.findChild(type(panel.networks.view_button), "ganKeep"), Qt.LeftButton)
    weights = window.document.project.weights
    assert any(k.startswith(PREFIX) for k in weights) and "linear1.weight" in weights
    assert window.document.project.history["coverage"] == dialog.view.trainer.history["coverage"]
    dialog.close()
