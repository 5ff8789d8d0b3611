"""Does the network fit the data, and what one click would make it fit.

``check`` is what the Train button asks before it lets a run start; ``fit_to_data`` builds the editor's
"Fit to data" edit (first layer's inputs, last layer's outputs) and ``fix_command`` the one-click fix of
a ShapeError (parameter values, or the Flatten an :class:`OutputShapeError` asks for).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nnstudio.core.arch.adapt import plan_adaptation
from nnstudio.core.arch.builder import OutputNeed, OutputShapeError, build
from nnstudio.core.arch.commands import (
    CompositeCommand,
    EditCommand,
    InsertLayer,
    LayerPath,
    SetParams,
    layer_at,
    new_layer,
    path_from_index,
)
from nnstudio.core.arch.layers import Shape
from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.core.base.errors import ShapeError


def check(project_or_spec, input_shape: Shape, need: OutputNeed | None = None) -> ShapeError | None:
    """The first layer that does not fit ``input_shape`` (or, given ``need``, whose output does not fit the
    task), or None when the whole network builds."""
    spec: ArchitectureSpec = getattr(project_or_spec, "architecture", project_or_spec)
    try:
        build(spec, tuple(input_shape), need=need)
    except ShapeError as exc:
        return exc
    return None


def insert_flatten(error: OutputShapeError) -> EditCommand | None:
    """One undo step: a Flatten before the Linear the error names (whose explicit in_features, if any, is
    set to the flattened size so the layer fits at once). None when the error asks for more than a Flatten."""
    if error.flatten_at is None:
        return None
    at = error.flatten_at
    parts: list[EditCommand] = [InsertLayer((at,), new_layer("flatten"))]
    flat = math.prod(error.received)
    parts.append(_FlattenedInFeatures((at + 1,), flat))
    return CompositeCommand(parts, f"Insert Flatten before layer {error.index}")


@dataclass
class _FlattenedInFeatures(EditCommand):
    """After the inserted Flatten: an explicit in_features becomes the flattened size, so the Linear fits at
    once; an automatic one (0) is left alone."""

    path: LayerPath
    flat: int
    old: object = None

    def apply(self, spec: ArchitectureSpec) -> None:
        layer = layer_at(spec, self.path)
        self.old = layer.params.get("in_features", 0)
        if self.old:
            layer.params = {**layer.params, "in_features": self.flat}

    def revert(self, spec: ArchitectureSpec) -> None:
        layer = layer_at(spec, self.path)
        layer.params = {**layer.params, "in_features": self.old}

    def selection_after(self) -> LayerPath | None:
        return (*self.path[:-1], self.path[-1] - 1)  # the new Flatten


def fix_command(error: ShapeError) -> EditCommand | None:
    """The edit that applies the error's suggested parameter values (or inserts the Flatten an output that
    does not fit the task asks for), or None when the fix needs the user."""
    if isinstance(error, OutputShapeError):
        return insert_flatten(error)
    if not error.fix:
        return None
    return SetParams(path_from_index(error.index), dict(error.fix), label=f"Fix layer {error.index} ({error.kind})")


def fit_to_data(spec: ArchitectureSpec, input_shape: Shape, output_size: int | None) -> EditCommand | None:
    """One undo step that sets the first Linear/Conv2d's inputs to what arrives and the last Linear's
    outputs to ``output_size`` (pinned layers excepted); None when nothing needs changing. The rule lives in
    :mod:`nnstudio.core.arch.adapt`, shared with the automatic adaptation and the CLI."""
    return plan_adaptation(spec, input_shape, output_size).command


__all__ = ["check", "fit_to_data", "fix_command", "insert_flatten", "LayerPath"]
