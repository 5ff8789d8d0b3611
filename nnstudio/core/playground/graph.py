"""The network as the Playground draws it: one column of neurons per hidden Linear layer.

A network is drawable when its top-level stack is ``[Flatten] (Linear [marks] [activation] [marks])* Linear``:
every hidden Linear is a column, its activation colours the neurons' pictures, and dropout or batch norm are
marks on the column. Anything else (convolutions, sequences, containers) is refused with the reason, which
the Playground shows beside a way to the Inside tab.

Edits (a layer or a neuron more or less, another activation) are core commands from
:mod:`nnstudio.core.arch.commands`, so they go through the same undo stack as the Architecture tab's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnstudio.core.arch.builder import module_name
from nnstudio.core.arch.commands import CompositeCommand, EditCommand, InsertLayer, RemoveLayer, SetParams
from nnstudio.core.arch.spec import ArchitectureSpec, LayerSpec, layer
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.registry import LAYERS

ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu", "elu", "gelu")
MARKS = {"dropout": "dropout", "batchnorm": "batch norm", "layernorm": "layer norm"}
MAX_LAYERS = 6  # hidden columns: TensorFlow Playground's limit, and what fits a projector
MAX_UNITS = 512  # per column; the graph shows 64 of them at most
STARTER_UNITS = (4, 2)


class NotDrawable(NNStudioError):
    """The network is not a stack of Linear layers with activations; the message says which layer is not."""


@dataclass
class Column:
    """One hidden layer: its Linear (top-level position), width, activation and marks."""

    linear: int
    units: int
    activation: str = ""  # layer kind, "" when the Linear feeds the next one directly
    activation_at: int | None = None
    marks: list[str] = field(default_factory=list)
    tap: str = ""  # the module whose output is each neuron's picture (the activation, else the Linear)
    end: int = 0  # one past the column's last layer


@dataclass
class Graph:
    columns: list[Column]
    output: int  # position of the output Linear
    outputs: int
    linears: list[str]  # module names of every Linear, output last (for the edges' weights)

    @property
    def activation(self) -> str:
        """The hidden layers' activation when they share one (what the top bar shows), else ''."""
        kinds = {c.activation for c in self.columns}
        return kinds.pop() if len(kinds) == 1 else ""


def _title(kind: str) -> str:
    return LAYERS.get(kind).title


def read_graph(spec: ArchitectureSpec) -> Graph:
    """The drawable graph of ``spec``, or :class:`NotDrawable` saying why not."""
    if spec.input_kind != "float":
        raise NotDrawable("The Playground draws networks of numbers; this one reads tokens (a sequence model)")
    layers = spec.layers
    start = 1 if layers and layers[0].kind == "flatten" else 0  # a no-op on a row of features
    columns: list[Column] = []
    current: Column | None = None
    linears: list[str] = []
    for i in range(start, len(layers)):
        ls = layers[i]
        where = f"layer {i + 1} is a {_title(ls.kind)}"
        if ls.children is not None:
            raise NotDrawable(f"The Playground draws plain stacks; {where} holding other layers")
        if ls.kind == "linear":
            if current is not None:
                current.end = i
                columns.append(current)
            current = Column(i, int(ls.params["out_features"]), tap=module_name("linear", i + 1))
            linears.append(module_name("linear", i + 1))
        elif current is None:
            raise NotDrawable(f"The Playground draws stacks of Linear layers with activations; {where} before the first Linear")
        elif ls.kind in ACTIVATIONS or ls.kind in ("softmax",):
            if current.activation:
                raise NotDrawable(f"The Playground draws one activation per layer; {where} right after a {_title(current.activation)}")
            current.activation, current.activation_at = ls.kind, i
            current.tap = module_name(ls.kind, i + 1)
        elif ls.kind in MARKS:
            current.marks.append(MARKS[ls.kind])
        else:
            raise NotDrawable(f"The Playground draws stacks of Linear layers with activations; {where}")
    if current is None:
        raise NotDrawable("The network has no Linear layer to draw")
    if current.activation or current.marks:
        extra = _title(layers[current.activation_at].kind) if current.activation_at is not None else current.marks[0]
        raise NotDrawable(f"The Playground needs the last layer to be the output Linear; it ends with a {extra}")
    return Graph(columns, current.linear, current.units, linears)


def drawable_problem(spec: ArchitectureSpec) -> str:
    """'' when the Playground can draw ``spec``, else why not."""
    try:
        read_graph(spec)
    except NotDrawable as exc:
        return str(exc)
    return ""


