"""Pure, reversible edits of an ArchitectureSpec: what the editor's undo stack replays.

A layer is addressed by its *path*: the 0-based positions from the top of the stack down through nested
sub-stacks, so ``(3,)`` is the fourth layer and ``(3, 0)`` the first layer inside it. Every command
changes the spec in place in ``apply`` and restores it exactly in ``revert``; ``apply`` after ``revert``
gives the same result again. Commands never touch Qt, so tests and the CLI can use them directly.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.arch.spec import ArchitectureSpec, LayerSpec
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.registry import LAYERS

LayerPath = tuple[int, ...]


def path_from_index(index: str) -> LayerPath:
    """The builder's 1-based "4.2" index as a 0-based path (3, 1)."""
    return tuple(int(part) - 1 for part in index.split("."))


def index_from_path(path: LayerPath) -> str:
    return ".".join(str(i + 1) for i in path)


def sibling_list(spec: ArchitectureSpec, path: LayerPath) -> list[LayerSpec]:
    """The list that holds the layer at ``path`` (the top stack or a container's children)."""
    layers = spec.layers
    for position in path[:-1]:
        parent = layers[position]
        if parent.children is None:
            raise NNStudioError(f"Layer {index_from_path(path)} does not exist: layer {position + 1} holds no layers")
        layers = parent.children
    return layers


def layer_at(spec: ArchitectureSpec, path: LayerPath) -> LayerSpec:
    layers = sibling_list(spec, path)
    if not path or not 0 <= path[-1] < len(layers):
        raise NNStudioError(f"There is no layer {index_from_path(path)} in the network")
    return layers[path[-1]]


def all_paths(spec: ArchitectureSpec) -> list[LayerPath]:
    """Every layer's path, in display order (a container before its children)."""
    out: list[LayerPath] = []

    def walk(layers: list[LayerSpec], prefix: LayerPath) -> None:
        for i, l in enumerate(layers):
            out.append((*prefix, i))
            if l.children is not None:
                walk(l.children, (*prefix, i))

    walk(spec.layers, ())
    return out


class EditCommand:
    """One undoable edit. ``text`` names it in the undo history; ``merge_key`` (when not None) lets
    consecutive edits with the same key collapse into one step."""

    text: str = "Edit"

    @property
    def merge_key(self) -> tuple | None:
        return None

    def apply(self, spec: ArchitectureSpec) -> None:
        raise NotImplementedError

    def revert(self, spec: ArchitectureSpec) -> None:
        raise NotImplementedError

    def merge(self, later: EditCommand) -> bool:
        """Absorb ``later`` (already applied) into this command; True when that worked."""
        return False

    def selection_after(self) -> LayerPath | None:
        """The layer the editor should select once the command has been applied."""
        return None

    def selection_before(self) -> LayerPath | None:
        """The layer the editor should select once the command has been undone."""
        return self.selection_after()


@dataclass
class InsertLayer(EditCommand):
    path: LayerPath
    layer: LayerSpec

    def __post_init__(self) -> None:
        self.text = f"Add {LAYERS.get(self.layer.kind).title}"

    def selection_before(self) -> LayerPath | None:
        return None

    def apply(self, spec: ArchitectureSpec) -> None:
        layers = sibling_list(spec, self.path)
        if not 0 <= self.path[-1] <= len(layers):
            raise NNStudioError(f"Cannot insert at position {index_from_path(self.path)}; the stack there has {len(layers)} layers")
        layers.insert(self.path[-1], copy.deepcopy(self.layer))

    def revert(self, spec: ArchitectureSpec) -> None:
        sibling_list(spec, self.path).pop(self.path[-1])

    def selection_after(self) -> LayerPath | None:
        return self.path


@dataclass
class RemoveLayer(EditCommand):
    path: LayerPath
    removed: LayerSpec | None = None

    def __post_init__(self) -> None:
        self.text = "Delete layer"

    def apply(self, spec: ArchitectureSpec) -> None:
        layer = layer_at(spec, self.path)
        self.text = f"Delete {LAYERS.get(layer.kind).title}"
        self.removed = sibling_list(spec, self.path).pop(self.path[-1])

    def revert(self, spec: ArchitectureSpec) -> None:
        assert self.removed is not None
        sibling_list(spec, self.path).insert(self.path[-1], self.removed)

    def selection_after(self) -> LayerPath | None:
        return None

    def selection_before(self) -> LayerPath | None:
        return self.path


@dataclass
class MoveLayer(EditCommand):
    """Take the layer at ``source`` out and put it at ``target`` (a path in the stack *after* removal)."""

    source: LayerPath
    target: LayerPath

    def __post_init__(self) -> None:
        self.text = "Move layer"

    def apply(self, spec: ArchitectureSpec) -> None:
        layer = sibling_list(spec, self.source).pop(self.source[-1])
        self.text = f"Move {LAYERS.get(layer.kind).title}"
        try:
            InsertLayer(self.target, layer).apply(spec)
        except NNStudioError:
            sibling_list(spec, self.source).insert(self.source[-1], layer)
            raise

    def revert(self, spec: ArchitectureSpec) -> None:
        layer = sibling_list(spec, self.target).pop(self.target[-1])
        sibling_list(spec, self.source).insert(self.source[-1], layer)

    def selection_after(self) -> LayerPath | None:
        return self.target

    def selection_before(self) -> LayerPath | None:
        return self.source


