"""The views a lesson's ``show`` action opens on the last finished run (``core.lessons.format.VIEWS`` names
them; the lesson panel offers the same as a button, for a class that pressed Train by hand)."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.lessons.model_figures import backprop_step
from nnstudio.gui.widgets.backprop_graph import BackpropDialog

# view name -> the button's words in the lesson panel
VIEWS = {"backprop_graph": "Show the step on the network graph"}


class NoRunToShow(NNStudioError):
    """A view of a run was asked for before any run finished."""


def show_backprop_graph(window: QMainWindow) -> BackpropDialog:
    """The Training tab's last run's first step (its first training sample through the network as it started,
    with the run's loss and learning rate): the same numbers as the lesson's figures."""
    trainer = window.panel("training").trainer
    if trainer is None:
        raise NoRunToShow("no run has finished yet: press Train (or Do it for me) first, then show its step")
    step = backprop_step(trainer)  # a network the hand-worked pass does not cover raises a BackpropError
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