def starter_architecture(inputs: int, outputs: int, units: tuple[int, ...] = STARTER_UNITS,
                         activation: str = "tanh") -> ArchitectureSpec:
    """TensorFlow Playground's opening network: two small tanh layers."""
    layers: list[LayerSpec] = []
    width = inputs
    for u in units:
        layers += [layer("linear", in_features=width, out_features=u), layer(activation)]
        width = u
    layers.append(layer("linear", in_features=width, out_features=outputs))
    return ArchitectureSpec(layers, name="Playground network")


# ---------------------------------------------------------------------------- edits
def _in_features(spec: ArchitectureSpec, position: int, width: int, now_at: int | None = None) -> list[EditCommand]:
    """Keep the Linear at ``position`` (``now_at`` once earlier parts have moved it) reading ``width`` inputs;
    in_features 0 ('match what arrives') needs nothing."""
    if spec.layers[position].params.get("in_features", 0) in (0, width):
        return []
    return [SetParams((position if now_at is None else now_at,), {"in_features": width}, label="Match inputs")]


def _width_before(spec: ArchitectureSpec, graph: Graph, k: int, inputs: int) -> int:
    return graph.columns[k - 1].units if k > 0 else inputs


def add_layer(spec: ArchitectureSpec, inputs: int, units: int = 4, activation: str = "") -> EditCommand:
    """A hidden layer more, after the last one (as TensorFlow Playground's +), same activation as the others."""
    graph = read_graph(spec)
    if len(graph.columns) >= MAX_LAYERS:
        raise NNStudioError(f"The Playground draws at most {MAX_LAYERS} hidden layers; remove one first")
    activation = activation or graph.activation or "tanh"
    before = graph.columns[-1].units if graph.columns else inputs
    at = graph.output
    parts: list[EditCommand] = [
        InsertLayer((at,), layer("linear", in_features=before, out_features=units)),
        InsertLayer((at + 1,), layer(activation)),
    ]
    parts += _in_features(spec, graph.output, units, at + 2)
    return CompositeCommand(parts, f"Add hidden layer {len(graph.columns) + 1}")


def remove_layer(spec: ArchitectureSpec, inputs: int, k: int | None = None) -> EditCommand:
    """Remove hidden layer ``k`` (default: the last) with its activation and marks."""
    graph = read_graph(spec)
    if not graph.columns:
        raise NNStudioError("The network has no hidden layer to remove")
    k = len(graph.columns) - 1 if k is None else k
    column = graph.columns[k]
    removed = column.end - column.linear
    parts: list[EditCommand] = [RemoveLayer((p,)) for p in range(column.end - 1, column.linear - 1, -1)]
    nxt = graph.columns[k + 1].linear if k + 1 < len(graph.columns) else graph.output
    width = _width_before(spec, graph, k, inputs)
    parts += _in_features(spec, nxt, width, nxt - removed)
    return CompositeCommand(parts, f"Remove hidden layer {k + 1}")


def set_units(spec: ArchitectureSpec, k: int, units: int) -> EditCommand:
    """Hidden layer ``k`` gets ``units`` neurons; the next Linear reads that many."""
    graph = read_graph(spec)
    if not 1 <= units <= MAX_UNITS:
        raise NNStudioError(f"A hidden layer has 1 to {MAX_UNITS} neurons in the Playground; {units} is outside that")
    column = graph.columns[k]
    nxt = graph.columns[k + 1].linear if k + 1 < len(graph.columns) else graph.output
    more = units > column.units
    parts: list[EditCommand] = [SetParams((column.linear,), {"out_features": units}, label="Neurons")]
    parts += _in_features(spec, nxt, units)
    return CompositeCommand(parts, f"{'Add' if more else 'Remove'} a neuron in hidden layer {k + 1}")


def set_activation(spec: ArchitectureSpec, kind: str) -> EditCommand:
    """Every hidden layer's activation becomes ``kind`` (one undo step)."""
    if kind not in ACTIVATIONS:
        raise NNStudioError(f"'{kind}' is not an activation the Playground offers ({', '.join(ACTIVATIONS)})")
    graph = read_graph(spec)
    parts: list[EditCommand] = []
    for column in reversed(graph.columns):  # back to front: an insertion does not move the layers still to do
        if column.activation_at is not None:
            if column.activation != kind:
                parts += [RemoveLayer((column.activation_at,)), InsertLayer((column.activation_at,), layer(kind))]
        else:
            parts.append(InsertLayer((column.linear + 1,), layer(kind)))
    return CompositeCommand(parts, f"Activation {_title(kind)}")
