"""The "?" beside a choice in a form: asks its window to open that choice's entry in Help > Concepts.

Forms sit deep inside the tabs and know nothing of the window's help; the button sends its request through
one application-wide :data:`HELP_REQUESTS` object, with its own window, and that window's help answers.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QToolButton, QWidget


class HelpRequests(QObject):
    # (the registry entry's name, its title, the window of the button pressed)
    requested = Signal(str, str, QWidget)


HELP_REQUESTS = HelpRequests()


class HelpButton(QToolButton):
    """A small "?" that opens the glossary entry of ``name`` (a layer kind, a loss, a preprocessing step ...)."""

    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name, self.title = name, title
        self.setObjectName("conceptHelpButton")
        self.setText(f"? What is {title}")
        self.setAutoRaise(True)  # a link, not one more button among the settings
        self.setToolTip(f"What is {title}? Opens its entry in Help > Concepts")
        self.setAccessibleName(f"What is {title}?")
        self.clicked.connect(lambda: HELP_REQUESTS.requested.emit(self.name, self.title, self.window()))
