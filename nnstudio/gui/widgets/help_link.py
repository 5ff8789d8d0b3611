"""The "?" beside a choice in a form: asks its window to open that choice's entry in Help > Concepts.

Forms sit deep inside the tabs and know nothing of the window's help; the button sends its request through
one application-wide :data:`HELP_REQUESTS` object, with its own window, and that window's help answers.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QToolButton, QWidget

from nnstudio.core.base.registry import Registry


class HelpRequests(QObject):
    # (the registry entry's name, its title, the window of the button pressed)
    requested = Signal(str, str, QWidget)


HELP_REQUESTS = HelpRequests()


class HelpButton(QToolButton):
    """A small "?" that opens the glossary entry of ``name`` (a layer kind, a loss, a preprocessing step ...).
    ``compact``: only the "?" (its tooltip names the entry), for a bar of settings with no room for words."""

    def __init__(self, name: str, title: str, parent: QWidget | None = None, compact: bool = False) -> None:
        super().__init__(parent)
        self.compact = compact
        self.setObjectName("conceptHelpButton")
        self.setAutoRaise(True)  # a link, not one more button among the settings
        self.set_entry(name, title)
        self.clicked.connect(self._clicked)

    def set_entry(self, name: str, title: str) -> None:
        self.name, self.title = name, title
        self.setText("?" if self.compact else f"? What is {title}")
        self.setToolTip(f"What is {title}? Opens its entry in Help > Concepts")
        self.setAccessibleName(f"What is {title}?")

    def _clicked(self) -> None:
        HELP_REQUESTS.requested.emit(self.name, self.title, self.window())


class ChoiceHelpButton(HelpButton):
    """The "?" beside a combo box of a registry's entries (item data: the entry's name): it opens the entry
    chosen now. Forms set their combos with signals blocked, so it also looks again when shown or clicked."""

    def __init__(self, combo: QComboBox, registry: Registry[Any], parent: QWidget | None = None,
                 compact: bool = False) -> None:
        self.combo, self.registry = combo, registry
        super().__init__("", "", parent, compact)
        self.setObjectName(f"{combo.objectName()}Help")
        combo.currentIndexChanged.connect(self.follow)
        self.follow()

    def follow(self, *_: object) -> None:
        name = self.combo.currentData()
        if name in self.registry and name != self.name:
            entry = self.registry.get(name)
            self.set_entry(entry.name, entry.title)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.follow()
        super().showEvent(event)

    def _clicked(self) -> None:
        self.follow()
        super()._clicked()
