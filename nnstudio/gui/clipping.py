"""Find visible text that does not fit: a projector at 1280x720 with large fonts cuts what 1600x1000 showed whole.

Each visible label, button, check box, combo box (its current text, and its widest item against the room its
open list can have), group-box title, tab title, table column title and plot (its title, axes and side legend)
is measured in its own font (``QFontMetrics.horizontalAdvance``; a word-wrapped label by the height it needs
at its width) and compared with the room it has: its own contents rectangle, less whatever an ancestor cuts
off (a splitter pane, a frame), except where a scroll area can scroll to it. A combo made to elide
(``widgets.elide_combo``) may shorten its current text: its open list shows it whole.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiNS
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QSplitter,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionGroupBox,
    QTabBar,
    QWidget,
)

from nnstudio.gui.widgets.elide_combo import elides

SLACK = 1  # pixels: rounding in the style's rectangles


@dataclass(frozen=True)
class Clip:
    where: str  # the widget's object-name path from the root
    text: str
    need: int
    room: int
    what: str = "width"  # or "height" for a word-wrapped label

    def __str__(self) -> str:
        return f"{self.where}: {self.text[:60]!r} needs {self.need} px of {self.what}, has {self.room}"


def clipped_texts(root: QWidget) -> list[Clip]:
    """Every visible text under ``root`` (``root`` included) that does not fit where it is shown."""
    found: list[Clip] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 0 or widget.height() <= 0 or _folded(widget):
            continue
        if isinstance(widget, QLabel):
            found += _label(widget)
        elif isinstance(widget, (QPushButton, QCheckBox, QRadioButton)):
            found += _button(widget)
        elif isinstance(widget, QComboBox):
            found += _combo(widget)
        elif isinstance(widget, QGroupBox):
            found += _group_title(widget)
        elif isinstance(widget, QTabBar):
            found += _tabs(widget)
        elif isinstance(widget, QHeaderView):
            found += _header(widget)
        elif _is_plot(widget):
            found += _plot(widget)
    return found


def describe(clips: list[Clip]) -> str:
    return "\n".join(str(c) for c in clips)


# ---------------------------------------------------------------------- the room a widget really has
def visible_width(widget: QWidget) -> int:
    """How much of ``widget``'s width shows: ancestors cut it, except a scroll area that can scroll to the rest.
    (Only across: what a vertical scroll bar hides is reachable.)"""
    # QWidget's own x()/width(): a view may name an attribute x (its data) and hide the method
    left, right = 0, QWidget.width(widget)
    child, parent = widget, widget.parentWidget()
    x = 0
    while parent is not None and not child.isWindow():
        x += QWidget.x(child)
        area = parent.parentWidget()
        if (isinstance(area, QAbstractScrollArea) and area.viewport() is parent
                and area.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff):
            break  # the user can scroll to the cut part
        left, right = max(left, -x), min(right, QWidget.width(parent) - x)
        if isinstance(parent, QSplitter) and parent.orientation() == Qt.Orientation.Horizontal:
            # squeezed below its minimum, a pane keeps its width and the next pane covers the rest
            right = min(right, QWidget.x(child) + parent.sizes()[parent.indexOf(child)] - x)
        child, parent = parent, parent.parentWidget()
    return max(right - left, 0)


def _folded(widget: QWidget) -> bool:
    """Inside a splitter pane folded to nothing (the user sees its handle and can drag it open)."""
    child, parent = widget, widget.parentWidget()
    while parent is not None and not child.isWindow():
        if isinstance(parent, QSplitter) and parent.sizes()[parent.indexOf(child)] == 0:
            return True
        child, parent = parent, parent.parentWidget()
    return False


def _where(widget: QWidget) -> str:
    parts = []
    w: QWidget | None = widget
    while w is not None:
        if w.objectName() and not w.objectName().startswith("qt_"):
            parts.append(w.objectName())
        w = w.parentWidget()
    return " > ".join(reversed(parts[:4])) or type(widget).__name__


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")  # mnemonics are not drawn


# ---------------------------------------------------------------------- by kind
def _label(label: QLabel) -> list[Clip]:
    text = label.text()
    if not text.strip() or (label.pixmap() is not None and not label.pixmap().isNull()):
        return []
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGuiNS.mightBeRichText(text))
    if label.buddy() is not None and not rich:
        text = _plain(text)  # a buddy's mnemonic: the & is not drawn
    inner = label.contentsRect()
    margin = label.margin() * 2 + max(label.indent(), 0)
    room = min(inner.width(), visible_width(label) - (label.width() - inner.width())) - margin
    fm = label.fontMetrics()
    ideal = _rich_width(label, text) if rich else max((fm.horizontalAdvance(line) for line in text.splitlines()), default=0)
    if label.wordWrap():
        need_h = label.heightForWidth(label.width())
        if need_h > label.height() + SLACK:
            return [Clip(_where(label), _shown(text, rich), need_h, label.height(), "height")]
        # wrapped at the label's width, its widest line may run under a pane that cuts the label; a long word
        # sticks out past the label itself
        need = max(_laid_out_width(label, text, rich, inner.width() - margin), _laid_out_width(label, text, rich, 1))
    else:
        need = ideal
    return [Clip(_where(label), _shown(text, rich), need, room)] if need > room + SLACK else []


def _shown(text: str, rich: bool) -> str:
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def _document(label: QLabel, text: str, rich: bool) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    if rich:
        doc.setHtml(text)
    else:
        doc.setPlainText(text)
    return doc


def _rich_width(label: QLabel, text: str) -> int:
    return int(_document(label, text, True).idealWidth() + 0.999)


def _laid_out_width(label: QLabel, text: str, rich: bool, width: int) -> int:
    """The widest line of ``text`` wrapped at ``width`` (wider than ``width`` when a word does not fit)."""
    doc = _document(label, text, rich)
    doc.setTextWidth(max(width, 1))
    return int(doc.idealWidth() + 0.999)


def _button(button: QAbstractButton) -> list[Clip]:
    text = _plain(button.text())
    if not text:
        return []
    option = QStyleOptionButton()
    button.initStyleOption(option)
    if isinstance(button, QPushButton):
        element = QStyle.SubElement.SE_PushButtonContents
    elif isinstance(button, QCheckBox):
        element = QStyle.SubElement.SE_CheckBoxContents
    else:
        element = QStyle.SubElement.SE_RadioButtonContents
    contents = button.style().subElementRect(element, option, button)
    icon = option.iconSize.width() + 4 if not button.icon().isNull() else 0
    need = button.fontMetrics().horizontalAdvance(text) + icon
    cut = button.width() - visible_width(button)
    room = contents.width() - max(cut - (button.width() - contents.right() - 1), 0)
    return [Clip(_where(button), text, need, room)] if need > room + SLACK else []


def _combo(combo: QComboBox) -> list[Clip]:
    out: list[Clip] = []
    fm = combo.fontMetrics()
    icon = combo.iconSize().width() + 4 if any(not combo.itemIcon(i).isNull() for i in range(combo.count())) else 0
    text = combo.currentText()
    if text and not combo.isEditable() and not elides(combo):
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                             QStyle.SubControl.SC_ComboBoxEditField, combo)
        room = field.width() - (combo.width() - visible_width(combo))
        need = fm.horizontalAdvance(text) + icon
        if need > room + SLACK:
            out.append(Clip(_where(combo), text, need, room))
    # The open list grows to its widest item, up to the screen's width.
    screen = combo.screen().availableGeometry().width() if combo.screen() else combo.window().width()
    widest = max(range(combo.count()), key=lambda i: fm.horizontalAdvance(combo.itemText(i)), default=None)
    if widest is not None:
        need = fm.horizontalAdvance(combo.itemText(widest)) + icon + 2 * combo.view().frameWidth() + 8
        if need > screen:
            out.append(Clip(_where(combo) + " (open list)", combo.itemText(widest), need, screen))
    return out


def _group_title(box: QGroupBox) -> list[Clip]:
    title = _plain(box.title())
    if not title:
        return []
    option = QStyleOptionGroupBox()
    box.initStyleOption(option)
    label = box.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, option, QStyle.SubControl.SC_GroupBoxLabel, box)
    need = box.fontMetrics().horizontalAdvance(title)
    room = min(label.width(), visible_width(box) - max(label.left(), 0))
    return [Clip(_where(box) + " (title)", title, need, room)] if need > room + SLACK else []


def _tabs(bar: QTabBar) -> list[Clip]:
    out: list[Clip] = []
    for i in range(bar.count()):
        if not bar.isTabVisible(i):
            continue
        rect = bar.tabRect(i)
        hint = bar.tabSizeHint(i)  # measured with the whole title; a squeezed tab elides it
        if rect.width() + SLACK < hint.width():
            out.append(Clip(f"{_where(bar)} (tab {i})", _plain(bar.tabText(i)), hint.width(), rect.width()))
    return out



def _header(header: QHeaderView) -> list[Clip]:
    """A table's column titles: each section against the width its title needs (a title scrolled out of
    view is reachable; a section narrower than its title shows it cut)."""
    if header.orientation() != Qt.Orientation.Horizontal or header.model() is None:
        return []
    out: list[Clip] = []
    for i in range(header.count()):
        if header.isSectionHidden(i) or header.sectionSize(i) <= 0:
            continue
        need = header.sectionSizeFromContents(i).width()
        if header.sectionSize(i) + SLACK < need:
            title = str(header.model().headerData(i, Qt.Orientation.Horizontal) or "")
            out.append(Clip(f"{_where(header)} (column {i})", title, need, header.sectionSize(i)))
    return out


def _is_plot(widget: QWidget) -> bool:
    pg = sys.modules.get("pyqtgraph")  # no plot was ever built if pyqtgraph was never imported
    return pg is not None and isinstance(widget, pg.PlotWidget)


def _plot(view) -> list[Clip]:
    """A plot whose title, axes and legend beside it need more width than the view: pyqtgraph lays the plot out
    wider than its widget, and the legend or the title's end falls outside."""
    item = view.getPlotItem()
    need = int(item.effectiveSizeHint(Qt.SizeHint.MinimumSize).width())
    room = view.viewport().width()
    if need <= room + SLACK:
        return []
    return [Clip(f"{_where(view)} (plot)", item.titleLabel.text or "its axes and legend", need, room)]
