"""Room that follows the font: a vertical-only scroll area as wide as its content needs, and a stretched table
column never narrower than its title and values.

A pane that scrolls only up and down cuts whatever its content cannot fit across. Its minimum width was set
once, from the content at the font it was built with; with presentation mode's larger text (or a larger
font preference) the content grew and its right side was cut off. Here the minimum follows the content.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QScrollArea


class _Follow(QObject):
    def __init__(self, area: QScrollArea, at_least: int) -> None:
        super().__init__(area)
        self.area, self.at_least = area, at_least

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.FontChange, QEvent.Type.Show):
            fit(self.area, self.at_least)
        return False


def fit(area: QScrollArea, at_least: int = 0) -> None:
    content = area.widget()
    if content is None:
        return
    bar = area.verticalScrollBar().sizeHint().width()
    need = max(content.minimumSizeHint().width() + bar + 2 * area.frameWidth(), at_least)
    if need != area.minimumWidth():
        area.setMinimumWidth(need)


def fit_content_width(area: QScrollArea, at_least: int = 0) -> QScrollArea:
    """No horizontal scroll bar, and at least as wide as ``area``'s content needs (and ``at_least`` pixels),
    now and after the content changes."""
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    if area.widget() is not None:
        area.widget().installEventFilter(_Follow(area, at_least))
    fit(area, at_least)
    return area


class _StretchWhileRoom(QObject):
    def __init__(self, view: QAbstractItemView, section: int) -> None:
        super().__init__(view)
        self.view, self.section = view, section

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.Resize, QEvent.Type.FontChange, QEvent.Type.Show, QEvent.Type.LayoutRequest):
            self.update()
        return False

    def update(self) -> None:
        header: QHeaderView = self.view.horizontalHeader()
        i = self.section
        need = max(header.sectionSizeFromContents(i).width(), self.view.sizeHintForColumn(i))
        others = sum(header.sectionSize(k) for k in range(header.count()) if k != i and not header.isSectionHidden(k))
        room = self.view.viewport().width() >= others + need
        mode = QHeaderView.ResizeMode.Stretch if room else QHeaderView.ResizeMode.ResizeToContents
        if header.sectionResizeMode(i) != mode:
            header.setSectionResizeMode(i, mode)


def stretch_while_room(view: QAbstractItemView, section: int) -> None:
    """Column ``section`` takes the table's spare width, but never less than its title and values need: a
    stretched column squeezed below them (a narrow pane, a projector's large text) showed 'Ru' for 'Run'.
    The other columns are sized to their contents; when all of them do not fit, the table scrolls across."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    follow = _StretchWhileRoom(view, section)
    view.installEventFilter(follow)
    view.viewport().installEventFilter(follow)
    header.installEventFilter(follow)
    follow.update()
