"""Turns an ArchitectureSpec and an input shape into a named ``nn.Module`` plus per-layer facts."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from torch import nn

from nnstudio.core.arch.layers import LayerProblem, ResidualModule, Shape
from nnstudio.core.arch.spec import ArchitectureSpec, LayerSpec
from nnstudio.core.errors import ShapeError, format_shape
from nnstudio.core.registry import LAYERS

BYTES_PER_PARAM = 4  # float32


@dataclass
class LayerInfo:
    """What the stack table shows for one layer."""

    index: str  # 1-based; nested layers as "4.2"
    kind: str
    title: str
    name: str  # attribute path inside the built module, e.g. "residual4.body.linear1"
    summary: str
    in_shape: Shape
    out_shape: Shape
    params: int
    trainable: int
    macs: int
    depth: int = 0


@dataclass
class BuiltModel:
    module: nn.Module
    input_shape: Shape
    output_shape: Shape
    layers: list[LayerInfo] = field(default_factory=list)

    @property
    def total_params(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    @property
    def trainable_params(self) -> int:
        return sum(p.numel() for p in self.module.parameters() if p.requires_grad)

    @property
    def size_kb(self) -> float:
        buffers = sum(b.numel() for b in self.module.buffers())
        return (self.total_params + buffers) * BYTES_PER_PARAM / 1024

    @property
    def macs(self) -> int:
        return sum(l.macs for l in self.layers if l.kind != "residual")


def module_name(kind: str, position: int) -> str:
    return f"{kind}{position}"


def _build_stack(
    layers: list[LayerSpec], shape: Shape, prefix: str, path: str, depth: int, infos: list[LayerInfo]
) -> tuple[nn.Sequential, Shape]:
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    for position, spec in enumerate(layers, start=1):
        index = f"{prefix}{position}"
        entry = LAYERS.get(spec.kind)
        name = module_name(spec.kind, position)
        full_name = f"{path}{name}"
        if entry.extra.get("container"):
            info = LayerInfo(index, spec.kind, entry.title, full_name, f"{len(spec.children or [])} layers inside", shape, shape, 0, 0, 0, depth)
            infos.append(info)
            body, out = _build_stack(spec.children or [], shape, f"{index}.", f"{full_name}.body.", depth + 1, infos)
            if out != shape:
                raise ShapeError(
                    index, entry.title, shape,
                    f"adds its input {format_shape(shape)} to its inner layers' output {format_shape(out)}; "
                    "the inner layers must give back the shape they receive",
                )
            module: nn.Module = ResidualModule(body)
        else:
            try:
                out = tuple(entry.obj.out_shape(spec.params, shape))
            except LayerProblem as problem:
                raise ShapeError(index, entry.title, shape, str(problem), problem.fix) from None
            module = entry.obj.build(spec.params, shape)
            n_params = sum(p.numel() for p in module.parameters())
            infos.append(
                LayerInfo(
                    index, spec.kind, entry.title, full_name, entry.obj.summary(spec.params), shape, out,
                    n_params, n_params, entry.obj.macs(spec.params, shape, out), depth,
                )
            )
        if entry.extra.get("container"):
            info.params = info.trainable = sum(p.numel() for p in module.parameters())
            info.macs = sum(l.macs for l in infos if l.index.startswith(f"{index}."))
        modules[name] = module
        shape = out
    return nn.Sequential(modules), shape


def build(spec: ArchitectureSpec, input_shape: Shape) -> BuiltModel:
    """Build the model; raise ShapeError at the first layer that does not fit."""
    infos: list[LayerInfo] = []
    module, out = _build_stack(spec.layers, tuple(input_shape), "", "", 0, infos)
    return BuiltModel(module, tuple(input_shape), out, infos)


def build_partial(spec: ArchitectureSpec, input_shape: Shape) -> tuple[BuiltModel | None, list[LayerInfo], ShapeError | None]:
    """Like ``build``, but never raises a ShapeError: it returns the facts of every layer before the
    first one that does not fit, and that error, so the editor can show both."""
    infos: list[LayerInfo] = []
    try:
        module, out = _build_stack(spec.layers, tuple(input_shape), "", "", 0, infos)
    except ShapeError as exc:
        return None, infos, exc
    return BuiltModel(module, tuple(input_shape), out, infos), infos, None
