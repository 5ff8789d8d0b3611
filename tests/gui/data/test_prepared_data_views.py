"""Picking a dataset reads it and fits its preprocessing once; the Data, Inside, Interpret and Evaluation tabs
all read the document's prepared data (the same object) instead of loading or fitting again."""

from __future__ import annotations

import numpy as np
import pytest
from helpers_data_counts import count_data_work, reset
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.document import load_model


@pytest.fixture(autouse=True)
def _discard_on_close(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def iris_project() -> Project:
    layers = [layer("linear", out_features=8), layer("relu"), layer("linear", out_features=3)]
    data = DataSpec("iris", preprocessing=[StepSpec("standardize", {})])
    project = Project(name="iris", architecture=ArchitectureSpec(layers), data=data, training=TrainSpec(epochs=1))
    project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)  # seeded, untrained
    return project


def wait_data_tab(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.loader.running and not panel.source.loader.running and panel._preview_current(),
                    timeout=60_000)


def test_picking_a_dataset_reads_and_fits_once_and_every_tab_reads_that(main_window, qtbot, monkeypatch):
    window, doc = main_window, main_window.document
    window.show_tab("data")
    panel = window.data_panel
    wait_data_tab(qtbot, panel)
    counts = count_data_work(monkeypatch)

    source = panel.source
    source.source_combo.setCurrentIndex(source.source_combo.findData("iris"))
    with qtbot.waitSignal(source.data_applied, timeout=60_000):
        qtbot.mouseClick(source.apply_button, Qt.MouseButton.LeftButton)
    wait_data_tab(qtbot, panel)
    assert doc.project.data.source == "iris"
    assert counts == {"fits": 1, "reads": 1}  # it was 2 and 2: the Data tab read and fitted the source again
    assert panel.preview.prepared is doc.prepared()
    assert doc.bundle().input_shape == (4,)

    for tab in ("inside", "interpret", "training"):
        window.show_tab(tab)
        qtbot.wait(50)
    assert counts == {"fits": 1, "reads": 1}

    reset(counts)
    window.show_tab("data")
    spec = doc.project.data.copy()
    spec.preprocessing = [StepSpec("standardize", {})]
    panel.apply_spec(spec)  # what adding a step in the table does
    qtbot.waitUntil(lambda: len(doc.project.data.preprocessing) == 1, timeout=60_000)
    wait_data_tab(qtbot, panel)
    assert counts == {"fits": 1, "reads": 0}  # one fit for the change; the rows already read are reused
    assert panel.preview.prepared is doc.prepared()


def test_partial_dependence_in_raw_units_reads_the_documents_rows(main_window, qtbot, monkeypatch):
    window, doc = main_window, main_window.document
    doc.replace(iris_project())
    panel = window.interpret_panel
    window.show_tab("interpret")
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale)
    view = panel.dependence_view
    panel.modes.setCurrentWidget(view)
    qtbot.waitUntil(view.isVisible)
    counts = count_data_work(monkeypatch)
    view.raw.setChecked(True)
    view.feature.setCurrentIndex(2)  # petal length
    try:
        with qtbot.waitSignal(view.runner.completed, timeout=60_000) as blocker:
            qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    finally:
        view.shutdown()
    done = blocker.args[0]
    assert not done.error, done.error
    test_rows = doc.prepared().raw_splits()["test"]
    assert done.result.grid.min() == pytest.approx(float(test_rows[:, 2].min()))  # centimetres of the test rows
    assert done.result.grid.max() == pytest.approx(float(test_rows[:, 2].max()))
    assert counts == {"fits": 0, "reads": 0}  # it read the source and fitted the preprocessing again


def test_try_it_gets_the_documents_raw_view(main_window, qtbot, monkeypatch):
    window, doc = main_window, main_window.document
    panel = window.evaluation_panel
    window.show_tab("evaluation")
    project = iris_project()
    counts = count_data_work(monkeypatch)
    with qtbot.waitSignal(panel.evaluation_finished, timeout=60_000, check_params_cb=lambda report: report is not None):
        doc.replace(project)
    assert panel.raw is doc.prepared().raw_view  # the try-it ranges and means come from it
    assert counts == {"fits": 1, "reads": 1}  # the document's one preparation; the raw view read the source again
    np.testing.assert_allclose(panel.raw.splits["train"], doc.prepared().raw_splits()["train"])
