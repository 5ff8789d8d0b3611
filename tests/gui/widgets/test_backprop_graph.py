"""The backprop graph shows one_step's forward values and gradients (which equal autograd's) for the
Backpropagation lesson's 2-2-1 sigmoid network, and the loss falling after one step."""

import re

import pytest
import torch
from torch import nn

from nnstudio.core.lessons.backprop import one_step
from nnstudio.gui.widgets.backprop_graph import BackpropGraph


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"[+-]\d+\.\d+", text)]


def test_graph_labels_are_one_steps_numbers(qtbot):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1))  # the lesson's network
    x, y = torch.tensor([[0.5, -1.0]]), torch.tensor([[0.8]])  # its one sample, lr 0.5 as in its project
    step = one_step(model, x, y, "mse", 0.5)
    view = BackpropGraph()
    qtbot.addWidget(view)
    view.show_step(step)
    assert [_numbers(view.node_texts[(0, i)]) for i in range(2)] == [[0.5], [-1.0]]
    hidden = [_numbers(view.node_texts[(1, r)]) for r in range(2)]  # z, a, dL/db per hidden neuron
    assert [h[0] for h in hidden] == pytest.approx(step.layers[0].outputs, abs=1e-4)
    assert [h[1] for h in hidden] == pytest.approx(step.layers[1].outputs, abs=1e-4)
    grads = {g.name: g for g in step.gradients}
    assert [h[2] for h in hidden] == pytest.approx(grads["0.bias"].autograd.tolist(), abs=1e-4)
    out = _numbers(view.node_texts[(2, 0)])
    assert out[0] == pytest.approx(float(model(x).detach()), abs=1e-4)
    for name, shape in (("0.weight", (2, 2)), ("2.weight", (1, 2))):
        for j in range(shape[0]):
            for i in range(shape[1]):
                w, g = _numbers(view.edge_texts[f"{name}[{j},{i}]"])
                assert w == pytest.approx(float(model.get_parameter(name)[j, i].detach()), abs=1e-3)
                assert g == pytest.approx(float(grads[name].autograd[j, i]), abs=1e-4)
    before, after = (float(v) for v in re.findall(r"step.*?: (\d+\.\d+)", view.loss_text))
    assert before == pytest.approx(step.loss, abs=1e-4) and after == pytest.approx(step.loss_after, abs=1e-4)
    assert after < before