def move_target(source: LayerPath, drop_parent: LayerPath, drop_row: int) -> LayerPath:
    """The ``MoveLayer`` target for dropping ``source`` before row ``drop_row`` of the stack at
    ``drop_parent`` (rows counted *before* the layer is taken out)."""
    if drop_parent[: len(source)] == source:
        raise NNStudioError("A block cannot be moved inside itself")
    if drop_parent == source[:-1] and source[-1] < drop_row:
        drop_row -= 1
    elif drop_parent[: len(source) - 1] == source[:-1] and len(drop_parent) >= len(source) and drop_parent[len(source) - 1] > source[-1]:
        # Dropping into a later sibling's sub-stack: that sibling moves up by one once source is out.
        drop_parent = (*drop_parent[: len(source) - 1], drop_parent[len(source) - 1] - 1, *drop_parent[len(source):])
    return (*drop_parent, drop_row)


@dataclass
class SetParams(EditCommand):
    path: LayerPath
    changes: dict[str, Any]
    old: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        names = ", ".join(self.changes)
        self.text = self.label or f"Set {names}"

    @property
    def merge_key(self) -> tuple | None:
        return ("set", self.path, tuple(sorted(self.changes))) if len(self.changes) == 1 and not self.label else None

    def apply(self, spec: ArchitectureSpec) -> None:
        layer = layer_at(spec, self.path)
        entry = LAYERS.get(layer.kind)
        new = entry.validate({**layer.params, **self.changes}, f"layer {index_from_path(self.path)}")
        self.old = {k: layer.params.get(k) for k in self.changes}
        layer.params = new
        if not self.label:
            self.text = f"Set {entry.title} {', '.join(entry.param(n).title.lower() for n in self.changes)}"

    def revert(self, spec: ArchitectureSpec) -> None:
        layer = layer_at(spec, self.path)
        layer.params = {**layer.params, **self.old}

    def merge(self, later: EditCommand) -> bool:
        if not isinstance(later, SetParams) or later.merge_key != self.merge_key or self.merge_key is None:
            return False
        self.changes = dict(later.changes)  # our ``old`` stays: undo goes back to before the first edit
        return True

    def selection_after(self) -> LayerPath | None:
        return self.path


class _SetLayerFlag(EditCommand):
    """Set one of a layer's on/off flags (``flag``, named by ``verbs`` in the undo history)."""

    flag = ""
    verbs = ("Set", "Unset")
    path: LayerPath
    old: bool

    @property
    def value(self) -> bool:
        return getattr(self, self.flag)

    def __post_init__(self) -> None:
        self.text = f"{self.verbs[0] if self.value else self.verbs[1]} layer"

    def apply(self, spec: ArchitectureSpec) -> None:
        layer = layer_at(spec, self.path)
        self.old = getattr(layer, self.flag)
        setattr(layer, self.flag, self.value)
        verb = self.verbs[0] if self.value else self.verbs[1]
        self.text = f"{verb} {LAYERS.get(layer.kind).title} (layer {index_from_path(self.path)})"

    def revert(self, spec: ArchitectureSpec) -> None:
        setattr(layer_at(spec, self.path), self.flag, self.old)

    def selection_after(self) -> LayerPath | None:
        return self.path


@dataclass
class SetPinned(_SetLayerFlag):
    """Pin or unpin a layer: a pinned layer keeps its sizes when the data changes."""

    path: LayerPath
    pinned: bool
    old: bool = False
    flag = "pinned"
    verbs = ("Pin", "Unpin")


@dataclass
class SetFrozen(_SetLayerFlag):
    """Freeze or unfreeze a layer: a frozen layer keeps its weights while the rest of the network trains."""

    path: LayerPath
    frozen: bool
    old: bool = False
    flag = "frozen"
    verbs = ("Freeze", "Unfreeze")


@dataclass
class ReplaceArchitecture(EditCommand):
    """Swap the whole network (a template, a loaded architecture file)."""

    new: ArchitectureSpec
    label: str = "Replace network"
    old: ArchitectureSpec | None = None

    def __post_init__(self) -> None:
        self.text = self.label

    def apply(self, spec: ArchitectureSpec) -> None:
        self.old = spec.copy()
        _assign(spec, self.new.copy())

    def revert(self, spec: ArchitectureSpec) -> None:
        assert self.old is not None
        _assign(spec, self.old.copy())


def _assign(target: ArchitectureSpec, source: ArchitectureSpec) -> None:
    target.layers, target.input_kind, target.name = source.layers, source.input_kind, source.name


@dataclass
class CompositeCommand(EditCommand):
    """Several edits as one undo step (for example "Fit to data")."""

    parts: list[EditCommand]
    label: str = "Edit"

    def __post_init__(self) -> None:
        self.text = self.label

    def apply(self, spec: ArchitectureSpec) -> None:
        done: list[EditCommand] = []
        try:
            for part in self.parts:
                part.apply(spec)
                done.append(part)
        except NNStudioError:
            for part in reversed(done):
                part.revert(spec)
            raise

    def revert(self, spec: ArchitectureSpec) -> None:
        for part in reversed(self.parts):
            part.revert(spec)

    def selection_after(self) -> LayerPath | None:
        return self.parts[-1].selection_after() if self.parts else None


def duplicate(spec: ArchitectureSpec, path: LayerPath) -> InsertLayer:
    """The command that inserts a copy of the layer at ``path`` right below it."""
    copy_of = copy.deepcopy(layer_at(spec, path))
    command = InsertLayer((*path[:-1], path[-1] + 1), copy_of)
    command.text = f"Duplicate {LAYERS.get(copy_of.kind).title}"
    return command


def new_layer(kind: str) -> LayerSpec:
    """A layer of ``kind`` with default parameters (containers start with an empty sub-stack)."""
    entry = LAYERS.get(kind)
    return LayerSpec(kind, entry.defaults(), [] if entry.extra.get("container") else None)
