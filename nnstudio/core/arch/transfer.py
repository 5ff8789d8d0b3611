"""Copying trained layers from another network (transfer learning): every layer whose name and tensor shapes
match is copied whole, every other one is named with the reason, so the student reads what was reused."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from nnstudio.core.arch.builder import BuiltModel, LayerInfo
from nnstudio.core.base.errors import NNStudioError, format_shape

Tensors = dict[str, torch.Tensor]


class NothingTransferred(NNStudioError):
    """No layer of the source fits the network: nothing was changed."""


@dataclass
class LayerCopy:
    index: str  # the stack's "4.2"
    title: str
    name: str  # the layer's name inside the network, e.g. "conv2d1"
    reason: str = ""  # why it was not copied; empty when it was


@dataclass
class TransferReport:
    weights: Tensors  # the network's weights after the copy: copied layers from the source, the rest as they were
    copied: list[LayerCopy] = field(default_factory=list)
    not_copied: list[LayerCopy] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)  # source layers no layer here took

    def lines(self) -> list[str]:
        out = [f"Copied {len(self.copied)} of {len(self.copied) + len(self.not_copied)} layers with weights."]
        out += [f"copied: layer {c.index} {c.title} ({c.name})" for c in self.copied]
        out += [f"not copied: layer {c.index} {c.title} ({c.name}): {c.reason}" for c in self.not_copied]
        if self.unused:
            out.append(f"in the source only: {', '.join(self.unused)}")
        return out


def _layer_of(key: str) -> str:
    return key.rsplit(".", 1)[0]


def _leaf_layers(built: BuiltModel, own: Tensors) -> list[tuple[LayerInfo, list[str]]]:
    """Each layer holding tensors (a residual block's inner layers, not the block), with its state-dict keys."""
    out = []
    for info in built.layers:
        keys = [k for k in own if k.startswith(f"{info.name}.")]
        inner = any(i.name.startswith(f"{info.name}.") for i in built.layers)
        if keys and not inner:
            out.append((info, keys))
    return out


def transfer(built: BuiltModel, current: Tensors, source: Tensors) -> TransferReport:
    """Copy from ``source`` every layer of ``built`` whose tensors all exist there with the same shapes;
    ``current`` holds the network's weights now (kept for every layer not copied). Raises NothingTransferred
    when no layer fits."""
    own = built.module.state_dict()
    weights = {k: v.detach().clone() for k, v in current.items()}
    report = TransferReport(weights)
    taken: set[str] = set()
    for info, keys in _leaf_layers(built, own):
        entry = LayerCopy(info.index, info.title, info.name)
        absent = [k for k in keys if k not in source]
        misfit = [k for k in keys if k in source and source[k].shape != own[k].shape]
        if len(absent) == len(keys):
            entry.reason = "the source has no layer of this name"
        elif absent:
            entry.reason = f"the source lacks its {absent[0].removeprefix(info.name + '.')}"
        elif misfit:
            k = misfit[0]
            entry.reason = (f"its {k.removeprefix(info.name + '.')} is {format_shape(tuple(own[k].shape))} here but "
                            f"{format_shape(tuple(source[k].shape))} in the source")
        if entry.reason:
            report.not_copied.append(entry)
            continue
        for k in keys:
            weights[k] = source[k].detach().to(own[k].dtype).clone()
            taken.add(k)
        report.copied.append(entry)
    here = tuple(f"{info.name}." for info, _ in _leaf_layers(built, own))
    report.unused = sorted({_layer_of(k) for k in source if not k.startswith(here)})
    if not report.copied:
        raise NothingTransferred(
            "No layer of the source fits this network (names and shapes must match); nothing was changed. "
            + "; ".join(f"layer {c.index} {c.title}: {c.reason}" for c in report.not_copied[:3]))
    return report
