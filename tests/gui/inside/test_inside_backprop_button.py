"""Outside any lesson, the Inside tab's 'Backprop step on the graph…' draws the last run's first step for a
small dense network (the step's numbers are the run's: that network minus lr x its gradients is the trained
one), and refuses a run-less window or a network too wide to label, saying why."""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from nnstudio.core.lessons.format import find_lesson
from nnstudio.gui.widgets.backprop_graph import BackpropDialog

RUN_TIMEOUT_MS = 60_000


def _project(hidden: int = 2):
    project = find_lesson("backpropagation_one_step").start_project()  # a 2-2-1 network, one sample
    if hidden != 2:
        data = project.to_dict()
        data["architecture"]["layers"][0]["params"]["out_features"] = hidden
        project = type(project).from_dict(data)
    return project


def _train(qtbot, window) -> None:
    with qtbot.waitSignal(window.ctx.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.panel("training").train_button, Qt.MouseButton.LeftButton)


def _press(qtbot, window) -> None:
    window.show_tab("inside")
    button = window.panel("inside").findChild(QPushButton, "backpropButton")
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _error(window) -> str:
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None, "no error shown"
    text = box.text()
    box.close()
    return text


def test_the_inside_tab_draws_the_last_runs_step(qtbot, main_window):
    window = main_window
    window.document.replace(_project())
    _press(qtbot, window)
    assert _error(window) == "no run has finished yet: press Train (or Do it for me) first, then show its step"
    _train(qtbot, window)
    _press(qtbot, window)
    dialog = window.findChild(BackpropDialog)
    assert dialog is not None and dialog.isVisible() and dialog.table.rowCount() == 9
    values = torch.tensor([float(dialog.table.item(r, 1).text()) for r in range(9)])
    grads = torch.tensor([float(dialog.table.item(r, 3).text()) for r in range(9)])
    trained = torch.cat([p.detach().reshape(-1) for p in window.panel("training").trainer.model.parameters()])
    lr = window.document.project.training.lr
    assert torch.allclose(values - lr * grads, trained, atol=1e-5)  # the run's own (and only) step


def test_a_network_too_wide_to_label_is_refused_saying_why(qtbot, main_window):
    window = main_window
    window.document.replace(_project(hidden=16))
    _train(qtbot, window)
    _press(qtbot, window)
    assert window.findChild(BackpropDialog) is None
    assert _error(window) == ("the graph labels every weight, so it draws networks of at most 8 inputs and 8 neurons "
                              "a layer; this one has a layer of 16 (the Backpropagation lesson's 2-2-1 network is "
                              "made for it)")
