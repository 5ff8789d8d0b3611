"""What every panel receives: the document, the undo stack, settings and app-wide signals."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import Trainer
from nnstudio.core.workspace.document import ProjectDocument
from nnstudio.gui.settings_store import SettingsStore


class AppContext(QObject):
    # A plain-Python payload (e.g. {"x": ndarray, "label": ..., "source": "evaluation"}) for the
    # Interpretability tab; panels connect to it rather than to each other.
    example_sent = Signal(object)
    # Text for the status bar, with a timeout in ms (0: until replaced).
    status_message = Signal(str, int)
    # True while a training run holds the model; views that must not touch it listen.
    training_active_changed = Signal(bool)
    # The window asks a panel to show itself: the tab's objectName.
    show_tab_requested = Signal(str)
    # A run is about to start: tabs that watch runs (and are built only when first needed) get built now,
    # so their callbacks are registered before the Training tab collects them.
    run_starting = Signal()
    # A run has ended and the Training tab has shown it: its RunOutcome.
    run_finished = Signal(object)

    def __init__(self, document: ProjectDocument, settings: SettingsStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings
        self.undo_stack = QUndoStack(self)
        self.training_active = False
        # Views that watch a run from inside (statistics, live boundaries, live attributions) register a
        # factory here; the Training tab calls each one when a run starts and passes the callbacks it
        # returns to the worker, where they run in the training thread.
        self.run_callback_factories: list[Callable[[Trainer], list[Callback]]] = []

    def run_callbacks(self, trainer: Trainer) -> list[Callback]:
        self.run_starting.emit()
        return [cb for factory in self.run_callback_factories for cb in factory(trainer)]

    def set_training_active(self, active: bool) -> None:
        if active != self.training_active:
            self.training_active = active
            self.training_active_changed.emit(active)
