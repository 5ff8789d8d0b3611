"""The Evaluation tab tells the truth about a regression model worse than predicting the mean."""

from __future__ import annotations

import copy
import html

import pytest
from helpers_projects import short_diabetes

from nnstudio.core.project.spec import Project


@pytest.fixture(scope="module")
def diabetes_run() -> Project:
    return short_diabetes()


def test_panel_shows_the_mean_baseline_and_the_warnings(qtbot, main_window, diabetes_run):
    panel = main_window.evaluation_panel
    main_window.show_tab("evaluation")
    with qtbot.waitSignal(panel.evaluation_finished, timeout=60_000, check_params_cb=lambda report: report is not None):
        main_window.document.replace(copy.deepcopy(diabetes_run))
    report = panel.report
    test = report.splits["test"].metrics
    assert test.mse > test.baseline_mse and test.r2 < 0
    notes = [html.unescape(t) for t in panel.gap_notes.texts()]
    assert not any("No warning signs" in t for t in notes)
    assert any(t.startswith("<b>Worse than always predicting the mean</b>") for t in notes)
    assert any(report.warnings[0] in t for t in notes)  # the sentence naming the baseline, with its numbers
    assert any("Predictions squeezed into a narrow band" in t for t in notes)
    assert panel.gap_notes.labels[0].objectName() == "gap_alert"
    table = panel.metrics_table
    assert table.value_text("test", "baseline_mse") == f"{test.baseline_mse:.4f}"
    assert table.value_text("test", "baseline_r2") == f"{test.baseline_r2:.4f}"
    assert table.value_text("test", "spread_ratio") == f"{test.spread_ratio:.1%}"


def test_report_notes_replace_the_all_clear(qtbot):
    """A report that has nothing held out says so on the tab, instead of "No warning signs"."""
    import torch
    from torch import nn

    from nnstudio.core.data.bundle import REGRESSION, DataBundle, Split
    from nnstudio.core.evaluate.report import NO_HELD_OUT, evaluate
    from nnstudio.gui.panels.evaluation.tables import GapNotes

    x = torch.linspace(-1, 1, 20)[:, None]
    empty = Split(torch.zeros(0, 1), torch.zeros(0))
    bundle = DataBundle(REGRESSION, Split(x, x[:, 0] * 2), empty, empty, (1,))
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(2.0)
        model.bias.zero_()
    report = evaluate(model, bundle)
    notes = GapNotes()
    qtbot.addWidget(notes)
    notes.show_gaps(report.gaps, report)
    texts = [html.unescape(t) for t in notes.texts()]
    assert texts == [f"<b>Note</b><br>{NO_HELD_OUT}"]
    assert notes.labels[0].objectName() == "gap_info"
