"""The network follows the data: the first layer's inputs and the last layer's outputs take the data's sizes.

One function, :func:`plan_adaptation`, decides what changes; the editor's "Fit to data" button, the window
when the dataset changes (one undo step), and the CLI's ``info`` and ``train`` all use it. Adapting changes
sizes only, never adds or removes a layer, and leaves a *pinned* layer as the user set it (saying so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnstudio.core.arch.builder import build, output_need
from nnstudio.core.arch.commands import CompositeCommand, EditCommand, SetParams
from nnstudio.core.arch.layers import Shape
from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.core.base.errors import ShapeError
from nnstudio.core.base.registry import LAYERS

INPUT_PARAMS = {"linear": "in_features", "conv2d": "in_channels"}
OUTPUT_PARAMS = {"linear": "out_features"}


@dataclass
class Adaptation:
    """What adapting would do: ``command`` (one undo step, None when nothing changes), ``changes`` (one
    phrase per changed size) and ``kept`` (pinned layers that do not fit, with what to do)."""

    command: EditCommand | None = None
    changes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """One sentence per thing the user should read, changes first."""
        out = [f"the network follows the data: {', '.join(self.changes)}"] if self.changes else []
        return out + self.kept


def _shape_before(spec: ArchitectureSpec, position: int, input_shape: Shape) -> Shape | None:
    try:
        return build(ArchitectureSpec(spec.layers[:position], spec.input_kind), input_shape).output_shape
    except ShapeError:
        return None


def _wanted_input(kind: str, shape: Shape) -> int | None:
    if kind == "linear":
        return shape[-1]
    return shape[0] if len(shape) == 3 else None  # conv2d: channels of a (C, H, W) image


def plan_adaptation(spec: ArchitectureSpec, input_shape: Shape, output_size: int | None) -> Adaptation:
    """Set the first top-level Linear/Conv2d's inputs to what arrives there and the last Linear's outputs to
    ``output_size`` (classes, or regression targets). An automatic size (0) already follows the data and is
    left alone; a pinned layer is left alone and named in ``kept``."""
    plan = Adaptation()
    parts: list[EditCommand] = []
    top = spec.layers

    def change(i: int, name: str, want: int, why: str) -> None:
        layer = top[i]
        have = layer.params.get(name)
        if have == want:
            return
        title = f"layer {i + 1} {LAYERS.get(layer.kind).title}"
        if layer.pinned:
            plan.kept.append(f"{title} is pinned with {name} {have} but {why} {want}: unpin it (right-click the "
                             f"layer, Unpin sizes) or set {name} to {want} yourself")
            return
        parts.append(SetParams((i,), {name: want}, label=f"Set {title} {name}"))
        plan.changes.append(f"{title} {name} {have} → {want}")

    first = next((i for i, l in enumerate(top) if l.kind in INPUT_PARAMS), None)
    if first is not None and top[first].params.get(INPUT_PARAMS[top[first].kind]):
        shape = _shape_before(spec, first, tuple(input_shape))
        want = _wanted_input(top[first].kind, shape) if shape else None
        if want is not None:
            change(first, INPUT_PARAMS[top[first].kind], want, "the data gives")
    last = next((i for i in range(len(top) - 1, -1, -1) if top[i].kind in OUTPUT_PARAMS), None)
    if last is not None and output_size:
        change(last, OUTPUT_PARAMS[top[last].kind], output_size, "the data needs")
    if parts:
        plan.command = CompositeCommand(parts, f"Fit network to data ({', '.join(plan.changes)})")
    return plan


def adapt_to_data(spec: ArchitectureSpec, input_shape: Shape, output_size: int | None) -> tuple[ArchitectureSpec, list[str]]:
    """A copy of ``spec`` adapted to the data (``spec`` itself is not changed), and the notes saying what
    changed and which pinned layers were kept."""
    plan = plan_adaptation(spec, input_shape, output_size)
    adapted = spec.copy()
    if plan.command is not None:
        plan.command.apply(adapted)
    return adapted, plan.notes


def needed_outputs(bundle) -> int | None:
    """The outputs the data needs (classes or targets), or None when the bundle cannot say (no rows)."""
    need = output_need(bundle)
    return need.size if need else None


def adapt_project(project, bundle) -> list[str]:
    """Adapt ``project``'s network to ``bundle`` in place (before it is built); the notes to show."""
    project.architecture, notes = adapt_to_data(project.architecture, bundle.input_shape, needed_outputs(bundle))
    return notes


__all__ = ["Adaptation", "adapt_project", "adapt_to_data", "needed_outputs", "plan_adaptation"]
