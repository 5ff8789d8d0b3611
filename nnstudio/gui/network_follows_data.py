"""The network follows the data: when the dataset changes, the first layer's inputs and the last layer's
outputs take the new sizes as one undo step, with a note in the status bar (pinned layers stay).

It lives outside the Architecture tab because that tab is built lazily: the network must follow the data
even when the user never opened it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from nnstudio.core.arch.adapt import needed_outputs, plan_adaptation
from nnstudio.core.base.errors import NNStudioError
from nnstudio.gui.context import AppContext

NOTE_MS = 15000  # long enough to read aloud in a class


def sentence(note: str) -> str:
    """A note as a sentence (the core writes them to follow a colon)."""
    return note[:1].upper() + note[1:]


class NetworkFollowsData(QObject):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.ctx = ctx
        ctx.document.data_changed.connect(self.adapt)

    def adapt(self) -> None:
        # Imported on first use: it loads the Architecture tab's package, which start-up leaves for later.
        from nnstudio.gui.panels.architecture.undo import ArchitectureUndoCommand

        document = self.ctx.document
        if document.project.gan is not None:  # a GAN's networks map noise to a sample and a sample to one score
            return
        try:
            bundle = document.bundle()
        except NNStudioError:
            return  # the Data tab shows why the data cannot be used
        plan = plan_adaptation(document.project.architecture, bundle.input_shape, needed_outputs(bundle))
        pushed = False
        if plan.command is not None:
            try:
                plan.command.apply(document.project.architecture.copy())  # dry run: a failing edit never reaches the stack
            except NNStudioError as exc:
                self._note(f"The network could not follow the data: {exc}")
                return
            self.ctx.undo_stack.push(ArchitectureUndoCommand(document, plan.command))
            pushed = True
        notes = [sentence(n) for n in plan.notes]
        if pushed:
            notes[0] += " (Ctrl+Z undoes it)"
        if notes:
            self._note("; ".join(notes))

    def _note(self, text: str) -> None:
        # After the event that changed the data: the Data tab's own "Loaded ..." line comes first, then this
        # one, which says more, stays.
        QTimer.singleShot(0, self, lambda: self.ctx.status_message.emit(text, NOTE_MS))
