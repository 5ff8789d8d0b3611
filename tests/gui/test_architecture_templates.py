"""Templates from File > New from template and from the tab; the undo history view; architecture JSON."""

from __future__ import annotations

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.spec_file import save_architecture
from nnstudio.core.arch.templates import TEMPLATES
from nnstudio.gui.panels.architecture.stack import COL_KIND, COL_SHAPE


def test_file_menu_template_replaces_project(main_window, qtbot):
    titles = [a.text() for a in main_window.template_menu.actions()]
    assert titles == [t.title for t in TEMPLATES.values()]
    main_window.template_menu.actions()[2].trigger()  # small CNN
    panel = main_window.architecture_panel
    tree = panel.stack
    assert tree.topLevelItem(0).text(COL_KIND) == "Conv2d"
    assert tree.topLevelItem(tree.topLevelItemCount() - 1).text(COL_SHAPE) == "10"
    assert main_window.document.project.name == "Small CNN on digits"
    assert main_window.training_panel.train_button.isEnabled()


def test_tab_template_button_and_undo_history(main_window, qtbot, monkeypatch, tmp_path):
    panel = main_window.architecture_panel
    actions = panel.templates_menu.actions()
    assert len(actions) == len(TEMPLATES)
    actions[list(TEMPLATES).index("lstm_classifier")].trigger()
    assert panel.stack.topLevelItem(0).text(COL_KIND) == "LSTM"
    assert panel.input_label.text().startswith("<b>Input 20x2</b>")
    panel.add_layer("dropout")
    main_window.undo_history_action.trigger()
    from PySide6.QtWidgets import QUndoView

    view = main_window.undo_history_dialog.findChild(QUndoView, "undoHistoryView")
    assert view is not None and view.stack() is main_window.ctx.undo_stack
    assert main_window.undo_history_dialog.isVisible()
    assert main_window.ctx.undo_stack.text(0) == "Add Dropout"
    main_window.undo_history_dialog.close()
    # Load an architecture file through the tab's menu (the file dialog is answered by the test).
    path = tmp_path / "net.json"
    save_architecture(ArchitectureSpec([layer("lstm", hidden_size=8), layer("linear", out_features=2)]), path)
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    panel.load_arch_action.trigger()
    assert panel.stack.topLevelItem(0).text(2).startswith("8 units")
    main_window.undo_action.trigger()
    assert panel.stack.topLevelItem(0).text(2).startswith("32 units")
