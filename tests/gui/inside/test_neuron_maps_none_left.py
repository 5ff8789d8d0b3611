"""When the network loses its hidden layers (a single Linear on a 2-D toy), the neuron maps say there are
none, and the side panel no longer shows the enlarged map and weights of a neuron that is gone."""

from __future__ import annotations

import numpy as np

from nnstudio.core.insight.grid import NeuronLayer
from nnstudio.gui.widgets.neuron_maps import NeuronMapsView


def _layer(units: int) -> NeuronLayer:
    rng = np.random.default_rng(0)
    return NeuronLayer("Layer 1 (Linear → ReLU)", rng.normal(size=(units, 8, 8)), rng.normal(size=(units, 2)),
                       np.zeros(units), ["x1", "x2"], units)


def test_no_hidden_layer_left_clears_the_side_panel(qtbot):
    view = NeuronMapsView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    view.show_layers([_layer(4)])
    assert view.detail.isVisible() and view.detail.big.values is not None
    assert view.heading.text().startswith("<b>Hidden neurons</b> — 4 neurons")

    view.show_layers([])
    assert view.heading.text() == ("<b>Hidden neurons</b> — this network has none: its inputs go straight to "
                                   "the output layer.")
    assert view.detail.isHidden()
    assert view.detail.big.values is None and view.detail.legend.text() == "" and view.detail.title.text() == ""

    view.show_layers([_layer(3)])  # a hidden layer again: the panel comes back with the new neuron
    assert view.detail.isVisible() and view.detail.title.text().startswith("<b>Neuron 1</b>")
