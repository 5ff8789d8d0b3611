"""Help > Concepts has an entry for every registry entry (its text is the registry's help) and for the
lecture's ideas; "Try it" opens the lesson that shows it; a form's "?" opens its choice's entry; Help >
Keyboard shortcuts lists every shortcut the window binds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from nnstudio.core.base.registry import ATTRIBUTIONS, LAYERS, LOSSES, METRICS, OPTIMIZERS, PREPROCESSING
from nnstudio.gui.shortcuts import bindings
from nnstudio.gui.widgets.help_link import HelpButton

REGISTRIES = (LAYERS, LOSSES, OPTIMIZERS, METRICS, PREPROCESSING, ATTRIBUTIONS)
CONCEPTS = ("Backpropagation", "Gradient descent", "Overfitting", "Latent space", "Attention")


def test_glossary_covers_every_registry_entry_and_try_it_opens_the_lesson(qtbot, main_window):
    window = main_window
    window.lessons.concepts_action.trigger()
    dialog = window.lessons.concepts
    assert dialog.isVisible()
    items = dialog.items()
    for registry in REGISTRIES:
        for entry in registry:
            key = f"{registry.kind}:{entry.name}"
            assert key in items, key
            assert items[key].text(0) == entry.title
            assert dialog.entries[key].text == entry.help
    concepts = [e for e in dialog.entries.values() if e.key.startswith("concept:")]
    assert [e.title for e in concepts] == list(CONCEPTS)
    assert all(dialog.entries[k].try_it() for k in items)  # each has somewhere to try it

    assert dialog.select("layer:tanh")
    assert dialog.title.text() == "Tanh" and LAYERS.get("tanh").help[:40] in dialog.text.toPlainText()
    assert dialog.try_button.text() == "Try it: the lesson \u201cNeurons and activations\u201d"
    qtbot.mouseClick(dialog.try_button, Qt.MouseButton.LeftButton)
    assert window.lessons.runner is not None and window.lessons.runner.lesson.name == "neurons_and_activations"
    assert window.document.project.name == "Moons, one hidden layer of 8"

    dialog.filter.setText("overfit")
    shown = [k for k, item in items.items() if not item.isHidden()]
    assert "concept:overfitting" in shown and "layer:conv2d" not in shown


def test_question_mark_in_a_form_opens_its_entry(qtbot, main_window):
    window = main_window
    panel = window.architecture_panel
    window.show_tab("architecture")
    panel.stack.topLevelItem(0).setSelected(True)  # the first layer: its form shows
    qtbot.waitUntil(lambda: any(b.isVisible() for b in panel.findChildren(HelpButton)))
    buttons = [b for b in panel.findChildren(HelpButton) if b.isVisible()]
    button = buttons[0]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.lessons.concepts
    assert dialog is not None and dialog.isVisible()
    assert dialog.current.name == button.name and dialog.title.text() == button.title


def test_keyboard_shortcuts_lists_every_binding(qtbot, main_window):
    window = main_window
    window.lessons.shortcuts_action.trigger()
    dialog = window.lessons.shortcuts
    table = dialog.table
    shown = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    keys = {k for k, _ in shown}
    for binding in bindings(window):  # every tab is built by now: their buttons' keys too
        assert QKeySequence(binding.sequence).toString(QKeySequence.SequenceFormat.NativeText) in keys, binding.owner
    assert ("Ctrl+T", "Train") in shown
    rows = {tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())}
    assert ("Ctrl+T", "Train", "Training tab") in rows  # a button's key works only while its tab shows
    assert (QKeySequence(QKeySequence.StandardKey.Save).toString(QKeySequence.SequenceFormat.NativeText), "Save") in shown
    assert ("F11", "Presentation mode", "Everywhere") in rows
