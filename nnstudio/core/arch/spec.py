"""The architecture as data: an ordered stack of layers, some holding a nested sub-stack."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.base.errors import SpecError

INPUT_KINDS = ("float", "tokens")


@dataclass
class LayerSpec:
    """One layer: its registered kind, its parameters and, for containers such as a residual block,
    the sub-stack it wraps. A *pinned* layer keeps its sizes when the data changes (see ``adapt``); a
    *frozen* one keeps its weights while the rest trains (see ``freeze``; a frozen block freezes its inner layers)."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    children: list[LayerSpec] | None = None
    pinned: bool = False
    frozen: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "params": dict(self.params)}
        if self.children is not None:
            d["children"] = [c.to_dict() for c in self.children]
        if self.pinned:  # written only when set, so files without pins read and save exactly as before
            d["pinned"] = True
        if self.frozen:  # likewise: files without frozen layers are unchanged
            d["frozen"] = True
        return d

    @classmethod
    def from_dict(cls, data: Any, where: str) -> LayerSpec:
        from nnstudio.core.base.registry import LAYERS

        if not isinstance(data, dict):
            raise SpecError(where, data, "must be an object with 'kind' and 'params'")
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in LAYERS:
            raise SpecError(f"{where}.kind", kind, f"is not a known layer kind (known: {', '.join(LAYERS.names())})")
        entry = LAYERS.get(kind)
        params = entry.validate(data.get("params", {}), f"{where}.params")
        pinned = data.get("pinned", False)
        if not isinstance(pinned, bool):
            raise SpecError(f"{where}.pinned", pinned, "must be true or false")
        frozen = data.get("frozen", False)
        if not isinstance(frozen, bool):
            raise SpecError(f"{where}.frozen", frozen, "must be true (keep this layer's weights while training) or false")
        children = data.get("children")
        if entry.extra.get("container"):
            if children is None:
                children = []
            if not isinstance(children, list):
                raise SpecError(f"{where}.children", children, "must be a list of layers")
            child_specs = [cls.from_dict(c, f"{where}.children[{i}]") for i, c in enumerate(children)]
            return cls(kind, params, child_specs, pinned, frozen)
        if children is not None:
            raise SpecError(f"{where}.children", children, f"a {entry.title} layer cannot hold other layers")
        return cls(kind, params, pinned=pinned, frozen=frozen)


@dataclass
class ArchitectureSpec:
    """The whole network. ``input_kind`` says whether it takes float features or integer tokens."""

    layers: list[LayerSpec] = field(default_factory=list)
    input_kind: str = "float"
    name: str = "Network"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "input_kind": self.input_kind, "layers": [l.to_dict() for l in self.layers]}

    @classmethod
    def from_dict(cls, data: Any, where: str = "architecture") -> ArchitectureSpec:
        if not isinstance(data, dict):
            raise SpecError(where, data, "must be an object")
        layers = data.get("layers", [])
        if not isinstance(layers, list):
            raise SpecError(f"{where}.layers", layers, "must be a list of layers")
        input_kind = data.get("input_kind", "float")
        if input_kind not in INPUT_KINDS:
            raise SpecError(f"{where}.input_kind", input_kind, f"must be one of {', '.join(INPUT_KINDS)}")
        name = data.get("name", "Network")
        if not isinstance(name, str):
            raise SpecError(f"{where}.name", name, "must be text")
        return cls([LayerSpec.from_dict(l, f"{where}.layers[{i}]") for i, l in enumerate(layers)], input_kind, name)

    def copy(self) -> ArchitectureSpec:
        return copy.deepcopy(self)


def layer(kind: str, children: list[LayerSpec] | None = None, **params: Any) -> LayerSpec:
    """Shorthand for templates and tests: ``layer("linear", out_features=10)`` with defaults filled."""
    from nnstudio.core.base.registry import LAYERS

    entry = LAYERS.get(kind)
    return LayerSpec(kind, entry.validate(params, kind), children if entry.extra.get("container") else None)
