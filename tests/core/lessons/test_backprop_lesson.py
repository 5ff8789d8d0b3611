"""Backpropagation, one step: the hand-worked gradients equal torch.autograd's, the lesson's run is exactly
that one step, and the loss on the sample falls."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nnstudio.core.lessons import model_figures
from nnstudio.core.lessons.backprop import BackpropError, one_step
from nnstudio.core.lessons.experiments import run_lesson, train_run
from nnstudio.core.lessons.format import find_lesson


def _autograd(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss) -> dict[str, torch.Tensor]:
    model.zero_grad()
    loss(model(x), y).backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    return grads


@pytest.mark.parametrize("activation", [nn.Sigmoid, nn.Tanh, nn.ReLU])
def test_hand_worked_gradients_equal_autograd(activation):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 4), activation(), nn.Linear(4, 4), activation(), nn.Linear(4, 2))
    x, y = torch.randn(1, 3), torch.tensor([[0.3, -0.7]])
    step = one_step(model, x, y, "mse", lr=0.1)
    reference = _autograd(model, x, y, nn.functional.mse_loss)  # computed here, not trusted from the module
    assert [g.name for g in step.gradients] == list(reference)
    for g in step.gradients:
        assert torch.allclose(g.by_hand, reference[g.name], atol=1e-6, rtol=0), g.name
        assert g.by_hand.abs().sum() > 0 or activation is nn.ReLU  # a real signal reached it
    assert step.max_error <= 1e-6
    # the step is w - lr * gradient, and the original network is left as it was
    for (name, before), (_, after) in zip(model.named_parameters(), step.stepped.named_parameters(), strict=True):
        assert torch.allclose(after, before - 0.1 * reference[name], atol=1e-7)
    assert step.loss_after < step.loss


def test_cross_entropy_gradients_equal_autograd():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 3))
    x, y = torch.randn(1, 2, 2), torch.tensor([2])
    step = one_step(model, x, y, "cross_entropy", lr=0.5)
    reference = _autograd(model, x.reshape(1, -1), y, nn.functional.cross_entropy)
    for g in step.gradients:
        assert torch.allclose(g.by_hand, reference[g.name], atol=1e-6, rtol=0), g.name


def test_the_chain_rule_reads_off_the_forward_values():
    """What the lesson says, checked on its own numbers: the output bias's gradient is 2 x (output - target),
    an output weight's is that times the hidden value it multiplies."""
    run = train_run(find_lesson("backpropagation_one_step").start_project(), None)
    step = model_figures.backprop_step(run.trainer)
    assert step.x == [0.5, -1.0] and step.target == pytest.approx([0.8])
    hidden, output = step.layers[1].outputs, step.layers[2].outputs[0]
    grads = {g.name: g.by_hand for g in step.gradients}
    names = list(grads)
    out_weight, out_bias = grads[names[2]], grads[names[3]]
    assert float(out_bias) == pytest.approx(2 * (output - 0.8), abs=1e-6)
    assert out_weight.reshape(-1).tolist() == pytest.approx([float(out_bias) * h for h in hidden], abs=1e-6)
    assert step.loss == pytest.approx((output - 0.8) ** 2, abs=1e-6)
    # the run trained exactly this one step: its network is the hand-worked step's
    for (name, trained), (_, stepped) in zip(run.trainer.model.named_parameters(), step.stepped.named_parameters(), strict=True):
        assert torch.allclose(trained, stepped, atol=1e-6), name
    assert run.result.history["train_loss"] == [pytest.approx(step.loss, abs=1e-6)]


def test_backpropagation_lesson_outcome():
    result = run_lesson(find_lesson("backpropagation_one_step"))
    assert result.outcome_met, [c.sentence() for c in result.checks if not c.met]
    f = result.figures
    assert f["gradient_error@step"] <= 1e-6
    assert f["loss_after_step@step"] < f["loss_before_step@step"]
    assert f["loss_drop@step"] == pytest.approx(f["loss_before_step@step"] - f["loss_after_step@step"])


def test_a_layer_the_hand_worked_pass_does_not_cover_is_named():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1), nn.Linear(2, 1))
    with pytest.raises(BackpropError, match="layer 1 is Dropout"):
        one_step(model, torch.zeros(1, 2), torch.zeros(1, 1))
