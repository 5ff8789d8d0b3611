"""Every control a student can see says what it does: each visible button, combo, spin box, line edit and check box
on every tab (and every page of the tabs' own tab widgets) has a tooltip or an accessible description."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QTabBar,
    QTabWidget,
    QWidget,
)

CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit)  # QCheckBox is a QAbstractButton


def _described(widget: QWidget) -> bool:
    return bool(widget.toolTip().strip() or widget.accessibleDescription().strip())


def _qt_part(widget: QWidget) -> bool:
    """Pieces Qt builds inside other widgets (a tab bar's scroll arrows, a table's corner button, a combo's or
    spin box's own line edit): they are described by the widget they belong to."""
    parent = widget.parentWidget()
    return (widget.objectName().startswith("qt_") or isinstance(parent, QTabBar)
            or (isinstance(widget, QLineEdit) and isinstance(parent, QComboBox | QAbstractSpinBox)))


def _where(widget: QWidget) -> str:
    chain, w = [], widget
    while w is not None and len(chain) < 4:
        chain.append(type(w).__name__ + (f"#{w.objectName()}" if w.objectName() else ""))
        w = w.parentWidget()
    text = widget.text() if isinstance(widget, QAbstractButton | QLineEdit) else ""
    return f"{text!r} in " + " < ".join(chain)


def _undescribed(root: QWidget) -> set[str]:
    return {_where(w) for kind in CONTROLS for w in root.findChildren(kind)
            if w.isVisible() and not _qt_part(w) and not _described(w)}


def test_every_visible_control_on_every_tab_has_a_tooltip(qtbot, main_window):
    main_window.resize(1600, 1000)
    tabs = main_window.tabs
    missing: dict[str, set[str]] = {}
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)
        QApplication.processEvents()
        panel = tabs.currentWidget()
        pages: list[tuple[QTabWidget | None, int]] = [(None, 0)]
        pages += [(inner, j) for inner in panel.findChildren(QTabWidget) if inner.isVisible() for j in range(inner.count())]
        for inner, j in pages:
            if inner is not None:
                if not inner.isVisible() or not inner.isTabVisible(j):
                    continue
                inner.setCurrentIndex(j)
                QApplication.processEvents()
            where = tabs.tabText(i) + (f" / {inner.tabText(j)}" if inner is not None else "")
            found = _undescribed(main_window)
            if found:
                missing.setdefault(where, set()).update(found)
    assert not missing, "controls without a tooltip:\n" + "\n".join(
        f"{where}: {w}" for where, found in missing.items() for w in sorted(found))
