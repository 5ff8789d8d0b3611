"""The Playground tab, driven as a teacher would: play, +, another activation, three classes, one input,
hover, a typed weight. Small data (200 points) so each test trains for a fraction of a second."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton

from nnstudio.core.arch.adapt import needed_outputs
from nnstudio.core.arch.spec import layer
from nnstudio.core.data.assemble import prepare
from nnstudio.core.data.spec import DataSpec, SplitSpec
from nnstudio.core.playground.graph import starter_architecture
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.gui import palette
from nnstudio.gui.panels.architecture.stack import COL_SHAPE
from nnstudio.gui.panels.playground.colours import rgb, signed_colours

WAIT_MS = 15_000


def open_playground(window, qtbot, source: str = "spiral", units=(4, 2), loss: str = "cross_entropy", **params):
    data = DataSpec(source, {"n_samples": 200, **params}, [], SplitSpec(0.0, 0.3), 0)
    bundle = prepare(data).bundle
    arch = starter_architecture(bundle.input_shape[0], needed_outputs(bundle), units)
    project = Project(name="playground test", architecture=arch, data=data,
                      training=TrainSpec(loss=loss, optimizer="adam", lr=0.03, batch_size=10))
    window.document.replace(Project.from_dict(project.to_dict()))
    window.show_tab("playground")
    panel = window.playground_panel
    qtbot.waitUntil(lambda: panel.frame is not None and panel.frame.generation == panel.generation, timeout=WAIT_MS)
    return panel


def wait_frame(qtbot, panel, check=lambda f: True):
    """The next painted frame of the current network that passes ``check``."""
    seen = []

    def ok() -> bool:
        f = panel.frame
        if f is not None and f.generation == panel.generation and check(f):
            seen.append(f)
            return True
        return False

    qtbot.waitUntil(ok, timeout=WAIT_MS)
    return seen[0]


def pause(qtbot, panel) -> None:
    if panel.playing:
        qtbot.mouseClick(panel.top.play, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.runner.control.parked, timeout=WAIT_MS)


def test_play_trains_and_the_neuron_pictures_change(main_window, qtbot):
    panel = open_playground(main_window, qtbot)
    node = panel.graph_view.node_at(0, 0)
    before = node.colours.copy()
    assert panel.top.epoch.text() == "Epoch 0"
    qtbot.mouseClick(panel.top.play, Qt.MouseButton.LeftButton)
    first = wait_frame(qtbot, panel, lambda f: f.steps > 0)
    later = wait_frame(qtbot, panel, lambda f: f.epoch >= 2 and f.steps > first.steps)
    assert not np.array_equal(before, node.colours)  # the picture moved with the weights
    assert later.train_loss != first.train_loss
    assert panel.top.epoch.text() == f"Epoch {panel.frame.epoch:,}"
    pause(qtbot, panel)


def test_plus_adds_a_node_and_a_unit_on_the_architecture_tab_and_undo_removes_both(main_window, qtbot):
    panel = open_playground(main_window, qtbot)
    plus = panel.graph_view.headers[0].plus
    qtbot.mouseClick(plus, Qt.MouseButton.LeftButton)
    wait_frame(qtbot, panel, lambda f: f.neurons[0].shape[0] == 5)
    assert len(panel.graph_view.columns[0]) == 5
    main_window.show_tab("architecture")  # the same network there: the first Linear outputs 5
    arch = main_window.architecture_panel
    shape = lambda: arch.stack.item_at_path((0,)).text(COL_SHAPE)  # noqa: E731
    qtbot.waitUntil(lambda: shape() == "5", timeout=WAIT_MS)
    assert arch.spec.layers[2].params["in_features"] == 5
    main_window.undo_action.trigger()  # one undo step takes both back
    qtbot.waitUntil(lambda: shape() == "4", timeout=WAIT_MS)
    main_window.show_tab("playground")
    wait_frame(qtbot, panel, lambda f: f.neurons[0].shape[0] == 4)
    assert len(panel.graph_view.columns[0]) == 4
    assert arch.spec.layers[0].params["out_features"] == 4 and arch.spec.layers[2].params["in_features"] == 4


def test_changing_the_activation_resets_the_epochs_and_restarts(main_window, qtbot):
    panel = open_playground(main_window, qtbot)
    qtbot.mouseClick(panel.top.play, Qt.MouseButton.LeftButton)
    wait_frame(qtbot, panel, lambda f: f.epoch >= 3)
    old = panel.generation
    combo = panel.top.activation
    combo.setCurrentIndex(combo.findData("relu") - 1)
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # the user picks ReLU
    qtbot.waitUntil(lambda: panel.generation > old, timeout=WAIT_MS)
    assert [lay.kind for lay in main_window.document.project.architecture.layers] == ["linear", "relu", "linear", "relu", "linear"]
    assert panel.top.epoch.text() == "Epoch 0"
    restarted = wait_frame(qtbot, panel, lambda f: f.steps > 0)  # still playing: it trains the new network
    assert restarted.generation == panel.generation and panel.playing
    pause(qtbot, panel)


def test_three_classes_draw_three_regions_in_the_model_s_argmax(main_window, qtbot):
    panel = open_playground(main_window, qtbot, "blobs", units=(6,), centers=3, spread=1.0)
    qtbot.mouseClick(panel.discretize, Qt.MouseButton.LeftButton)  # hard regions: each pixel one class colour
    assert panel.discretize.isChecked()
    qtbot.mouseClick(panel.top.play, Qt.MouseButton.LeftButton)
    wait_frame(qtbot, panel, lambda f: f.epoch >= 15)
    pause(qtbot, panel)
    frame = panel.frame
    with torch.no_grad():
        panel.trainer.model.eval()
        argmax = panel.trainer.model(panel.surface.inputs).argmax(-1).numpy().reshape(panel.surface.shape)
    painted = panel.output.plane_view.colours
    colours = {tuple(c) for c in painted.reshape(-1, 3)}
    assert len(colours) == 3 and len(np.unique(argmax)) == 3
    for k in range(3):  # class k's pixels wear class k's palette colour, blended once with white
        expected = (255 + (rgb(palette.color(k)) - 255) * 0.75).astype(np.uint8)
        assert np.all(painted[argmax == k] == expected)
    assert np.array_equal(frame.output, argmax)


def test_one_input_regression_draws_a_curve_per_neuron(main_window, qtbot):
    panel = open_playground(main_window, qtbot, "sine", units=(5,), loss="mse")
    frame = panel.frame
    nodes = panel.graph_view.columns[0]
    assert len(nodes) == 5
    for unit, node in enumerate(nodes):
        assert node.curve is not None and node.curve.shape == (panel.surface.resolution,)
        assert np.allclose(node.curve, frame.neurons[0][unit])
        image = panel.graph_view.grab(node.geometry()).toImage()  # the graph paints its nodes
        blue = rgb(palette.role("positive")).astype(int)
        pixels = [image.pixelColor(x, y) for x in range(0, image.width(), 2) for y in range(image.height())]
        assert any(abs(c.red() - blue[0]) + abs(c.green() - blue[1]) + abs(c.blue() - blue[2]) < 30 for c in pixels)
    assert len({tuple(np.round(n.curve, 4)) for n in nodes}) == 5  # five different bent lines
    line = panel.output.line_view
    assert panel.output.stack.currentWidget() is line
    xs, ys = line.fit_curve.getData()
    assert np.allclose(ys, frame.output) and np.allclose(xs, panel.surface.xs)


def test_hovering_a_neuron_enlarges_it_in_the_output_with_its_weights(main_window, qtbot):
    panel = open_playground(main_window, qtbot)
    node = panel.graph_view.node_at(0, 2)
    qtbot.mouseMove(node, QPoint(node.width() // 2, node.height() // 2))
    view = panel.output.plane_view
    qtbot.waitUntil(lambda: view.showing_neuron, timeout=WAIT_MS)
    frame = panel.frame
    values = frame.neurons[0]
    assert np.array_equal(view.colours_neuron, signed_colours(values[2], float(np.abs(values).max())))
    assert view.colours_neuron.shape[0] > node.width() // 2 or view.width() > 2 * node.width()  # bigger than the node
    rows = dict(panel.weight_bars.rows)
    assert rows["from x1"] == pytest.approx(float(frame.weights[0][2, 0]))
    assert rows["from x2"] == pytest.approx(float(frame.weights[0][2, 1]))
    assert "neuron 3" in panel.weights_title.text()
    panel.graph_view.neuron_hovered.emit(-1, -1)  # the mouse leaves the graph
    assert not view.showing_neuron


def test_a_typed_weight_reaches_the_model_and_every_picture(main_window, qtbot):
    panel = open_playground(main_window, qtbot)
    graph = panel.graph_view
    layer, unit, source, p0, p1, _w = next(e for e in graph.edges() if e[0] == 0)
    middle = (p0 + p1) / 2
    found = graph.edge_near(middle)
    layer, unit, source = found[:3]
    before = graph.node_at(0, unit).colours.copy()
    qtbot.mouseClick(graph, Qt.MouseButton.LeftButton, pos=middle.toPoint())
    assert graph.editor.isVisible()
    graph.editor.clear()
    qtbot.keyClicks(graph.editor, "2.5")
    generation = panel.generation
    qtbot.keyClick(graph.editor, Qt.Key.Key_Return)
    frame = wait_frame(qtbot, panel, lambda f: f.weights[layer][unit, source] == pytest.approx(2.5))
    linear = dict(panel.trainer.model.named_modules())[panel.graph.linears[layer]]
    assert float(linear.weight[unit, source].detach()) == 2.5
    assert panel.generation == generation  # the other weights were kept: no reset
    assert not np.array_equal(before, graph.node_at(0, unit).colours)
    assert frame.weights[layer][unit, source] == np.float32(2.5)


def test_a_feature_toggle_is_the_project_s_data_for_every_tab(main_window, qtbot):
    panel = open_playground(main_window, qtbot)
    square = panel.graph_view.feature_nodes[panel.features.index("x1²")]
    assert not square.enabled_input
    qtbot.mouseClick(square, Qt.MouseButton.LeftButton)
    wait_frame(qtbot, panel, lambda f: f.weights[0].shape[1] == 3)
    assert main_window.document.bundle().feature_names == ["x1", "x2", "x1²"]  # what Data, Training and export read
    assert main_window.document.project.architecture.layers[0].params["in_features"] == 3  # the network followed
    assert panel.graph_view.feature_nodes[panel.features.index("x1²")].enabled_input


def test_a_network_it_cannot_draw_says_why_and_offers_the_inside_tab(main_window, qtbot):
    panel = open_playground(main_window, qtbot)
    arch = main_window.document.project.architecture.copy()
    arch.layers.insert(1, layer("layernorm"))
    arch.layers.insert(1, layer("relu"))  # two activations in a row
    main_window.document.set_architecture(arch)
    qtbot.waitUntil(lambda: panel.pages.currentWidget() is panel.refusal, timeout=WAIT_MS)
    assert panel.refusal.text.text().startswith(
        "<b>The Playground draws one activation per layer; layer 4 is a Tanh right after a ReLU.</b>")
    assert not panel.runner.running and not panel.top.isVisible()
    qtbot.mouseClick(panel.refusal.inside, Qt.MouseButton.LeftButton)
    assert main_window.tabs.currentWidget() is main_window.inside_panel


def test_a_wide_layer_shows_its_64_most_active_neurons_and_scrolls(main_window, qtbot):
    panel = open_playground(main_window, qtbot, units=(100,))
    nodes = panel.graph_view.columns[0]
    assert len(nodes) == 64 and "100 neurons (top 64)" in panel.graph_view.headers[0].label.text()
    values = panel.frame.neurons[0]
    activity = np.abs(values.reshape(100, -1)).mean(axis=1)
    assert sorted(n.unit for n in nodes) == sorted(np.argsort(-activity)[:64].tolist())
    assert panel.graph_view.minimumHeight() > panel.scroll.viewport().height()  # the graph scrolls


def test_the_playground_is_the_first_tab_for_two_column_data_and_offers_the_toys_otherwise(main_window, qtbot):
    tabs = main_window.tabs
    assert tabs.tabText(0) == "Architecture" and tabs.tabText(tabs.count() - 1) == "Playground"  # digits: 64 columns
    main_window.show_tab("playground")
    panel = main_window.playground_panel
    qtbot.waitUntil(lambda: panel.pages.currentWidget() is panel.offer, timeout=WAIT_MS)
    assert "one or two numeric input columns; this project's data has 1x8x8 values" in panel.offer.text.text()
    qtbot.mouseClick(panel.offer.findChild(QPushButton, "offer_spiral"), Qt.MouseButton.LeftButton)  # one click
    qtbot.waitUntil(lambda: panel.frame is not None and panel.pages.currentWidget() is panel.main_page, timeout=WAIT_MS)
    project = main_window.document.project
    assert project.data.source == "spiral" and [l.kind for l in project.architecture.layers] == [
        "linear", "tanh", "linear", "tanh", "linear"]
    assert (project.training.lr, project.training.batch_size) == (0.03, 10)
    open_playground(main_window, qtbot)  # a project whose data has two columns opens with the Playground first
    assert tabs.tabText(0) == "Playground"


def test_step_trains_one_batch_and_pauses(main_window, qtbot):
    panel = open_playground(main_window, qtbot)
    qtbot.waitUntil(lambda: panel.runner.control.parked, timeout=WAIT_MS)
    before = panel.frame.steps
    qtbot.mouseClick(panel.top.step, Qt.MouseButton.LeftButton)
    frame = wait_frame(qtbot, panel, lambda f: f.steps > before)
    qtbot.waitUntil(lambda: panel.runner.control.parked, timeout=WAIT_MS)
    assert frame.steps == before + 1 and panel.frame.steps == before + 1 and not panel.playing
