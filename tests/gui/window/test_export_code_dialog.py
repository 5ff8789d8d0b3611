"""The Export as PyTorch code dialog offers the exact copy of the app's run as a checkbox, off by default."""

from __future__ import annotations

import pytest

from nnstudio.gui import code_export_dialog
from nnstudio.gui.code_export_dialog import ExportCodeDialog


def test_dialog_has_the_exact_checkbox_off_by_default(main_window, qtbot, tmp_path):
    dialog = ExportCodeDialog(main_window, str(tmp_path / "net.py"))
    qtbot.addWidget(dialog)
    dialog.open()
    box = dialog.findChild(type(dialog.exact), "exactCode")
    assert box is dialog.exact and box.isVisible() and not box.isChecked()
    assert box.text() == "Exact copy of the app's training (same seeds and batch order)"
    assert "DataLoader" in box.toolTip() and "the app's numbers" in box.toolTip()
    box.setChecked(True)
    dialog.selectFile(str(tmp_path / "net.py"))
    dialog.accept()
    assert dialog.chosen() == (tmp_path / "net.py", True)


@pytest.mark.parametrize("exact", [False, True])
def test_the_architecture_tabs_export_writes_the_chosen_variant(main_window, monkeypatch, tmp_path, exact):
    target = tmp_path / "simple.py"
    monkeypatch.setattr(code_export_dialog, "ask_code_export", lambda *a, **k: (target, exact))
    main_window.architecture_panel.export_code_action.trigger()
    text = target.read_text()
    assert ("reset_weights(SimpleNN(), SEED)" in text) is exact
    assert ("train_loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)" in text) is not exact


def test_the_file_menus_export_without_the_tabs_dialog_writes_the_chosen_variant(main_window, monkeypatch, tmp_path):
    target = tmp_path / "menu.py"
    monkeypatch.setattr(code_export_dialog, "ask_code_export", lambda *a, **k: (target, True))
    monkeypatch.setattr(main_window.architecture_panel, "export_code_dialog", None)  # no dialog of its own
    main_window.file_actions.export_code_dialog()
    assert "reset_weights(" in target.read_text()
