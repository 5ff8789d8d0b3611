"""The views a lesson's ``show`` action opens on the last finished run (``core.lessons.format.VIEWS`` names
them; the lesson panel offers the same as a button, for a class that pressed Train by hand, and the Inside
tab offers the backpropagation step outside any lesson: ``backprop_button``)."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QPushButton, QWidget

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.lessons.model_figures import backprop_step
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.widgets.backprop_graph import BackpropDialog

# view name -> the button's words in the lesson panel
VIEWS = {"backprop_graph": "Show the step on the network graph"}
MAX_DRAWN = 8  # neurons a layer the graph can label readably (every weight gets its own label)


class NoRunToShow(NNStudioError):
    """A view of a run was asked for before any run finished."""


def show_backprop_graph(window: QMainWindow) -> BackpropDialog:
    """The Training tab's last run's first step (its first training sample through the network as it started,
    with the run's loss and learning rate): the same numbers as the lesson's figures."""
    trainer = window.panel("training").trainer
    if trainer is None:
        raise NoRunToShow("no run has finished yet: press Train (or Do it for me) first, then show its step")
    step = backprop_step(trainer)  # a network the hand-worked pass does not cover raises a BackpropError
    widest = max([len(step.x)] + [len(layer.outputs) for layer in step.layers])
    if widest > MAX_DRAWN:
        raise NoRunToShow(f"the graph labels every weight, so it draws networks of at most {MAX_DRAWN} inputs and "
                          f"{MAX_DRAWN} neurons a layer; this one has a layer of {widest} (the Backpropagation "
                          "lesson's 2-2-1 network is made for it)")
    dialog = window.findChild(BackpropDialog)
    if dialog is None:  # one per window, most of its size: it is read from the back of the room
        dialog = BackpropDialog(window)
        dialog.resize(min(1500, int(window.width() * 0.92)), min(820, int(window.height() * 0.88)))
    dialog.show_step(step, "The run's first step: its first training sample through the network as it "
                           "started. On each edge: the weight and its gradient; under each neuron: its sum z, "
                           "its output a and its bias's gradient.")
    dialog.show()
    dialog.raise_()
    return dialog


def show_view(window: QMainWindow, view: str) -> BackpropDialog:
    if view == "backprop_graph":
        return show_backprop_graph(window)
    raise NNStudioError(f"{view!r} is not a view (known: {', '.join(VIEWS)})")


def backprop_button(parent: QWidget) -> QPushButton:
    """'Backprop step on the graph…': the last run's first step, for a small dense network outside a lesson."""
    button = QPushButton("Backprop step on the graph\u2026")
    button.setObjectName("backpropButton")
    button.setToolTip("The last run's first step drawn on the network: every forward value and every weight's "
                      f"gradient (a dense network of at most {MAX_DRAWN} neurons a layer)")

    def clicked() -> None:
        try:
            show_backprop_graph(parent.window())
        except NNStudioError as exc:
            show_error(parent, "Cannot show the backpropagation step", exc)

    button.clicked.connect(clicked)
    return button
