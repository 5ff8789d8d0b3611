"""The whole-model interpretability views driven through their widgets: global importance, PDP/ICE, counterfactual,
inside the network, latent space (hover shows the example), Cancel, and refusing what does not apply."""

from __future__ import annotations

import numpy as np
import pytest
from helpers_interpret import open_interpret_page
from PySide6.QtCore import Qt

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.session import train_project

LONG = 60_000


def _project(kind: str, train_epochs: int = 0) -> Project:
    if kind == "cnn":
        layers = [layer("conv2d", out_channels=4, kernel_size=3, padding=1), layer("relu"), layer("flatten"), layer("linear", out_features=10)]
        data = DataSpec("digits")
    else:
        layers = [layer("linear", out_features=8), layer("relu"), layer("linear", out_features=3)]
        data = DataSpec("iris")
    project = Project(name=kind, architecture=ArchitectureSpec(layers), data=data, training=TrainSpec(epochs=1))
    # Seeded random weights: a valid network to look into, without spending test time on training.
    project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)
    if train_epochs:  # a network that has learnt something: its classes are reachable by small changes
        train_project(project, epochs=train_epochs)
    return project


def _open(window, qtbot, kind: str, view_name: str, train_epochs: int = 0):
    return open_interpret_page(window, qtbot, _project(kind, train_epochs), view_name)


def _run(qtbot, view):
    assert view.run_button.isEnabled(), view.run_button.toolTip()
    with qtbot.waitSignal(view.runner.completed, timeout=LONG) as blocker:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    outcome = blocker.args[0]
    assert not outcome.error and not outcome.cancelled, outcome.error
    assert view.progress.text() == "Done" or view.progress.format() == "Done"
    return outcome.result


@pytest.fixture
def iris(main_window, qtbot):
    yield main_window
    main_window.interpret_panel.shutdown()


def test_global_importance_shows_one_bar_per_feature_with_names(iris, qtbot):
    panel, view = _open(iris, qtbot, "iris", "global_view")
    result = _run(qtbot, view)
    names = iris.document.bundle().feature_names
    assert sorted(view.bars.names()) == sorted(names)
    assert np.allclose(np.sort(view.bars.values()), np.sort(result.values))
    assert view.bars.names()[0] == result.names[result.ranking()[0]]  # most important on top
    assert "matters most" in view.status.text()
    # Mean |IG|: every bar is a size, never negative.
    view.method.setCurrentIndex(view.method.findData("mean_abs_ig"))
    assert view.steps.isEnabled() and not view.repeats.isEnabled()
    _run(qtbot, view)
    assert (view.bars.values() >= 0).all() and len(view.bars.values()) == 4


def test_dependence_lines_and_pair_heatmap(iris, qtbot):
    panel, view = _open(iris, qtbot, "iris", "dependence_view")
    view.feature.setCurrentIndex(2)
    view.target.setCurrentIndex(view.target.findData(1))
    result = _run(qtbot, view)
    assert result.feature == iris.document.bundle().feature_names[2]
    assert result.target_name == "probability of versicolor"
    assert view.plots.currentWidget() is view.line_plot
    curves = [item for item in view.line_plot.listDataItems() if item.opts.get("name") == "Partial dependence (average)"]
    xs, ys = curves[0].getData()
    assert np.allclose(xs, result.grid) and np.allclose(ys, result.pdp)
    view.second.setCurrentIndex(view.second.findData(3))
    result = _run(qtbot, view)
    assert view.plots.currentWidget() is view.heat_plot
    assert view.heat_image.image.shape[:2] == result.pdp.shape


