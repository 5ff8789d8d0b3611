"""Turns an ArchitectureSpec and an input shape into a named ``nn.Module`` plus per-layer facts.

Every build is planned first on torch's ``meta`` device (shapes and parameter counts, no memory), so a
network too big for this machine is refused with a :class:`ModelTooBigError` before anything is allocated:
the CLI, the Train button and the Architecture tab all pass through here. Given what the task needs
(:class:`OutputNeed`, from :func:`output_need`), a network whose output cannot be that (a Linear after a
Conv2d with no Flatten between) is refused with an :class:`OutputShapeError` on the layer that should
have flattened.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from nnstudio.core.arch.freeze import freeze
from nnstudio.core.arch.layers import LayerProblem, ResidualModule, Shape
from nnstudio.core.arch.spec import ArchitectureSpec, LayerSpec
from nnstudio.core.base import memory
from nnstudio.core.base.errors import ShapeError, format_shape
from nnstudio.core.base.registry import LAYERS, Entry
from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION

BYTES_PER_PARAM = 4  # float32
DEFAULT_BATCH_SIZE = 32  # the training spec's default, for callers that do not say
# Training holds each weight four times (value, gradient, Adam's two moments) and each layer's output twice
# (kept for the backward pass, and its gradient).
COPIES_PER_PARAM = 4
COPIES_PER_ACTIVATION = 2


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
    def frozen_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def size_kb(self) -> float:
        buffers = sum(b.numel() for b in self.module.buffers())
        return (self.total_params + buffers) * BYTES_PER_PARAM / 1024

    @property
    def macs(self) -> int:
        return sum(l.macs for l in self.layers if l.kind != "residual")


@dataclass(frozen=True)
class MemoryEstimate:
    """What training one batch of this network needs, counted from the planned shapes."""

    params: int
    buffers: int
    activations: int  # values one example produces across every layer's output, input included
    batch_size: int

    @property
    def weight_bytes(self) -> int:
        return BYTES_PER_PARAM * (COPIES_PER_PARAM * self.params + self.buffers)

    @property
    def activation_bytes(self) -> int:
        return BYTES_PER_PARAM * COPIES_PER_ACTIVATION * self.batch_size * self.activations

    @property
    def train_bytes(self) -> int:
        return self.weight_bytes + self.activation_bytes


class ModelTooBigError(ShapeError):
    """The network would need more memory than this machine has free. A ShapeError that points at the
    layer holding most of it, so every place that shows a misfit (Architecture tab, Train button) shows it."""

    def __init__(self, layer: LayerInfo, need: MemoryEstimate, available: int) -> None:
        self.estimate, self.available = need, available
        if need.weight_bytes >= need.activation_bytes:
            what = f"its {layer.params:,} weights"
            fix = "make this layer smaller (fewer features, channels or units) or use fewer layers"
        else:
            what = f"its output of {format_shape(layer.out_shape)} values per example"
            fix = f"use a smaller batch size than {need.batch_size}, smaller inputs, or fewer channels in this layer"
        super().__init__(
            layer.index, layer.title, layer.in_shape,
            f"makes the network too big for this computer: training it ({need.params:,} parameters) with batches of "
            f"{need.batch_size} needs about {memory.format_bytes(need.train_bytes)}, but only "
            f"{memory.format_bytes(available)} of memory is free; most of it is this layer's: {what}; {fix}",
        )


@dataclass(frozen=True)
class OutputNeed:
    """What the task needs the network to give for each example: ``size`` values as one vector (classes
    or regression targets). Regression losses reshape the output to the targets, so there any shape with
    ``size`` values fits (an autoencoder may end with the input's own 1x8x8)."""

    task: str  # CLASSIFICATION or REGRESSION
    size: int
    reconstruction: bool = False

    def fits(self, out: Shape) -> bool:
        return len(out) <= 1 or (self.task == REGRESSION and math.prod(out) == self.size)

    def describe(self) -> str:
        if self.task == CLASSIFICATION:
            return f"{self.size} outputs (one per class)"
        if self.reconstruction:
            return f"{self.size} outputs (the input's {self.size} values, to rebuild it)"
        return "1 output (the target)" if self.size == 1 else f"{self.size} outputs (one per target)"


def output_need(bundle) -> OutputNeed | None:
    """What ``bundle``'s task needs from the network (None where the bundle cannot say)."""
    try:
        size = bundle.output_size
    except (ValueError, IndexError, AttributeError):
        return None
    if not size:
        return None
    return OutputNeed(bundle.task, int(size), bool(getattr(bundle, "meta", {}).get("reconstruction")))


class OutputShapeError(ShapeError):
    """The network builds, but its output cannot be what the task needs: a Linear acting on the last
    dimension of an image (no Flatten before it) gives a 16x6x10 grid, not 10 class scores.

    ``flatten_at`` is the 0-based top-level position where a Flatten goes (before ``index``), or None
    when no Linear received the multi-dimensional input and the network needs Flatten and a Linear at its end."""

    def __init__(self, blamed: LayerInfo, output: Shape, need: OutputNeed, position: int, linear: bool) -> None:
        self.output, self.need = tuple(output), need
        self.flatten_at: int | None = position if linear else None
        ends = f"the network ends with {format_shape(output)} values per example where this {need.task} task needs {need.describe()}"
        if linear:
            message = (f"receives {format_shape(blamed.in_shape)}, a multi-dimensional input, and acts only on its last "
                       f"dimension, so {ends}; insert Flatten before layer {blamed.index}")
        else:
            message = (f"receives {format_shape(blamed.in_shape)} and {ends}; insert Flatten and a Linear with "
                       f"{need.size} outputs after layer {blamed.index}")
        super().__init__(blamed.index, blamed.title, blamed.in_shape, message)


def check_output(built: BuiltModel, need: OutputNeed | None) -> None:
    """Raise OutputShapeError when ``built``'s output cannot be what ``need`` asks; nothing without a need."""
    if need is None or need.fits(built.output_shape):
        return
    top = [i for i in built.layers if i.depth == 0]
    if not top:
        return
    position, blamed = next(
        ((n, i) for n, i in enumerate(top) if i.kind == "linear" and len(i.in_shape) > 1), (len(top) - 1, top[-1])
    )
    raise OutputShapeError(blamed, built.output_shape, need, position, blamed.kind == "linear" and len(blamed.in_shape) > 1)


def estimate(built: BuiltModel, batch_size: int = DEFAULT_BATCH_SIZE) -> MemoryEstimate:
    """Memory to train ``built`` (planned or real) with batches of ``batch_size``."""
    activations = math.prod(built.input_shape) + sum(math.prod(i.out_shape) for i in built.layers)
    buffers = sum(b.numel() for b in built.module.buffers())
    return MemoryEstimate(built.total_params, buffers, activations, max(1, int(batch_size)))


def _costliest(built: BuiltModel, batch_size: int) -> LayerInfo | None:
    def cost(info: LayerInfo) -> int:
        return COPIES_PER_PARAM * info.params + COPIES_PER_ACTIVATION * batch_size * math.prod(info.out_shape)

    return max((i for i in built.layers if i.kind != "residual"), key=cost, default=None)


def check_fits(built: BuiltModel, batch_size: int = DEFAULT_BATCH_SIZE) -> MemoryEstimate:
    """The estimate, or a ModelTooBigError when it exceeds the memory free now (no check where unknown)."""
    need = estimate(built, batch_size)
    available = memory.available_bytes()
    if available is not None and need.train_bytes > available:
        blamed = _costliest(built, need.batch_size)
        if blamed is not None:
            raise ModelTooBigError(blamed, need, available)
    return need


class _SkipFills(TorchFunctionMode):
    """While planning on ``meta``: in-place fills (weight initialisation: normal_, uniform_, zero_ …) have no
    values to fill, so they are skipped; run, several would load torch's Python decompositions (seconds)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        target = args[0] if args else next(iter(kwargs.values()), None)
        if name.endswith("_") and not name.endswith("__") and name != "requires_grad_" and isinstance(target, torch.Tensor) and target.is_meta:
            return target
        return func(*args, **kwargs)


def _plan_layer(entry: Entry, params: dict, shape: Shape) -> nn.Module:
    """The layer's module with its weights on ``meta`` (shapes only). A kind without parameters is sized by
    its input alone, which the data already holds in memory, so it is built as is (a positional encoding's
    fixed table would otherwise go through those slow decompositions)."""
    if not entry.params:
        return entry.obj.build(params, shape)
    with torch.device("meta"), _SkipFills():
        return entry.obj.build(params, shape)


def module_name(kind: str, position: int) -> str:
    return f"{kind}{position}"


def _trainable(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _build_stack(
    layers: list[LayerSpec], shape: Shape, prefix: str, path: str, depth: int, infos: list[LayerInfo], meta: bool = False,
    frozen: bool = False,
) -> tuple[nn.Sequential, Shape]:
    """``frozen``: the stack sits in a frozen block, so every layer in it is frozen."""
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    for position, spec in enumerate(layers, start=1):
        layer_frozen = frozen or spec.frozen
        index = f"{prefix}{position}"
        entry = LAYERS.get(spec.kind)
        name = module_name(spec.kind, position)
        full_name = f"{path}{name}"
        if entry.extra.get("container"):
            info = LayerInfo(index, spec.kind, entry.title, full_name, f"{len(spec.children or [])} layers inside", shape, shape, 0, 0, 0, depth)
            infos.append(info)
            body, out = _build_stack(spec.children or [], shape, f"{index}.", f"{full_name}.body.", depth + 1, infos, meta,
                                     layer_frozen)
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
            module = _plan_layer(entry, spec.params, shape) if meta else entry.obj.build(spec.params, shape)
            if layer_frozen:
                freeze(module)
            n_params = sum(p.numel() for p in module.parameters())
            infos.append(
                LayerInfo(
                    index, spec.kind, entry.title, full_name, entry.obj.summary(spec.params), shape, out,
                    n_params, _trainable(module), entry.obj.macs(spec.params, shape, out), depth,
                )
            )
        if entry.extra.get("container"):
            if layer_frozen:
                freeze(module)
            info.params = sum(p.numel() for p in module.parameters())
            info.trainable = _trainable(module)
            info.macs = sum(l.macs for l in infos if l.index.startswith(f"{index}."))
        modules[name] = module
        shape = out
    return nn.Sequential(modules), shape


def plan(spec: ArchitectureSpec, input_shape: Shape, *, need: OutputNeed | None = None) -> BuiltModel:
    """The model with its weights on the ``meta`` device: every shape, parameter count and cost, nothing
    allocated (it cannot run). Raises ShapeError at the first layer that does not fit, and, given ``need``,
    OutputShapeError when the output cannot be what the task needs."""
    infos: list[LayerInfo] = []
    module, out = _build_stack(spec.layers, tuple(input_shape), "", "", 0, infos, meta=True)
    planned = BuiltModel(module, tuple(input_shape), out, infos)
    check_output(planned, need)
    return planned


def _materialize(spec: ArchitectureSpec, planned: BuiltModel) -> BuiltModel:
    module, _ = _build_stack(spec.layers, planned.input_shape, "", "", 0, [])
    return BuiltModel(module, planned.input_shape, planned.output_shape, planned.layers)


def build(
    spec: ArchitectureSpec, input_shape: Shape, *, batch_size: int = DEFAULT_BATCH_SIZE, need: OutputNeed | None = None
) -> BuiltModel:
    """Build the model; raise ShapeError at the first layer that does not fit, OutputShapeError (given
    ``need``) when the output cannot be what the task needs, and ModelTooBigError (before allocating) when
    training it with ``batch_size`` would need more memory than is free."""
    planned = plan(spec, input_shape, need=need)
    check_fits(planned, batch_size)
    return _materialize(spec, planned)


def build_partial(
    spec: ArchitectureSpec, input_shape: Shape, *, batch_size: int = DEFAULT_BATCH_SIZE, need: OutputNeed | None = None
) -> tuple[BuiltModel | None, list[LayerInfo], ShapeError | None]:
    """Like ``build``, but never raises a ShapeError: it returns the facts of every layer before the
    first one that does not fit (every layer, for a network too big for memory or whose output does not
    fit the task), and that error, so the editor can show both."""
    infos: list[LayerInfo] = []
    try:
        module, out = _build_stack(spec.layers, tuple(input_shape), "", "", 0, infos, meta=True)
        planned = BuiltModel(module, tuple(input_shape), out, infos)
        check_output(planned, need)
        check_fits(planned, batch_size)
    except ShapeError as exc:
        return None, infos, exc
    return _materialize(spec, planned), infos, None
