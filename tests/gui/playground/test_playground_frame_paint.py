"""What a Playground frame paints, now that a column of neurons is coloured in one pass and the edges' ends
are kept between frames: every node shows its own neuron's colours (the image too, pixel for pixel), and the
edges still start and end at the nodes after the graph is resized."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from test_playground_tab import open_playground

from nnstudio.gui.panels.playground.colours import signed_colours
from nnstudio.gui.panels.playground.graph_view import layer_scale


def test_every_node_shows_its_own_neuron_in_a_frame(main_window, qtbot):
    panel = open_playground(main_window, qtbot, units=(4, 3))
    graph, frame = panel.graph_view, panel.frame
    for k, nodes in enumerate(graph.columns):
        values = frame.neurons[k]
        scale = layer_scale(values)
        for node in nodes:
            expected = signed_colours(values[node.unit], scale)
            assert np.array_equal(node.colours, expected), (k, node.unit)
            picture = node._image.scaled(values.shape[2], values.shape[1])  # back to the grid's size
            top_left = picture.pixelColor(0, 0)  # the image's top row is the plane's last
            assert (top_left.red(), top_left.green(), top_left.blue()) == tuple(int(c) for c in expected[-1, 0])
    units = [node.unit for node in graph.columns[1]]
    assert units == [0, 1, 2]


def _ends(graph):
    return [(e[0], e[1], e[2], e[3], e[4]) for e in graph.edges()]


def test_edges_follow_the_nodes_when_the_graph_is_resized(main_window, qtbot):
    panel = open_playground(main_window, qtbot)
    graph = panel.graph_view
    main_window.resize(1600, 1000)
    qtbot.wait(50)
    before = _ends(graph)
    main_window.resize(1280, 720)  # the graph narrows: its nodes move
    qtbot.waitUntil(lambda: _ends(graph) != before, timeout=5000)
    for layer, unit, _src, _p0, p1 in _ends(graph):
        targets = graph.columns[layer] if layer < len(graph.columns) else graph.outputs
        node = next(n for n in targets if n.unit == unit)
        assert p1 == QPointF(node.geometry().left(), node.geometry().center().y())
    first = graph.columns[0][0]
    starts = {p0.x() for layer, *_rest, p0, _p1 in _ends(graph) if layer == 1}
    assert starts == {float(first.geometry().right())}


def test_the_epoch_counter_keeps_its_size_as_it_counts_and_fits_a_million(main_window, qtbot):
    """A label that may change size re-lays the window out at every new text: the counter's size is fixed,
    big enough for a long run, and follows presentation mode's larger font."""
    panel = open_playground(main_window, qtbot)
    label = panel.top.epoch
    size = label.size()
    for text in ("Epoch 7", "Epoch 98,765", "Epoch 1,000,000"):
        label.setText(text)
        qtbot.wait(10)
        assert label.size() == size
        assert label.fontMetrics().horizontalAdvance(text) <= label.contentsRect().width()
    assert label.minimumSize() == label.maximumSize()  # so a new text asks no layout to be redone
    main_window.presentation.set_active(True)
    qtbot.waitUntil(lambda: label.width() > size.width())
    assert label.fontMetrics().horizontalAdvance("Epoch 1,000,000") <= label.contentsRect().width()
    main_window.presentation.set_active(False)


def test_the_loss_numbers_change_without_a_new_layout_and_still_fit(main_window, qtbot):
    """The losses' text changes at every frame inside a holder with no layout (no window re-layout per frame);
    the holder stays as tall as the words need at its width, also when a narrow column wraps them."""
    panel = open_playground(main_window, qtbot)
    losses = panel.output.losses
    box, label = losses.numbers_box, losses.numbers
    assert label.parentWidget() is box and box.layout() is None
    frame = panel.frame
    losses.add(frame)
    assert "Training loss <b>" in label.text() and f"{frame.train_loss:.3f}" in label.text()
    assert label.geometry() == box.rect() and box.height() >= label.heightForWidth(box.width())
    box.resize(60, box.height())  # a column too narrow for one line: the words wrap and the holder grows
    assert box.height() == label.heightForWidth(60) > label.fontMetrics().height() * 2


def test_a_run_whose_weights_blow_up_stops_saying_why_and_its_last_frame_paints(main_window, qtbot):
    """At learning rate 10 a 1-D regression's weights become inf/nan: the run ends with the note a student can
    act on, and the graph still paints the last frame (an edge of weight nan has no thickness: not drawn)."""
    from PySide6.QtCore import Qt

    panel = open_playground(main_window, qtbot, "sine", units=(5,), loss="mse")
    for combo, value in ((panel.top.optimizer, "sgd"), (panel.top.lr, 10.0)):  # picked as a user picks them
        index = combo.findData(value)
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
    assert main_window.document.project.training.optimizer == "sgd"
    assert main_window.document.project.training.lr == 10.0
    qtbot.waitUntil(lambda: panel.frame is not None and panel.frame.generation == panel.generation, timeout=15_000)
    qtbot.mouseClick(panel.top.play, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.runner.running, timeout=15_000)
    assert panel.note.isVisible()
    assert panel.note.text().startswith("The training loss became ")
    assert panel.note.text().endswith(": the weights blew up; lower the learning rate (now 10) and press Reset")
    assert not all(np.isfinite(w).all() for w in panel.frame.weights)
    graph = panel.graph_view
    assert not graph.grab().isNull()
    finite = sum(np.isfinite(w).sum() for w in panel.frame.weights)
    assert len([e for e in graph.edges() if np.isfinite(e[5])]) <= finite
