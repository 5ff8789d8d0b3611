"""Key sequences without duplicates, and a check that no sequence is bound twice where both could fire.

Qt gives a key bound twice in overlapping scopes to neither binding ("QAction::event: Ambiguous shortcut
overload"): Redo listed Ctrl+Shift+Z and the platform's standard Redo keys, which on X11 (and offscreen)
include Ctrl+Shift+Z again, so Ctrl+Shift+Z did nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QMenu, QMenuBar, QStackedWidget, QToolButton, QWidget

Key = QKeySequence | QKeySequence.StandardKey | str


def unique_shortcuts(*keys: Key) -> list[QKeySequence]:
    """The sequences of ``keys`` in order, standard keys expanded to this platform's bindings, each once."""
    out: list[QKeySequence] = []
    seen: set[str] = set()
    for key in keys:
        expanded = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) else [QKeySequence(key)]
        for seq in expanded:
            text = seq.toString(QKeySequence.SequenceFormat.PortableText)
            if text and text not in seen:
                seen.add(text)
                out.append(seq)
    return out


@dataclass
class Binding:
    sequence: str  # portable text, e.g. "Ctrl+Shift+Z"
    owner: str  # what a developer would look for: the action's text or the widget's object name
    scope: QWidget | None  # None: the whole application
    subtree: bool  # the scope's children too (window and widget-with-children contexts)
    pages: dict[int, int] = field(default_factory=dict)  # id(stacked widget) -> page index: only one page shows at a time
    source: int = 0  # id of the action / shortcut / button: Qt registers each of its sequences once


def _pages(widget: QWidget | None) -> dict[int, int]:
    """For every stacked widget (tab pages) above ``widget``, which of its pages holds it."""
    pages: dict[int, int] = {}
    child, parent = widget, widget.parentWidget() if widget is not None else None
    while parent is not None:
        if isinstance(parent, QStackedWidget):
            pages[id(parent)] = parent.indexOf(child)
        child, parent = parent, parent.parentWidget()
    return pages


def _scopes(context: Qt.ShortcutContext, widgets: list[QWidget]) -> list[tuple[QWidget | None, bool, QWidget]]:
    """(scope, whether its children count, the widget whose visibility the binding needs)."""
    if context == Qt.ShortcutContext.ApplicationShortcut:
        return [(None, True, w) for w in widgets]
    if context == Qt.ShortcutContext.WindowShortcut:
        return [(w.window(), True, w) for w in widgets]
    return [(w, context == Qt.ShortcutContext.WidgetWithChildrenShortcut, w) for w in widgets]


def bindings(root: QWidget) -> list[Binding]:
    """Every shortcut under ``root``: actions, QShortcuts and buttons' explicit shortcuts (not mnemonics)."""
    found: list[Binding] = []

    def add(sequences, owner: str, context: Qt.ShortcutContext, widgets: list[QWidget], source: object) -> None:
        for scope, subtree, widget in _scopes(context, widgets):
            for seq in sequences:
                text = seq.toString(QKeySequence.SequenceFormat.PortableText)
                if text:
                    found.append(Binding(text, owner, scope, subtree, _pages(widget), id(source)))

    for action in root.findChildren(QAction):
        widgets = [w for w in action.associatedObjects() if isinstance(w, QWidget) and not isinstance(w, (QMenu, QMenuBar))]
        if not widgets and isinstance(action.parent(), QWidget):
            widgets = [action.parent()]  # a menu-bar action: live in its window
        add(action.shortcuts(), f"action {action.text()!r}", action.shortcutContext(), widgets, action)
    for shortcut in root.findChildren(QShortcut):
        if isinstance(shortcut.parent(), QWidget):
            add([shortcut.key()], f"shortcut on {shortcut.parent().objectName() or type(shortcut.parent()).__name__}",
                shortcut.context(), [shortcut.parent()], shortcut)
    for button in root.findChildren(QAbstractButton):
        if isinstance(button, QToolButton) and button.defaultAction() is not None:
            continue  # the action is counted
        seq = button.shortcut()
        if seq.isEmpty() or seq == QKeySequence.mnemonic(button.text()):
            continue
        add([seq], f"button {button.objectName() or button.text()!r}", Qt.ShortcutContext.WindowShortcut, [button], button)
    return found


def _contains(outer: Binding, inner: Binding) -> bool:
    if outer.scope is None:
        return True
    if inner.scope is None:
        return False
    if outer.scope is inner.scope:
        return True
    return outer.subtree and outer.scope.isAncestorOf(inner.scope)


def _can_show_together(a: Binding, b: Binding) -> bool:
    return all(a.pages[k] == b.pages[k] for k in a.pages.keys() & b.pages.keys())


def clashes(root: QWidget) -> list[str]:
    """One line per key sequence bound twice where both bindings could be live at once: twice in one action's
    list, or in two bindings whose scopes overlap (one inside the other) on pages that can show together."""
    out: list[str] = []
    for action in root.findChildren(QAction):
        texts = [s.toString(QKeySequence.SequenceFormat.PortableText) for s in action.shortcuts()]
        out += [f"{t}: twice in action {action.text()!r}" for t in dict.fromkeys(texts) if t and texts.count(t) > 1]
    found = bindings(root)
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            if (a.source != b.source and a.sequence == b.sequence and (_contains(a, b) or _contains(b, a))
                    and _can_show_together(a, b)):
                out.append(f"{a.sequence}: {a.owner} and {b.owner}")
    return sorted(set(out))
