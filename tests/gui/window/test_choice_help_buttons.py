"""Every combo box of the window whose items are a registry's entries (loss, optimizer, schedule, attribution
method, activation ...) has a "?" beside it, and clicking it opens Help > Concepts on the entry chosen now."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QStackedWidget, QTabWidget

from nnstudio.core.base.registry import ATTRIBUTIONS, LAYERS, LOSSES, METRICS, OPTIMIZERS, PREPROCESSING
from nnstudio.core.training.schedules import SCHEDULES
from nnstudio.gui.panels.interpret.views import COMPARE
from nnstudio.gui.widgets.help_link import ChoiceHelpButton

GLOSSARY_REGISTRIES = (LAYERS, LOSSES, OPTIMIZERS, SCHEDULES, METRICS, PREPROCESSING, ATTRIBUTIONS)


def _registry_of(combo: QComboBox):
    """The glossary registry all of the combo's items are entries of, or None."""
    names = [combo.itemData(i) for i in range(combo.count())]
    if len(names) < 2 or not all(isinstance(n, str) for n in names):
        return None
    return next((r for r in GLOSSARY_REGISTRIES if all(n in r for n in names)), None)


def _every_tab_built(window, qtbot) -> None:
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        qtbot.waitUntil(window.tabs.widget(i).isVisible)


def _reveal(widget) -> None:
    """Show the tab, page and sub-tab the widget is on, as a user would by clicking through them."""
    child, parent = widget, widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QStackedWidget) and parent.indexOf(child) >= 0:
            owner = parent.parentWidget()
            if isinstance(owner, QTabWidget):
                owner.setCurrentIndex(parent.indexOf(child))
            else:
                parent.setCurrentWidget(child)
        child, parent = parent, parent.parentWidget()


def _open_by_its_question_mark(window, qtbot, combo: QComboBox, button: ChoiceHelpButton) -> None:
    registry = button.registry
    index = combo.count() - 1 if combo.currentIndex() != combo.count() - 1 else 0  # not the first shown
    _reveal(combo)
    if combo.objectName() == "secondMethodCombo":  # method B shows when comparing two methods
        qtbot.mouseClick(window.interpret_panel.mode_buttons.button(COMPARE), Qt.MouseButton.LeftButton)
    combo.setCurrentIndex(index)
    entry = registry.get(combo.itemData(index))
    qtbot.waitUntil(button.isVisible)
    if not button.compact:
        assert button.text() == f"? What is {entry.title}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.lessons.concepts
    assert dialog is not None and dialog.isVisible()
    assert dialog.current.key == f"{registry.kind}:{entry.name}", combo.objectName()
    assert dialog.title.text() == entry.title
    assert " ".join(entry.help.split())[:30] in " ".join(dialog.text.toPlainText().split())
    dialog.close()


def test_every_registry_combo_has_a_question_mark_opening_its_current_entry(qtbot, main_window):
    window = main_window
    window.resize(1280, 720)
    _every_tab_built(window, qtbot)
    buttons = {b.combo: b for b in window.findChildren(ChoiceHelpButton)}
    combos = [c for c in window.findChildren(QComboBox) if _registry_of(c) is not None]
    missing = [c.objectName() for c in combos if c not in buttons]
    assert not missing, f"registry combos without a '?': {missing}"
    names = {c.objectName() for c in combos}
    # the Training tab's three choices, the Interpretability methods, the Playground's activation and optimizer
    assert {"lossChoice", "optimizerChoice", "scheduleChoice", "methodCombo", "playgroundActivation",
            "playgroundOptimizer"} <= names, names
    for combo in combos:
        _open_by_its_question_mark(window, qtbot, combo, buttons[combo])


def test_question_mark_follows_a_choice_set_without_signals(qtbot, main_window):
    """Opening a project puts its loss into the combo with the combo's signals blocked: the "?" still names
    and opens that loss, not the one shown before."""
    window = main_window
    window.show_tab("training")
    form = window.training_panel.settings_form
    spec = form.spec()
    spec.loss = "mse" if spec.loss != "mse" else "cross_entropy"
    form.set_spec(spec)
    button = form.loss.help_button
    qtbot.waitUntil(button.isVisible)
    assert button.text() == f"? What is {LOSSES.get(spec.loss).title}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.lessons.concepts
    assert dialog.current.key == f"{LOSSES.kind}:{spec.loss}" and dialog.title.text() == LOSSES.get(spec.loss).title
