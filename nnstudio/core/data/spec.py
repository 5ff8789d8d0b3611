"""The data part of a project: which source, its parameters, the preprocessing steps and the split."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.base.errors import SpecError


@dataclass
class StepSpec:
    """One preprocessing step. ``state`` holds what fitting learned (JSON values; arrays are stored beside)."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> StepSpec:
        from nnstudio.core.base.registry import PREPROCESSING

        if not isinstance(data, dict):
            raise SpecError(where, data, "must be an object with 'kind' and 'params'")
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in PREPROCESSING:
            raise SpecError(f"{where}.kind", kind, f"is not a known preprocessing step (known: {', '.join(PREPROCESSING.names())})")
        return cls(kind, PREPROCESSING.get(kind).validate(data.get("params", {}), f"{where}.params"))


@dataclass
class SplitSpec:
    """Fractions held out for validation (model selection) and test (the vault, never trained on)."""

    validation: float = 0.15
    test: float = 0.15
    stratify: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"validation": self.validation, "test": self.test, "stratify": self.stratify}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> SplitSpec:
        if not isinstance(data, dict):
            raise SpecError(where, data, "must be an object with 'validation', 'test' and 'stratify'")
        out = cls()
        for name in ("validation", "test"):
            value = data.get(name, getattr(out, name))
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value < 1.0:
                raise SpecError(f"{where}.{name}", value, "must be a fraction from 0 to below 1")
            setattr(out, name, float(value))
        if out.validation + out.test >= 0.9:
            raise SpecError(f"{where}.validation", out.validation, "validation and test together must leave at least 10% for training")
        stratify = data.get("stratify", True)
        if not isinstance(stratify, bool):
            raise SpecError(f"{where}.stratify", stratify, "must be true or false")
        out.stratify = stratify
        return out


@dataclass
class DataSpec:
    source: str = "digits"
    params: dict[str, Any] = field(default_factory=dict)
    preprocessing: list[StepSpec] = field(default_factory=list)
    split: SplitSpec = field(default_factory=SplitSpec)
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "params": dict(self.params),
            "preprocessing": [s.to_dict() for s in self.preprocessing],
            "split": self.split.to_dict(),
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "data") -> DataSpec:
        from nnstudio.core.base.registry import DATASETS

        if not isinstance(data, dict):
            raise SpecError(where, data, "must be an object")
        source = data.get("source")
        if not isinstance(source, str) or source not in DATASETS:
            raise SpecError(f"{where}.source", source, f"is not a known dataset (known: {', '.join(DATASETS.names())})")
        params = DATASETS.get(source).validate(data.get("params", {}), f"{where}.params")
        steps = data.get("preprocessing", [])
        if not isinstance(steps, list):
            raise SpecError(f"{where}.preprocessing", steps, "must be a list of steps")
        seed = data.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise SpecError(f"{where}.seed", seed, "must be a whole number of at least 0")
        return cls(
            source,
            params,
            [StepSpec.from_dict(s, f"{where}.preprocessing[{i}]") for i, s in enumerate(steps)],
            SplitSpec.from_dict(data.get("split", {}), f"{where}.split"),
            seed,
        )

    def copy(self) -> DataSpec:
        return copy.deepcopy(self)
