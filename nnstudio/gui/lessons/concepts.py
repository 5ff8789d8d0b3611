"""Help > Concepts: the glossary to browse (grouped, with a filter), each entry's explanation and settings, and
"Try it", which opens the lesson or template that shows it."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui.lessons.glossary import GlossaryEntry, find_lesson_entry, glossary
from nnstudio.gui.lessons.text import scaled_font
from nnstudio.gui.widgets.wrapped_label import WrappedLabel

KEY_ROLE = Qt.ItemDataRole.UserRole


class ConceptsDialog(QDialog):
    try_lesson = Signal(object)  # a Lesson
    try_template = Signal(str)  # a template's name
    tab_requested = Signal(str)  # the tab that shows the entry, after its project opened

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conceptsDialog")
        self.setWindowTitle("Concepts")
        self.entries = {e.key: e for e in glossary()}
        self.filter = QLineEdit()
        self.filter.setObjectName("conceptsFilter")
        self.filter.setPlaceholderText("Find a concept…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree = QTreeWidget()
        self.tree.setObjectName("conceptsTree")
        self.tree.setHeaderHidden(True)
        groups: dict[str, QTreeWidgetItem] = {}
        for entry in self.entries.values():
            group = groups.get(entry.group)
            if group is None:
                group = groups[entry.group] = QTreeWidgetItem(self.tree, [entry.group])
                font = QFont(group.font(0))
                font.setBold(True)
                group.setFont(0, font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item = QTreeWidgetItem(group, [entry.title])
            item.setData(0, KEY_ROLE, entry.key)
            item.setToolTip(0, entry.text)
        self.tree.expandAll()
        self.tree.currentItemChanged.connect(self._item_changed)

        self.title = WrappedLabel()
        self.title.setObjectName("conceptTitle")
        self.title.setFont(scaled_font(self.title, 1.4, bold=True))
        self.group = WrappedLabel()
        self.group.setObjectName("conceptGroup")
        self.text = QTextBrowser()
        self.text.setObjectName("conceptText")
        self.text.setOpenLinks(False)
        self.try_button = QPushButton()
        self.try_button.setObjectName("conceptTryIt")
        self.try_button.clicked.connect(self.try_it)
        right = QWidget()
        column = QVBoxLayout(right)
        column.addWidget(self.title)
        column.addWidget(self.group)
        column.addWidget(self.text, 1)
        column.addWidget(self.try_button, 0, Qt.AlignmentFlag.AlignLeft)
        left = QWidget()
        side = QVBoxLayout(left)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.filter)
        side.addWidget(self.tree, 1)
        splitter = self.splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        first = self.tree.topLevelItem(0)
        if first is not None and first.childCount():
            self.tree.setCurrentItem(first.child(0))

    def show_over(self, window: QWidget) -> None:
        """Sized to the window and the text size of now (presentation mode may have changed it)."""
        frame = window.geometry()
        width, height = int(frame.width() * 0.75), int(frame.height() * 0.8)
        self.resize(width, height)
        self.move(frame.x() + (frame.width() - width) // 2, frame.y() + (frame.height() - height) // 2)
        tree = min(width // 2, self.fontMetrics().averageCharWidth() * 34)
        self.splitter.setSizes([tree, width - tree])
        self.show()
        self.raise_()

    # ------------------------------------------------------------------ browsing
    def items(self) -> dict[str, QTreeWidgetItem]:
        out = {}
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                out[group.child(j).data(0, KEY_ROLE)] = group.child(j)
        return out

    def select(self, key: str) -> bool:
        item = self.items().get(key)
        if item is None:
            return False
        self.filter.clear()
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        return True

    @property
    def current(self) -> GlossaryEntry | None:
        item = self.tree.currentItem()
        key = item.data(0, KEY_ROLE) if item is not None else None
        return self.entries.get(key) if key else None

    @Slot()
    def _item_changed(self, *_: object) -> None:
        entry = self.current
        if entry is None:
            return
        self.title.setText(entry.title)
        self.group.setText(entry.group if entry.group.startswith("Ideas") else f"{entry.group} \u00b7 {entry.name}")
        html = f"<p>{escape(entry.text)}</p>"
        if entry.settings:
            rows = "".join(f"<li>{escape(line)}</li>" for line in entry.settings)
            html += f"<p><b>Its settings</b></p><ul>{rows}</ul>"
        self.text.setHtml(html)
        self.try_button.setText(entry.try_it())
        self.try_button.setVisible(bool(entry.try_it()))

    @Slot(str)
    def _apply_filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                entry = self.entries[item.data(0, KEY_ROLE)]
                haystack = f"{entry.title} {entry.name} {entry.text}".lower()
                hide = not all(w in haystack for w in words)
                item.setHidden(hide)
                shown += not hide
            group.setHidden(shown == 0)

    # ------------------------------------------------------------------ trying
    @Slot()
    def try_it(self) -> None:
        entry = self.current
        if entry is None:
            return
        lesson = find_lesson_entry(entry.lesson) if entry.lesson else None
        if lesson is not None:
            self.try_lesson.emit(lesson)
        elif entry.template:
            self.try_template.emit(entry.template)
        else:
            return
        if entry.tab:
            self.tab_requested.emit(entry.tab)
