"""The first Evaluation report pays nothing later ones reuse: no module is imported lazily
on the way (scikit-learn's metrics, scipy, captum, pyqtgraph items would cost seconds on a loaded classroom
laptop), and no page is built then. Timings are in bench/first_evaluation.py; this test checks the mechanism."""

from __future__ import annotations

import copy
import sys

import pytest

from nnstudio.core.project.spec import Project, default_project
from nnstudio.core.workspace.session import train_project


@pytest.fixture(scope="module")
def trained_digits() -> Project:
    project = default_project()
    project.training.epochs = 1
    train_project(project)
    return project


def test_the_first_report_imports_nothing_and_builds_no_page(qtbot, main_window, trained_digits):
    window = main_window
    panel = window.evaluation_panel  # built, as the app's idle builder does before any run ends
    window.document.replace(copy.deepcopy(trained_digits))  # new weights while the tab is hidden
    qtbot.waitUntil(lambda: not window.document.data_deferred)
    pages = [panel.pages.widget(i) for i in range(panel.pages.count())]
    before = set(sys.modules)

    with qtbot.waitSignal(panel.evaluation_finished, timeout=60_000) as first:
        window.show_tab("evaluation")  # a stale tab evaluates when shown
    assert first.args[0] is not None, panel.status.text()
    window.grab()  # paint it
    imported = sorted(set(sys.modules) - before)
    assert imported == [], f"the first report imported {len(imported)} modules: {', '.join(imported[:12])}"
    assert [panel.pages.widget(i) for i in range(panel.pages.count())] == pages
    assert panel.pages.currentIndex() == panel.overview_index
    assert panel.metrics_table.value_text("test", "accuracy").endswith("%")
