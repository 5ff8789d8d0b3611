"""The Training tab shows the precision setting with the device; mixed precision on a machine without a CUDA
GPU greys Train with the reason, and the choice is kept in the project (not reset by reading the form back)."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt

REASON = ("Mixed precision (bf16) runs on a CUDA GPU only, and this run is on the cpu; set precision to fp32, "
          "or choose device 'cuda' on a machine with an NVIDIA GPU")


def choose(qtbot, combo, text: str) -> None:
    """Pick ``text`` from the combo as a user does: focus it, then step to the entry with the keyboard."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_mixed_precision_without_a_gpu_greys_train_with_the_reason(main_window, qtbot):
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    form = panel.settings_form
    combo = form.editors["precision"]
    assert [combo.itemText(i) for i in range(combo.count())] == ["fp32", "bf16", "fp16"]
    assert combo.currentText() == "fp32" and panel.train_button.isEnabled()
    choose(qtbot, form.editors["device"], "cpu")
    choose(qtbot, combo, "bf16")
    assert main_window.document.project.training.precision == "bf16"
    assert not panel.train_button.isEnabled()
    assert panel.problem_label.isVisible() and panel.problem_label.text() == f"Cannot train yet: {REASON}"
    choose(qtbot, combo, "fp32")
    assert panel.train_button.isEnabled() and panel.problem_label.isHidden()
