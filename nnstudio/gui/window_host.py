"""What the parts of the window that are not panels (the File menu, lessons, the start page) may ask of it.

:class:`WindowHost` is a narrow interface: the main window implements it, and those parts are typed against it
instead of importing the window (which imports them) or reaching into its private members.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from nnstudio.core.data.assemble import PreparedData
    from nnstudio.core.project.spec import Project
    from nnstudio.core.workspace.document import ProjectDocument
    from nnstudio.gui.context import AppContext
    from nnstudio.gui.settings_store import SettingsStore


class WindowHost(Protocol):
    ctx: AppContext
    document: ProjectDocument
    settings: SettingsStore

    def new_project(self) -> None: ...

    def new_from_template(self, name: str) -> None: ...

    def new_from_ready_project(self, project: Project, prepared: PreparedData | None = None) -> None: ...

    def open_dialog(self) -> None: ...

    def open_path(self, path: Path, confirmed: bool = False) -> bool: ...

    def save(self) -> bool: ...

    def save_as(self) -> bool: ...

    def close(self) -> bool: ...

    def busy_training(self) -> bool:
        """True (after telling the user why) while a run holds the project, so it cannot be replaced now."""
        ...

    def show_status(self, text: str, timeout_ms: int = 5000) -> None: ...

    def show_tab(self, object_name: str) -> None: ...

    def panel(self, object_name: str) -> QWidget | None:
        """That tab's panel, built on first use."""
        ...


def make_action(parent: QWidget, text: str, slot: Callable, shortcut: QKeySequence | str | None = None, tip: str = "") -> QAction:
    """A menu action with its shortcut and its tip (as status tip and tooltip)."""
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(shortcut)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(slot)
    return action
