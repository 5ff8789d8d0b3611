"""Frozen layers (transfer learning): a frozen layer keeps its weights while the rest of the network trains.

A frozen layer's parameters get ``requires_grad=False``, so no gradient reaches them and every optimizer
leaves them out (see :mod:`nnstudio.core.training.optimizers`). It also always runs as when evaluating, even
while the network trains: a frozen BatchNorm normalises with the statistics it learned instead of updating
them from each batch, and a frozen Dropout drops nothing. That is how its weights stay bit for bit what they
were, and it is what the exported code does too (see :mod:`nnstudio.core.export.codegen`).
"""

from __future__ import annotations

import types

import torch
from torch import nn


def _stay_evaluating(self: nn.Module, mode: bool = True) -> nn.Module:
    # Replaces ``train`` on a frozen layer: ``model.train()`` reaches every child through this, so the
    # frozen layer and everything inside it stay in evaluation mode.
    return nn.Module.train(self, False)


def freeze(module: nn.Module) -> nn.Module:
    """Make ``module`` frozen: no gradients for its parameters, evaluation mode for good."""
    for p in module.parameters():
        p.requires_grad_(False)
    for m in module.modules():
        m.train = types.MethodType(_stay_evaluating, m)
    module.eval()
    return module


def is_frozen(module: nn.Module) -> bool:
    train = getattr(module, "train", None)
    return getattr(train, "__func__", None) is _stay_evaluating


def trainable_parameters(params) -> list[torch.nn.Parameter]:
    """The parameters an optimizer should update: those of layers that are not frozen."""
    return [p for p in params if p.requires_grad]


def frozen_prefixes(layers) -> list[str]:
    """The state-dict prefixes ("conv2d1.", "residual4.body.linear2.") of the layers ``layers`` (a spec's stack)
    marks frozen; a frozen block's prefix covers its inner layers. Names as the builder gives them."""
    out: list[str] = []

    def walk(specs, path: str) -> None:
        for position, spec in enumerate(specs, start=1):
            name = f"{path}{spec.kind}{position}"
            if spec.frozen:
                out.append(f"{name}.")
            elif spec.children:
                walk(spec.children, f"{name}.body.")

    walk(layers, "")
    return out


def has_frozen(layers) -> bool:
    return bool(frozen_prefixes(layers))


def frozen_weights(own: dict[str, torch.Tensor], layers, weights: dict[str, torch.Tensor] | None
                   ) -> tuple[dict[str, torch.Tensor], list[str]]:
    """The tensors of ``weights`` (the project's) that the frozen layers of ``layers`` keep, by the names of
    ``own`` (the network's state dict), and a note for each frozen layer that cannot have them (no weights yet,
    or ones of another shape): that layer keeps its fresh random weights."""
    notes: list[str] = []
    kept: dict[str, torch.Tensor] = {}
    for prefix in frozen_prefixes(layers):
        keys = [k for k in own if k.startswith(prefix)]
        if not keys:
            continue  # no weights (an activation, a pooling layer)
        name = prefix.rstrip(".")
        missing = [k for k in keys if not weights or k not in weights or weights[k].shape != own[k].shape]
        if missing:
            why = "the project holds no weights for it" if not weights or all(k not in weights for k in keys) else (
                f"its saved {missing[0].removeprefix(prefix)} does not fit")
            notes.append(f"{name} is frozen but {why}, so it keeps its fresh random weights; load trained weights "
                         "into it first (Architecture tab: Load weights from project)")
            continue
        kept.update({k: weights[k] for k in keys})
    return kept, notes


def keep_frozen_weights(module: nn.Module, layers, weights: dict[str, torch.Tensor] | None) -> list[str]:
    """A fresh run re-seeds every layer, but a frozen layer is there to keep what it learned: give each frozen
    layer back its tensors from ``weights`` (the project's). Returns the notes of :func:`frozen_weights`."""
    own = module.state_dict()
    kept, notes = frozen_weights(own, layers, weights)
    with torch.no_grad():
        for k, v in kept.items():
            own[k].copy_(v.to(own[k].dtype))
    return notes
