"""Number boxes typed into as a student would: a value out of range is refused with the reason (the box
turns red, a note beside it and the status bar say what is allowed and what was kept), never rewritten
silently; a learning rate of 100 reaches the run, and a run it makes diverge shows the NaN guard's message."""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt

from nnstudio.gui.widgets.param_form import REFUSED_STYLE

LONG = 120_000


def type_into(qtbot, spin, text: str, key=Qt.Key.Key_Return) -> None:
    """Click the box, select what is there, type, then Enter (or Tab)."""
    qtbot.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), key)


def test_learning_rate_100_is_kept_and_5000_refused_with_the_reason(main_window, qtbot):
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    form = panel.settings_form
    lr = form.editors["lr"]
    type_into(qtbot, lr, "100")
    assert main_window.document.project.training.lr == 100.0 and lr.text() == "100"
    assert form.optimizer.note.isHidden() and lr.lineEdit().styleSheet() == ""

    type_into(qtbot, lr, "5000", Qt.Key.Key_Tab)
    said = "Learning rate must be between 1e-07 and 1000; kept 100"
    assert main_window.document.project.training.lr == 100.0 and lr.text() == "100"
    assert form.optimizer.note.isVisible() and form.optimizer.note.text() == said
    assert lr.lineEdit().styleSheet() == REFUSED_STYLE and lr.toolTip().startswith(said)
    assert main_window.statusBar().currentMessage() == said
    # The next accepted value clears the red and the note.
    type_into(qtbot, lr, "0.01")
    assert main_window.document.project.training.lr == 0.01
    assert form.optimizer.note.isHidden() and lr.lineEdit().styleSheet() == "" and not lr.toolTip().startswith("Learning")


def test_training_tab_whole_numbers_refuse_instead_of_swallowing_keys(main_window, qtbot):
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    training = main_window.document.project.training
    kept_batch, kept_epochs = training.batch_size, training.epochs  # the default project's
    batch = panel.settings_form.editors["batch_size"]
    type_into(qtbot, batch, "2000000")  # Qt's box swallowed the last 0 and trained with 200000
    assert main_window.document.project.training.batch_size == kept_batch
    note = batch.parentWidget().findChild(type(panel.settings_form.optimizer.note))
    assert note.text() == f"Batch size must be between 1 and 1000000; kept {kept_batch}"
    epochs = panel.settings_form.editors["epochs"]
    type_into(qtbot, epochs, "2.5")
    assert main_window.document.project.training.epochs == kept_epochs
    assert epochs.refusal == f"Epochs must be a whole number; kept {kept_epochs}"
    # Continue's epochs, beside the Train button.
    type_into(qtbot, panel.continue_epochs, "0")
    assert panel.continue_epochs.value() == 5
    assert panel.refusal_note.isVisible()
    assert panel.refusal_note.text() == "More epochs must be between 1 and 100000; kept 5"


def test_split_editor_refuses_a_fraction_out_of_range_or_too_precise(main_window, qtbot):
    main_window.tabs.setCurrentWidget(main_window.data_panel)
    editor = main_window.data_panel.split
    before = main_window.document.project.data.split.validation
    type_into(qtbot, editor.validation, "0.9")
    assert main_window.document.project.data.split.validation == before
    assert editor.note.isVisible()
    assert editor.note.text() == f"Validation share must be between 0 and 0.8; kept {before:.2f}"
    type_into(qtbot, editor.test, "0.125")
    assert editor.note.text() == "Test share takes at most 2 decimals; kept 0.15"
    type_into(qtbot, editor.batch, "64")
    assert main_window.document.project.training.batch_size == 64
    assert editor.note.isVisible()  # a value typed into another box does not hide the test share's reason


def test_layer_form_refuses_an_out_of_range_width(main_window, qtbot):
    panel = main_window.architecture_panel
    main_window.tabs.setCurrentWidget(panel)
    item = panel.stack.topLevelItem(1)  # Linear 64 -> 128
    panel.stack.scrollToItem(item)
    qtbot.mouseClick(panel.stack.viewport(), Qt.MouseButton.LeftButton, pos=panel.stack.visualItemRect(item).center())
    spin = panel.form.editors["out_features"]
    type_into(qtbot, spin, "0")
    assert main_window.document.project.architecture.layers[1].params["out_features"] == 128
    assert panel.form.note.isVisible()
    assert panel.form.note.text() == "Out features must be between 1 and 1000000; kept 128"
    assert main_window.ctx.undo_stack.count() == 0


def test_learning_rate_100_diverges_with_the_nan_guards_message_and_finite_weights(main_window, qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr("nnstudio.gui.panels.training.panel.show_error", lambda parent, title, text: shown.append((title, str(text))))
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    form = panel.settings_form
    # Adam at lr 100 only kills the ReLUs on digits; plain SGD on a squared error blows up within an epoch.
    form.optimizer.combo.setCurrentIndex(form.optimizer.combo.findData("sgd"))
    form.loss.combo.setCurrentIndex(form.loss.combo.findData("mse"))
    type_into(qtbot, form.editors["epochs"], "2")
    type_into(qtbot, form.editors["lr"], "100")
    assert main_window.document.project.training.lr == 100.0
    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as blocker:
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0].result
    assert result.status == "diverged"
    assert "try a lower learning rate than 100," in panel.status.text()
    assert "the weights blew up" in panel.status.text() and "were put back" in panel.status.text()
    assert shown and shown[0][0] == "Training diverged"
    assert panel.progress.format().startswith("Diverged")
    weights = main_window.document.project.weights
    assert weights and all(torch.isfinite(w).all() for w in weights.values())


def test_a_layers_small_float_is_kept_as_typed_and_out_of_range_refused(qtbot):
    from nnstudio.core.base.registry import LAYERS
    from nnstudio.gui.widgets.param_form import ParamForm

    form = ParamForm()
    qtbot.addWidget(form)
    form.set_entry(LAYERS.get("leaky_relu"))
    form.show()
    edited = []
    form.param_edited.connect(lambda name, value: edited.append((name, value)))
    slope = form.editors["negative_slope"]
    type_into(qtbot, slope, "0.0005")  # three fixed decimals used to swallow the 5 and keep 0.000
    assert edited == [("negative_slope", 0.0005)] and slope.text() == "0.0005"
    type_into(qtbot, slope, "1.5")
    assert edited == [("negative_slope", 0.0005)]
    assert form.note.text() == "Negative slope must be between 0 and 1; kept 0.0005"
