"""The Backpropagation lesson walked with "Do it for me" opens its run's step on the network graph: the
gradients the window shows are torch.autograd's for the network the run started from (to 1e-6), that network
minus lr x those gradients is the trained network, and the loss shown after the step is below the one before."""

from __future__ import annotations

import copy
import re

import pytest
import torch
import torch.nn.functional as F
from helpers_lessons import do_it_for_me, next_step

from nnstudio.core.lessons.format import VIEWS as FORMAT_VIEWS
from nnstudio.core.lessons.format import find_lesson
from nnstudio.gui.lessons.views import VIEWS
from nnstudio.gui.widgets.backprop_graph import BackpropDialog


def _column(dialog: BackpropDialog, c: int) -> list[float]:
    return [float(dialog.table.item(r, c).text()) for r in range(dialog.table.rowCount())]


def test_the_window_draws_every_view_the_format_knows():
    assert sorted(VIEWS) == sorted(FORMAT_VIEWS)


def test_walking_the_lesson_shows_autograds_gradients_on_the_graph(qtbot, main_window):
    window = main_window
    assert window.lessons.open_lesson(find_lesson("backpropagation_one_step"))
    panel, runner = window.lessons.panel, window.lessons.runner
    next_step(qtbot, window)
    do_it_for_me(qtbot, window)  # trains the run "step": one epoch of one sample, plain SGD
    next_step(qtbot, window)
    assert panel.view_button.isVisible() and panel.view_button.text() == "Show the step on the network graph"
    assert window.findChild(BackpropDialog) is None
    do_it_for_me(qtbot, window)
    dialog = window.findChild(BackpropDialog)
    assert dialog is not None and dialog.isVisible()

    trainer = window.panel("training").trainer
    lr = window.document.project.training.lr
    x, y = trainer.bundle.train.x[:1], trainer.bundle.train.y[:1]
    assert len(trainer.bundle.train) == 1  # the run was exactly one step on this sample
    # The network as the window shows it (the table's values), its gradient computed here by autograd.
    shown = copy.deepcopy(trainer.model)
    params = dict(shown.named_parameters())
    values, by_hand, by_autograd = _column(dialog, 1), _column(dialog, 2), _column(dialog, 3)
    assert len(values) == sum(p.numel() for p in params.values()) == 9
    at = 0
    with torch.no_grad():
        for p in params.values():
            p.copy_(torch.tensor(values[at:at + p.numel()]).reshape(p.shape))
            at += p.numel()
    shown.zero_grad()
    F.mse_loss(shown(x), y.reshape(1, -1)).backward()
    reference = torch.cat([p.grad.reshape(-1) for p in params.values()])
    assert by_hand == pytest.approx(reference.tolist(), abs=1e-6)
    assert by_autograd == pytest.approx(reference.tolist(), abs=1e-6)
    # That network, one step downhill, is the run's trained network: the step shown is the run's own.
    stepped = torch.tensor(values) - lr * reference
    trained = torch.cat([p.detach().reshape(-1) for p in trainer.model.parameters()])
    assert stepped.tolist() == pytest.approx(trained.tolist(), abs=1e-5)
    # The graph's edges carry the same gradients (4 decimals), the inputs are the sample's.
    edges = [float(re.findall(r"∂L/∂w=([+-]\d+\.\d+)", t)[0]) for t in dialog.graph.edge_texts.values()]
    weights = [g for name, p in params.items() if name.endswith("weight") for g in p.grad.reshape(-1).tolist()]
    assert edges == pytest.approx(weights, abs=1e-4)
    assert [float(dialog.graph.node_texts[(0, i)].split("=")[1]) for i in range(2)] == pytest.approx(x[0].tolist())
    # The losses read off the window: lower after the step, and the lesson's own figures.
    before, after = _losses(dialog)
    assert after < before
    assert before == pytest.approx(runner.figures["loss_before_step@step"], abs=1e-6)
    assert after == pytest.approx(runner.figures["loss_after_step@step"], abs=1e-6)
    assert f"{after:.4f}" in dialog.graph.loss_text and f"{before:.4f}" in dialog.graph.loss_text


def _losses(dialog: BackpropDialog) -> tuple[float, float]:
    text = dialog.loss.text()
    before = float(re.search(r"before the step: (\d+\.\d+)", text).group(1))
    after = float(re.search(r"after one step of size [\d.]+ .*?: (\d+\.\d+)", text).group(1))
    return before, after


def test_the_view_button_waits_for_a_run_and_says_so(qtbot, main_window):
    window = main_window
    assert window.lessons.open_lesson(find_lesson("backpropagation_one_step"))
    panel = window.lessons.panel
    assert panel.view_button.isHidden()  # step 1 shows no view
    next_step(qtbot, window)
    next_step(qtbot, window)
    assert panel.view_button.isVisible() and not panel.view_button.isEnabled()
    assert panel.view_button.toolTip() == "Train first: it shows the run that finished last"
