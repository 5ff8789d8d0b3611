"""Help > Keyboard shortcuts: every key the window binds, read from gui/shortcuts.py's ``bindings`` (the same
walk that checks no key is bound twice), with what it does and where it works."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QHeaderView,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui.shortcuts import Binding, bindings


def _what(obj: object) -> str:
    """What the key does, as the user reads it: the action's or button's text, else its tooltip."""
    text = obj.text() if isinstance(obj, (QAction, QAbstractButton)) else ""
    text = text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("\u2026.").strip()
    if not text and isinstance(obj, (QShortcut, QAbstractButton)):
        owner = obj.parent() if isinstance(obj, QShortcut) else obj
        text = (owner.toolTip() if isinstance(owner, QWidget) else "") or (owner.objectName() if owner else "")
    return text


def _widget_of(obj: object, binding: Binding) -> QWidget | None:
    if isinstance(obj, QAbstractButton):
        return obj
    if isinstance(obj, (QShortcut, QAction)) and isinstance(obj.parent(), QWidget):
        return obj.parent()
    return binding.scope


def _tab_title(panel: QWidget) -> str:
    """The title of the tab showing ``panel`` (the tab bar's text), found from the panel up."""
    parent = panel.parentWidget()
    while parent is not None and not isinstance(parent, QTabWidget):
        parent = parent.parentWidget()
    index = parent.indexOf(panel) if parent is not None else -1
    return parent.tabText(index) if index >= 0 else ""


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Keys", "What it does", "Where"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(self.fontMetrics().averageCharWidth() * 90, self.fontMetrics().height() * 30)

    def rows(self) -> list[tuple[str, str, str]]:
        """(keys as this platform writes them, what it does, where it works), one per binding, sorted by key."""
        from nnstudio.core.lessons.format import TABS  # the window's tab names

        window = self.window_
        panels = [(name, window.panel(name)) for name in TABS]  # built now: the keys of tabs not opened yet count
        objects = {id(o): o for kind in (QAction, QShortcut, QAbstractButton) for o in window.findChildren(kind)}
        seen: set[tuple[str, int]] = set()
        out = []
        for binding in bindings(window):
            if (binding.sequence, binding.source) in seen:
                continue  # one action shown in a menu and a toolbar is one shortcut
            seen.add((binding.sequence, binding.source))
            keys = QKeySequence(binding.sequence).toString(QKeySequence.SequenceFormat.NativeText)
            obj = objects.get(binding.source)
            out.append((keys, _what(obj) or binding.owner, self._where(_widget_of(obj, binding), panels)))
        return sorted(out, key=lambda row: (row[2] != "Everywhere", row[2], row[0]))

    @staticmethod
    def _where(widget: QWidget | None, panels: list[tuple[str, QWidget | None]]) -> str:
        """The tab whose page holds the key's widget (it works only while that tab shows), else everywhere."""
        for name, panel in panels:
            if panel is not None and widget is not None and (widget is panel or panel.isAncestorOf(widget)):
                return f"{_tab_title(panel) or name} tab"
        return "Everywhere"

    def refresh(self) -> None:
        rows = self.rows()
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