def test_dependence_in_raw_units_goes_through_the_preprocessing(iris, qtbot):
    project = _project("iris")
    project.data = DataSpec("iris", preprocessing=[])
    from nnstudio.core.data.spec import StepSpec

    project.data.preprocessing = [StepSpec("standardize", {})]
    project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)
    iris.document.replace(project)
    panel = iris.interpret_panel
    iris.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: not panel.watch.stale)
    view = panel.dependence_view
    panel.modes.setCurrentWidget(view)
    assert view.raw.isEnabled()
    view.raw.setChecked(True)
    result = _run(qtbot, view)
    # In raw units sepal length lies in centimetres (4 to 8), not standardized around 0.
    assert 4.0 <= result.grid.min() < result.grid.max() <= 8.0


def test_counterfactual_table_highlights_changes_that_really_flip(iris, qtbot):
    panel, view = _open(iris, qtbot, "iris", "counterfactual_view", train_epochs=25)
    from nnstudio.core.interpret.explain import predict

    model, subject = view.source.model, view.source.subject
    view.picker.spin.setValue(1)
    predicted = predict(model, view.picker.x(), subject).predicted
    assert view.target.currentData() != predicted  # the default target is another class
    result = _run(qtbot, view)
    assert result.found, result.message
    after = result.changed_to
    assert predict(model, after.astype(np.float32), subject).predicted == view.target.currentData()
    train = iris.document.bundle().train.x.numpy()
    assert (after >= train.min(0) - 1e-6).all() and (after <= train.max(0) + 1e-6).all()
    table = view.table
    assert table.rowCount() == 4
    for r in range(4):
        highlighted = table.item(r, 2).font().bold()
        assert highlighted == (r in result.changed)
        assert table.item(r, 1).text() == f"{result.original[r]:.4g}"
    assert "checked with the network" in view.status.text()


def test_inside_the_network_maps_filters_and_conductance(main_window, qtbot):
    panel, view = _open(main_window, qtbot, "cnn", "internals_view")
    try:
        view.picker.spin.setValue(3)
        what, (layer_name, maps) = _run(qtbot, view)
        assert what == "maps" and maps.shape == (4, 8, 8) and len(view.grid.captions) == 4
        view.what.setCurrentIndex(view.what.findData("filters"))
        what, filters = _run(qtbot, view)
        assert filters.shape == (4, 1, 3, 3) and view.grid.captions[0] == "filter 0"
        view.what.setCurrentIndex(view.what.findData("conductance"))
        view.layer.setCurrentIndex(view.layer.findData("relu2"))  # the ReLU after the conv layer
        what, cond = _run(qtbot, view)
        assert view.pages.currentWidget() is view.bars and len(view.bars.values()) == 4
        # Global importance does not apply to images; the button says why.
        panel.modes.setCurrentWidget(panel.global_view)
        assert not panel.global_view.run_button.isEnabled()
        assert "images" in panel.global_view.run_button.toolTip()
    finally:
        panel.shutdown()


def test_latent_space_one_dot_per_test_example_and_hover_shows_it(main_window, qtbot):
    panel, view = _open(main_window, qtbot, "cnn", "latent_view")
    try:
        result = _run(qtbot, view)
        n = len(main_window.document.bundle().test)
        assert result.points.shape == (n, 2)
        assert len(view.scatter.points()) == n
        # Hover a dot: its example appears beside the map.
        point = view.scatter.points()[5]
        view.scatter.sigHovered.emit(view.scatter, [point], None)
        assert view.hovered == 5 and "Test example 5" in view.preview_text.text()
        assert not view.preview.pixmap().isNull()
        # t-SNE runs in the worker thread and Cancel stops it.
        view.method.setCurrentIndex(view.method.findData("tsne"))
        with qtbot.waitSignal(view.runner.completed, timeout=LONG) as blocker:
            qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
            assert view.cancel_button.isEnabled()
            qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
        assert blocker.args[0].cancelled and "Cancelled" in view.status.text()
        assert view.run_button.isEnabled()
    finally:
        panel.shutdown()


def test_latent_hover_on_tabular_data_shows_values(iris, qtbot):
    panel, view = _open(iris, qtbot, "iris", "latent_view")
    _run(qtbot, view)
    view.show_example(2)
    assert "sepal length" in view.preview_text.text() and view.preview.isHidden()
