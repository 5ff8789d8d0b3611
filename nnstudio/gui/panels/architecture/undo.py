"""QUndoCommands over the pure architecture edits in ``nnstudio.core.arch.commands``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from nnstudio.core.arch.commands import EditCommand, LayerPath
from nnstudio.core.workspace.document import ProjectDocument

MERGE_ID = 3001  # any constant: merging is decided by the core command's merge_key


class ArchitectureUndoCommand(QUndoCommand):
    """Applies one core edit to the document's architecture; ``select`` is told which layer to highlight."""

    def __init__(self, document: ProjectDocument, command: EditCommand, select: Callable[[LayerPath | None], None] | None = None) -> None:
        super().__init__(command.text)
        self.document = document
        self.command = command
        self.select = select

    def redo(self) -> None:
        spec = self.document.project.architecture
        self.command.apply(spec)
        self.setText(self.command.text)
        self._changed(self.command.selection_after())

    def undo(self) -> None:
        self.command.revert(self.document.project.architecture)
        self._changed(self.command.selection_before())

    def _changed(self, selection: LayerPath | None) -> None:
        self.document.set_architecture(self.document.project.architecture)
        if self.select is not None:
            self.select(selection)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return MERGE_ID if self.command.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, ArchitectureUndoCommand) or other.document is not self.document:
            return False
        if self.command.merge(other.command):
            self.setText(self.command.text)
            return True
        return False
