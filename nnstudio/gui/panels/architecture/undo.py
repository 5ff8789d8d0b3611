"""QUndoCommands over the pure architecture edits in ``nnstudio.core.arch.commands``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from nnstudio.core.arch.commands import EditCommand, LayerPath
from nnstudio.core.workspace.document import ProjectDocument

MERGE_ID = 3001  # any constant: merging is decided by the core command's merge_key


class ArchitectureUndoCommand(QUndoCommand):
    """Applies one core edit to the document's architecture (or to ``network``, one of the project's other
    networks: a GAN's discriminator); ``select`` is told which layer to highlight."""

    def __init__(self, document: ProjectDocument, command: EditCommand, select: Callable[[LayerPath | None], None] | None = None,
                 network: str | None = None) -> None:
        super().__init__(command.text)
        self.document = document
        self.command = command
        self.select = select
        self.network = network

    def _spec(self):
        project = self.document.project
        return project.architecture if self.network is None else project.networks[self.network]

    def redo(self) -> None:
        self.command.apply(self._spec())
        self.setText(self.command.text)
        self._changed(self.command.selection_after())

    def undo(self) -> None:
        self.command.revert(self._spec())
        self._changed(self.command.selection_before())

    def _changed(self, selection: LayerPath | None) -> None:
        self.document.set_architecture(self.document.project.architecture)
        if self.select is not None:
            self.select(selection)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return MERGE_ID if self.command.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, ArchitectureUndoCommand) or other.document is not self.document or other.network != self.network:
            return False
        if self.command.merge(other.command):
            self.setText(self.command.text)
            return True
        return False
