"""Templates from File > New from template and from the tab; the undo history view; architecture JSON."""

from __future__ import annotations

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.spec_file import save_architecture
from nnstudio.core.project.templates import TEMPLATES, catalogue
from nnstudio.gui.panels.architecture.stack import COL_KIND, COL_SHAPE


def test_file_menu_template_replaces_project(main_window, qtbot):
    titles = [a.text() for a in main_window.file_actions.template_menu.actions()]
    assert titles == [t.title for t in catalogue().values()]  # the templates, then the examples with weights
    main_window.file_actions.template_menu.actions()[2].trigger()  # small CNN
    panel = main_window.architecture_panel
    tree = panel.stack
    assert tree.topLevelItem(0).text(COL_KIND) == "Conv2d"
    assert tree.topLevelItem(tree.topLevelItemCount() - 1).text(COL_SHAPE) == "10"
    assert main_window.document.project.name == "Small CNN on digits"
    assert main_window.training_panel.train_button.isEnabled()


def test_tab_template_button_and_undo_history(main_window, qtbot, monkeypatch, tmp_path):
    panel = main_window.architecture_panel
    actions = panel.templates_menu.actions()
    assert [a.text() for a in actions[: len(TEMPLATES)]] == [t.title for t in TEMPLATES.values()]
    assert actions[-1] is panel.emnist_action
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


def test_simple_nn_on_a_local_emnist_folder(main_window, monkeypatch, tmp_path):
    from helpers_idx import write_emnist_balanced
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    panel = main_window.architecture_panel
    write_emnist_balanced(tmp_path)
    # A folder without the files: explained, and the project stays.
    shown = []
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: shown.append(self.text()))
    assert not panel.open_emnist_template(str(tmp_path / "empty"))
    assert shown and main_window.document.project.name != "SimpleNN on EMNIST (balanced)"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    panel.emnist_action.trigger()
    assert main_window.document.project.name == "SimpleNN on EMNIST (balanced)"
    assert panel.input_label.text().startswith("<b>Input 1x28x28</b>")
    last = panel.stack.topLevelItem(panel.stack.topLevelItemCount() - 1)
    assert last.text(COL_SHAPE) == "47"
    assert panel.stack.topLevelItem(1).text(2) == "784 → 128"
