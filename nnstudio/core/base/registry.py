"""Decorator registries for everything a student can pick from a list.

Each entry declares its parameters (type, default, allowed range or choices) and an explanation in our
own words, with strengths and weaknesses. The GUI builds forms and help from these declarations, the
spec loader validates against them, and the CLI lists them: one source of truth.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from nnstudio.core.base.errors import NNStudioError, SpecError

T = TypeVar("T")


@dataclass(frozen=True)
class Param:
    """One parameter of a registry entry.

    ``type`` is ``int``, ``float``, ``bool`` or ``str``; a ``str`` parameter with ``choices`` is a pick
    list. ``minimum``/``maximum`` are inclusive.
    """

    name: str
    type: type
    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def coerce(self, value: Any, where: str) -> Any:
        """Return ``value`` as this parameter's type, or raise SpecError naming ``where``."""
        original = value
        if self.type is bool:
            if isinstance(value, bool):
                return value
            raise SpecError(where, value, "must be true or false")
        if self.type is int:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SpecError(where, value, "must be a whole number")
            if isinstance(value, float) and not value.is_integer():
                raise SpecError(where, value, "must be a whole number")
            value = int(value)
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SpecError(where, value, "must be a number")
            value = float(value)
            if not math.isfinite(value):
                raise SpecError(where, value, "must be a finite number")
        elif self.type is str:
            if not isinstance(value, str):
                raise SpecError(where, value, "must be text")
            if self.choices and value not in self.choices:
                raise SpecError(where, value, f"must be one of {', '.join(self.choices)}")
            return value
        if self.minimum is not None and value < self.minimum:
            raise SpecError(where, original, f"must be at least {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise SpecError(where, original, f"must be at most {self.maximum:g}")
        return value


@dataclass(frozen=True)
class Entry(Generic[T]):
    """A registered item: its object (a class, factory or function) plus what the GUI shows about it."""

    name: str
    title: str
    obj: T
    params: tuple[Param, ...] = ()
    help: str = ""
    category: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate(self, params: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Fill defaults and check every value; unknown names are refused so typos don't pass silently."""
        if not isinstance(params, Mapping):
            raise SpecError(where, params, "must be an object of parameter names and values")
        known = {p.name for p in self.params}
        for name in params:
            if name not in known:
                allowed = ", ".join(sorted(known)) or "none"
                raise SpecError(f"{where}.{name}", params[name], f"is not a parameter of {self.title} (it takes: {allowed})")
        return {p.name: p.coerce(params.get(p.name, p.default), f"{where}.{p.name}") for p in self.params}


class Registry(Generic[T]):
    """Named entries of one kind (layers, datasets, losses ...), kept in registration order."""

    def __init__(self, kind: str, *modules: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}
        # Modules whose import registers the built-in entries; imported on first look-up so that
        # importing the registry alone stays cheap and free of cycles.
        self._modules = modules
        self._loaded = not modules

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self._modules:
                importlib.import_module(module)

    def register(
        self,
        name: str,
        *,
        title: str = "",
        params: tuple[Param, ...] | list[Param] = (),
        help: str = "",
        category: str = "",
        **extra: Any,
    ) -> Callable[[T], T]:
        def decorate(obj: T) -> T:
            self.add(Entry(name, title or name, obj, tuple(params), help.strip(), category, extra))
            return obj

        return decorate

    def add(self, entry: Entry[T]) -> None:
        if entry.name in self._entries:
            raise ValueError(f"{self.kind} {entry.name!r} registered twice")
        self._entries[entry.name] = entry

    def get(self, name: str) -> Entry[T]:
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(self._entries) or "none"
            raise NNStudioError(f"Unknown {self.kind} {name!r}; choose one of: {known}") from None

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[Entry[T]]:
        self._load()
        return iter(self._entries.values())

    def names(self) -> list[str]:
        self._load()
        return list(self._entries)

    def categories(self) -> dict[str, list[Entry[T]]]:
        self._load()
        grouped: dict[str, list[Entry[T]]] = {}
        for entry in self._entries.values():
            grouped.setdefault(entry.category, []).append(entry)
        return grouped


LAYERS: Registry[Any] = Registry(
    "layer", "nnstudio.core.arch.layers", "nnstudio.core.arch.layers_attention", "nnstudio.core.arch.layers_sequence",
    "nnstudio.core.arch.layers_resnet",
    "nnstudio.core.arch.layers_vae", "nnstudio.core.generative.diffusion_kinds",
)
DATASETS: Registry[Any] = Registry(
    "dataset", "nnstudio.core.data.sources", "nnstudio.core.data.drawn", "nnstudio.core.data.reconstruct",
    "nnstudio.core.data.digit_subsets", "nnstudio.core.data.teaching_sets",
    "nnstudio.core.data.tank_photos", "nnstudio.core.data.paintings",
    "nnstudio.core.data.mixtures", "nnstudio.core.generative.diffusion_kinds",
)
PREPROCESSING: Registry[Any] = Registry("preprocessing step", "nnstudio.core.data.preprocess")
LOSSES: Registry[Any] = Registry("loss", "nnstudio.core.training.losses", "nnstudio.core.training.vae_loss",
                                    "nnstudio.core.generative.diffusion_kinds")
OPTIMIZERS: Registry[Any] = Registry("optimizer", "nnstudio.core.training.optimizers")
METRICS: Registry[Any] = Registry("metric", "nnstudio.core.evaluate.metrics")
ATTRIBUTIONS: Registry[Any] = Registry("attribution method", "nnstudio.core.interpret.methods")
