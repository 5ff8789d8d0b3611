"""Backpropagation worked by hand for one sample: every forward value, every weight's gradient by the chain
rule, the same gradients from ``torch.autograd`` to compare, and one plain gradient-descent step.

The hand-worked pass is written out layer by layer (a linear layer's gradient is the error signal times its
input; an activation multiplies the signal by its slope) so the numbers a lesson shows are the chain rule's,
not autograd's; autograd is only the referee. It covers what a first backpropagation example needs: linear
layers, the elementwise activations and flatten, with a mean-squared-error or cross-entropy loss.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from nnstudio.core.base.errors import NNStudioError

# An activation's slope at its input z, given z and its output a (the sigmoid's is a(1-a): no second exp).
_SLOPES = {
    nn.Sigmoid: lambda z, a: a * (1 - a),
    nn.Tanh: lambda z, a: 1 - a * a,
    nn.ReLU: lambda z, a: (z > 0).to(z.dtype),
    nn.Identity: lambda z, a: torch.ones_like(z),
}
LOSSES = ("mse", "cross_entropy")


class BackpropError(NNStudioError):
    """A network or loss the hand-worked pass does not cover."""


@dataclass(frozen=True)
class LayerValues:
    """One layer's forward pass for the sample: what came in and what went out."""
    name: str  # the layer's name in the network ("0", "1" ...)
    kind: str  # its class ("Linear", "Sigmoid" ...)
    inputs: list[float]
    outputs: list[float]


@dataclass(frozen=True)
class WeightGradient:
    """One parameter tensor: its value before the step and its gradient, by hand and by autograd."""
    name: str  # "0.weight", "2.bias" ...
    value: torch.Tensor
    by_hand: torch.Tensor
    autograd: torch.Tensor

    @property
    def error(self) -> float:
        return float((self.by_hand - self.autograd).abs().max())


@dataclass(frozen=True)
class BackpropStep:
    """The sample, the forward pass, the loss, every gradient, and the loss after one step of size ``lr``."""
    x: list[float]
    target: list[float]
    layers: list[LayerValues]
    loss: float
    gradients: list[WeightGradient]
    lr: float
    loss_after: float
    stepped: nn.Module  # a copy of the network after the step (the original is untouched)

    @property
    def max_error(self) -> float:
        """The largest difference between a hand-worked gradient and autograd's."""
        return max(g.error for g in self.gradients)


def _loss(output: torch.Tensor, target: torch.Tensor, loss: str) -> torch.Tensor:
    if loss == "mse":
        return F.mse_loss(output, target.reshape(output.shape).to(output.dtype))
    return F.cross_entropy(output, target.long().reshape(-1))


def _loss_slope(output: torch.Tensor, target: torch.Tensor, loss: str) -> torch.Tensor:
    """dLoss/dOutput: 2(y - t)/n for the mean squared error, (softmax - one-hot)/batch for cross-entropy."""
    if loss == "mse":
        return 2 * (output - target.reshape(output.shape).to(output.dtype)) / output.numel()
    one_hot = F.one_hot(target.long().reshape(-1), output.shape[1]).to(output.dtype)
    return (torch.softmax(output, dim=1) - one_hot) / output.shape[0]


def _layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    layers = list(model.named_children()) if isinstance(model, nn.Sequential) else [("0", model)]
    for name, layer in layers:
        if not isinstance(layer, (nn.Linear, nn.Flatten, *_SLOPES)):
            raise BackpropError(f"backpropagation by hand covers linear layers, flatten and the sigmoid, tanh and "
                                f"ReLU activations; layer {name} is {type(layer).__name__} (use a small dense network)")
    return layers


def one_step(model: nn.Module, x: torch.Tensor, target: torch.Tensor, loss: str = "mse",
             lr: float = 0.1) -> BackpropStep:
    """Work one sample (``x`` of one row) through ``model`` forward and back by hand, check each gradient
    against autograd, then take one gradient-descent step (w <- w - lr * gradient) on a copy."""
    if loss not in LOSSES:
        raise BackpropError(f"backpropagation by hand covers the losses {', '.join(LOSSES)}; this run uses {loss!r}")
    layers = _layers(model)
    x = x.detach().reshape(1, -1) if x.dim() == 1 else x.detach()
    with torch.no_grad():  # forward, keeping each layer's input and output
        values, h = [], x
        for _, layer in layers:
            out = layer(h)
            values.append((h, out))
            h = out
        total = _loss(h, target, loss)
        signal = _loss_slope(h, target, loss)  # the error signal at the output, passed back layer by layer
        hand: dict[str, torch.Tensor] = {}
        for (name, layer), (inp, out) in zip(reversed(layers), reversed(values), strict=True):
            if isinstance(layer, nn.Linear):
                hand[f"{name}.weight"] = signal.T @ inp  # each weight: the signal at its output times its input
                if layer.bias is not None:
                    hand[f"{name}.bias"] = signal.sum(0)
                signal = signal @ layer.weight
            elif isinstance(layer, nn.Flatten):
                signal = signal.reshape(inp.shape)
            else:
                signal = signal * _SLOPES[type(layer)](inp, out)
    model.zero_grad(set_to_none=True)
    _loss(model(x), target, loss).backward()  # the referee
    params = dict(model.named_parameters())
    gradients = [WeightGradient(name, params[name].detach().clone(), hand[name], params[name].grad.detach().clone())
                 for name in params]
    model.zero_grad(set_to_none=True)
    stepped = copy.deepcopy(model)
    with torch.no_grad():
        for name, p in stepped.named_parameters():
            p -= lr * hand[name]
        after = float(_loss(stepped(x), target, loss))
    layer_values = [LayerValues(name, type(layer).__name__, inp.reshape(-1).tolist(), out.reshape(-1).tolist())
                    for (name, layer), (inp, out) in zip(layers, values, strict=True)]
    return BackpropStep(x.reshape(-1).tolist(), target.reshape(-1).float().tolist(), layer_values, float(total),
                        gradients, lr, after, stepped)
