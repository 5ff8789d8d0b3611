"""Layer kinds: parameters, explanation, shape rule, module factory and cost, one class each.

Shapes never include the batch dimension. A shape rule raises :class:`LayerProblem` with a message that
starts after "Layer N (Kind) " and a suggested fix; the builder adds the layer's position.
Activations are separate, non-inplace modules because attribution methods hook them.
"""

from __future__ import annotations

import math
from typing import Any

from torch import nn

from nnstudio.core.arch.modules import ReshapeTo
from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import LAYERS, Param

Shape = tuple[int, ...]


class LayerProblem(Exception):
    """A shape rule's complaint; the builder turns it into a ShapeError with the layer's index."""

    def __init__(self, message: str, fix: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.fix = fix or {}


class LayerKind:
    """Default behaviour: shape-preserving, parameter-free, no multiply-accumulates."""

    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        return shape

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        raise NotImplementedError

    @staticmethod
    def macs(p: dict[str, Any], shape: Shape, out: Shape) -> int:
        return 0

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        """The key parameters, as the stack table shows them."""
        return ""


def _size(shape: Shape) -> int:
    return math.prod(shape) if shape else 1


def _need_image(shape: Shape, what: str) -> None:
    if len(shape) != 3:
        fix = "add a Reshape layer before it (for example to 1x8x8)" if len(shape) == 1 else "check the layers before it"
        raise LayerProblem(f"needs an image shaped channels x height x width but receives {format_shape(shape)}; {fix}")


# --------------------------------------------------------------------------- core
@LAYERS.register(
    "linear",
    title="Linear",
    category="Core",
    params=(
        Param("in_features", int, 0, "Inputs per neuron; 0 means: match whatever arrives.", 0, 1_000_000),
        Param("out_features", int, 10, "Number of neurons, the size of the output.", 1, 1_000_000),
        Param("bias", bool, True, "Add a learned offset to each neuron."),
    ),
    help="""
A fully connected (dense) layer: every output is a weighted sum of all inputs plus a bias.
Strengths: the universal building block; with a non-linearity after it, stacks of these can approximate
any smooth function. Weaknesses: ignores spatial structure, so on images it needs many weights and does not
know that neighbouring pixels belong together. Works on the last dimension of its input.""",
)
class Linear(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        if not shape:
            raise LayerProblem("receives a scalar; it needs at least one feature dimension")
        n_in = p["in_features"]
        if n_in and shape[-1] != n_in:
            if len(shape) > 1:
                raise LayerProblem(
                    f"expects {n_in} input features but receives {format_shape(shape)} = {_size(shape)} values; "
                    f"add a Flatten layer before it, or set in_features to {shape[-1]} to apply it to the last dimension",
                    {"in_features": shape[-1]} if _size(shape) != n_in else {},
                )
            raise LayerProblem(
                f"expects {n_in} input features but receives {shape[-1]}; set in_features to {shape[-1]}",
                {"in_features": shape[-1]},
            )
        return (*shape[:-1], p["out_features"])

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.Linear(shape[-1], p["out_features"], bias=p["bias"])

    @staticmethod
    def macs(p: dict[str, Any], shape: Shape, out: Shape) -> int:
        return _size(shape[:-1]) * shape[-1] * p["out_features"]

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return f"{p['in_features'] or 'auto'} → {p['out_features']}"


@LAYERS.register(
    "flatten",
    title="Flatten",
    category="Core",
    help="""
Unrolls everything after the batch dimension into one long vector, for example a 1x8x8 image into 64
numbers, so that Linear layers can take it. It has no weights. Weakness: the layers after it no longer know
which pixels were neighbours.""",
)
class Flatten(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        return (_size(shape),)

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.Flatten()


def parse_shape_text(text: str) -> tuple[int, ...]:
    parts = [t for t in text.replace("x", ",").replace(" ", "").split(",") if t]
    try:
        dims = tuple(int(t) for t in parts)
    except ValueError:
        raise LayerProblem(f"has target shape {text!r}, which is not a list of whole numbers such as 1,8,8") from None
    if not dims or any(d == 0 or d < -1 for d in dims) or dims.count(-1) > 1:
        raise LayerProblem(f"has target shape {text!r}; use positive sizes and at most one -1 (such as 1,8,8 or -1,4)")
    return dims


@LAYERS.register(
    "reshape",
    title="Reshape",
    category="Core",
    params=(Param("shape", str, "1,8,8", "Target shape without the batch, comma separated; one entry may be -1."),),
    help="""
Rearranges the same numbers into a new shape, for example a flat vector of 64 into a 1x8x8 image so that
convolutions can use it. The number of values must stay the same; one dimension may be -1 and is worked out.""",
)
class Reshape(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        dims = parse_shape_text(p["shape"])
        total = _size(shape)
        known = math.prod(d for d in dims if d != -1)
        if -1 in dims:
            if total % known:
                raise LayerProblem(f"cannot reshape {format_shape(shape)} = {total} values into {p['shape']}; {total} is not divisible by {known}")
            dims = tuple(total // known if d == -1 else d for d in dims)
        elif known != total:
            raise LayerProblem(f"cannot reshape {format_shape(shape)} = {total} values into {format_shape(dims)} = {known} values; choose a shape with {total} values")
        return dims

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.Unflatten(1, Reshape.out_shape(p, shape)) if len(shape) == 1 else ReshapeTo(Reshape.out_shape(p, shape))

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return p["shape"]


@LAYERS.register(
    "dropout",
    title="Dropout",
    category="Core",
    params=(Param("p", float, 0.5, "Probability of zeroing each value during training.", 0.0, 0.95, label="Drop probability"),),
    help="""
During training, zeroes a random fraction p of its inputs and scales the rest up, so the network cannot
lean on any single neuron; at evaluation it does nothing. Strength: a cheap, effective regulariser against
overfitting. Weakness: training curves get noisier and convergence slower; too much dropout underfits.""",
)
class Dropout(LayerKind):
    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.Dropout(p["p"]) if len(shape) != 3 else nn.Dropout2d(p["p"])

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return f"p={p['p']:g}"


# --------------------------------------------------------------------------- convolution
@LAYERS.register(
    "conv2d",
    title="Conv2d",
    category="Convolution",
    params=(
        Param("in_channels", int, 0, "Channels of the incoming image; 0 means: match whatever arrives.", 0, 4096),
        Param("out_channels", int, 8, "Number of filters, the channels of the output.", 1, 4096),
        Param("kernel_size", int, 3, "Width and height of each filter.", 1, 31),
        Param("stride", int, 1, "Step between filter positions.", 1, 16),
        Param("padding", int, 0, "Zeros added around the border; (kernel-1)/2 keeps the size.", 0, 16),
        Param("bias", bool, True, "Add a learned offset to each output channel."),
    ),
    help="""
A 2-D convolution slides small learned filters over the image; each filter responds to a local pattern such
as an edge, wherever it appears. Strengths: few weights, shares them across positions, keeps spatial layout,
and stacks into a hierarchy (edges, then shapes, then objects). Weakness: sees only a small neighbourhood per
layer, so deep stacks or pooling are needed for global context.""",
)
class Conv2d(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        _need_image(shape, "Conv2d")
        c, h, w = shape
        if p["in_channels"] and p["in_channels"] != c:
            raise LayerProblem(f"expects {p['in_channels']} input channels but receives {format_shape(shape)}; set in_channels to {c}", {"in_channels": c})
        k, s, pad = p["kernel_size"], p["stride"], p["padding"]
        oh, ow = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
        if oh < 1 or ow < 1:
            raise LayerProblem(f"receives {format_shape(shape)}, smaller than its {k}x{k} kernel; use a smaller kernel_size or more padding")
        return (p["out_channels"], oh, ow)

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.Conv2d(shape[0], p["out_channels"], p["kernel_size"], p["stride"], p["padding"], bias=p["bias"])

    @staticmethod
    def macs(p: dict[str, Any], shape: Shape, out: Shape) -> int:
        return _size(out) * shape[0] * p["kernel_size"] ** 2

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        s = f"{p['out_channels']} filters {p['kernel_size']}x{p['kernel_size']}"
        if p["stride"] != 1:
            s += f" /{p['stride']}"
        if p["padding"]:
            s += f" pad {p['padding']}"
        return s


def _pool_shape(p: dict[str, Any], shape: Shape) -> Shape:
    _need_image(shape, "pooling")
    c, h, w = shape
    k, pad = p["kernel_size"], p.get("padding", 0)
    s = p["stride"] or k
    if pad > k // 2:
        raise LayerProblem(f"pads {pad} pixels around a {k}x{k} window; padding can be at most half the window ({k // 2})",
                           {"padding": k // 2})
    oh, ow = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
    if oh < 1 or ow < 1:
        raise LayerProblem(f"receives {format_shape(shape)}, smaller than its {k}x{k} window; use a smaller kernel_size or remove this layer")
    return (c, oh, ow)


_POOL_PARAMS = (
    Param("kernel_size", int, 2, "Width and height of the pooling window.", 1, 16),
    Param("stride", int, 0, "Step between windows; 0 means the same as the window.", 0, 16),
)


@LAYERS.register(
    "maxpool2d",
    title="MaxPool2d",
    category="Convolution",
    params=(*_POOL_PARAMS, Param("padding", int, 0, "Border added around the image (ResNet's stem pools 3x3 with "
                                 "stride 2 and padding 1); at most half the window.", 0, 8)),
    help="""
Keeps the largest value in each small window, halving height and width with the default 2x2. Strengths: no
weights, makes features tolerant to small shifts, cuts computation for later layers. Weakness: throws away
where exactly a feature was.""",
)
class MaxPool2d(LayerKind):
    out_shape = staticmethod(_pool_shape)

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.MaxPool2d(p["kernel_size"], p["stride"] or None, p["padding"])

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        s = f"{p['kernel_size']}x{p['kernel_size']}"
        return s + (f" /{p['stride']}" if p["stride"] else "") + (f" pad {p['padding']}" if p["padding"] else "")


@LAYERS.register(
    "avgpool2d",
    title="AvgPool2d",
    category="Convolution",
    params=_POOL_PARAMS,
    help="""
Averages each small window, shrinking the image smoothly. Gentler than max pooling: every value contributes,
so weak but widespread evidence survives; strong isolated features are diluted.""",
)
class AvgPool2d(LayerKind):
    out_shape = staticmethod(_pool_shape)

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.AvgPool2d(p["kernel_size"], p["stride"] or None)

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return f"{p['kernel_size']}x{p['kernel_size']}"


# --------------------------------------------------------------------------- normalization
@LAYERS.register(
    "batchnorm",
    title="BatchNorm",
    category="Normalization",
    help="""
Normalizes each feature (or each image channel) to zero mean and unit spread over the current batch, then
applies a learned scale and shift. Strengths: faster, steadier training and tolerance of higher learning
rates. Weaknesses: depends on batch statistics, so tiny batches hurt and train/eval behaviour differ.
Becomes BatchNorm1d on feature vectors and BatchNorm2d on images.""",
)
class BatchNorm(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        if len(shape) not in (1, 3):
            raise LayerProblem(f"works on feature vectors or images but receives {format_shape(shape)}; use LayerNorm for sequences")
        return shape

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.BatchNorm1d(shape[0]) if len(shape) == 1 else nn.BatchNorm2d(shape[0])


@LAYERS.register(
    "layernorm",
    title="LayerNorm",
    category="Normalization",
    help="""
Normalizes each example across its last dimension (its own features), with a learned scale and shift.
Unlike BatchNorm it does not depend on the batch, so it behaves the same in training and evaluation; the
standard choice in Transformers and recurrent networks.""",
)
class LayerNorm(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        if not shape:
            raise LayerProblem("receives a scalar; it needs at least one feature dimension")
        return shape

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.LayerNorm(shape[-1])


# --------------------------------------------------------------------------- activations
def _activation(name: str, title: str, factory, help: str, params: tuple[Param, ...] = (), summary=None) -> None:
    kind = type(title, (LayerKind,), {"build": staticmethod(lambda p, shape: factory(p))})
    if summary is not None:
        kind.summary = staticmethod(summary)
    LAYERS.register(name, title=title, category="Activations", params=params, help=help)(kind)


_activation(
    "relu", "ReLU", lambda p: nn.ReLU(),
    """
max(0, x): passes positive values, zeroes negative ones. Strengths: cheap, and its gradient is 1 for positive
inputs, so deep networks keep learning instead of suffering vanishing gradients; sparse activations.
Weakness: a neuron whose input stays negative gets zero gradient and can "die" for good.""",
)
_activation(
    "leaky_relu", "LeakyReLU", lambda p: nn.LeakyReLU(p["negative_slope"]),
    """
Like ReLU, but negative inputs keep a small slope instead of becoming zero, so neurons cannot die
completely. Usually a safe swap for ReLU; one more hyperparameter to pick.""",
    (Param("negative_slope", float, 0.01, "Slope for negative inputs.", 0.0, 1.0),),
    lambda p: f"slope {p['negative_slope']:g}",
)
_activation(
    "sigmoid", "Sigmoid", lambda p: nn.Sigmoid(),
    """
Squashes any number into (0, 1), like logistic regression's output. Good for a probability of one yes/no
outcome. Weakness: it saturates; its gradient is at most 0.25 and near zero for large inputs, so deep stacks
of sigmoids learn very slowly (vanishing gradients).""",
)
_activation(
    "tanh", "Tanh", lambda p: nn.Tanh(),
    """
Squashes into (-1, 1) and is centred on zero, which helps the next layer more than a sigmoid does. Still
saturates for large inputs, so gradients vanish in deep stacks; common inside recurrent cells.""",
)
_activation(
    "gelu", "GELU", lambda p: nn.GELU(approximate=p["approximate"]),
    """
A smooth version of ReLU that lets small negative values through, weighted by how likely they are under a
normal distribution. The default in Transformers; slightly more costly than ReLU.""",
    (Param("approximate", str, "none", "Exact formula, or the faster tanh approximation.", choices=("none", "tanh")),),
)
_activation(
    "elu", "ELU", lambda p: nn.ELU(p["alpha"]),
    """
Identity for positive inputs and a smooth exponential curve down to -alpha for negative ones. Keeps mean
activations nearer zero than ReLU and never dies; the exponential costs a little more.""",
    (Param("alpha", float, 1.0, "How far negative outputs may go.", 0.0, 10.0),),
    lambda p: f"α {p['alpha']:g}",
)
_activation(
    "softmax", "Softmax", lambda p: nn.Softmax(dim=-1),
    """
Turns a vector of scores into probabilities that are positive and sum to 1. Use it to read class
probabilities; do not put it before a cross-entropy loss, which applies it internally (doubling it flattens
the gradients).""",
)


# --------------------------------------------------------------------------- structure
@LAYERS.register(
    "residual",
    title="Residual block",
    category="Structure",
    container=True,
    help="""
Adds its input to the output of the layers inside it (a skip connection: y = x + f(x)). The inner layers
only have to learn a correction, and gradients flow straight through the shortcut, which is what lets very
deep networks (ResNets) train. The inner stack must give back the shape it received.""",
)
class Residual(LayerKind):
    pass


class ResidualModule(nn.Module):
    def __init__(self, body: nn.Sequential) -> None:
        super().__init__()
        self.body = body

    def forward(self, x):
        return x + self.body(x)
