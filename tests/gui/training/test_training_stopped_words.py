"""A run stopped or early-stopped after its first epoch says '1 epoch' on the progress bar, as a finished
one does since today ('Stopped after 1 epochs' was left in the other branch)."""

from __future__ import annotations

import pytest

from nnstudio.core.training.engine import EARLY_STOPPED, STOPPED, RunResult
from nnstudio.gui.training_runner import RunOutcome


@pytest.mark.parametrize(("status", "label"), [(STOPPED, "Stopped"), (EARLY_STOPPED, "Early stopped")])
def test_stopped_after_one_epoch_reads_in_the_singular(main_window, status, label):
    panel = main_window.training_panel
    result = RunResult(history={"epoch": [1.0]}, epochs=1, seconds=0.5, status=status, message="Stopped by you.")
    panel._on_finished(RunOutcome(result=result, weights={}, history={"epoch": [1.0]}))
    assert panel.progress.format() == f"{label} after 1 epoch"
    assert panel.status.text() == "Stopped by you."
