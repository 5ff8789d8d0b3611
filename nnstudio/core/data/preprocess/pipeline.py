"""The fitted pipeline: each step fitted on the training split only, then applied unchanged to every split.

Its state saves as JSON plus named numpy arrays (``to_state`` / ``from_state``), never pickle; the JSON keys
and step names are what project files hold, so they stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError, ProjectFileError
from nnstudio.core.base.registry import PREPROCESSING
from nnstudio.core.data.checks import place
from nnstudio.core.data.preprocess.base import Info, State, StepKind
from nnstudio.core.data.spec import StepSpec

STATE_VERSION = 1


@dataclass
class FittedStep:
    """One step as fitted: its spec, learned state, and the shapes and training rows before and after it."""

    spec: StepSpec
    state: State
    in_shape: tuple[int, ...] = ()
    out_shape: tuple[int, ...] = ()
    rows_in: int = 0
    rows_out: int = 0

    @property
    def kind(self) -> type[StepKind]:
        return PREPROCESSING.get(self.spec.kind).obj


def _as_output(x: np.ndarray) -> np.ndarray:
    """Float data (and leftover object columns) as float32 for the network; integer data as it is."""
    return np.asarray(x, dtype=np.float32) if x.dtype.kind in "fO" else x


@dataclass
class FittedPipeline:
    steps: list[FittedStep] = field(default_factory=list)
    input_names: list[str] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)

    @property
    def augments(self) -> bool:
        """True when some step changes training batches (the trainer then calls ``augment``)."""
        return any(s.kind.augments for s in self.steps)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Prepare examples for prediction; every row stays (a 'drop rows' step refuses incomplete ones)."""
        for step in self.steps:
            x = step.kind.transform(step.spec.params, step.state, x)
        return _as_output(x)

    def untransform(self, x: np.ndarray) -> np.ndarray | None:
        """Model inputs back in the data's own units (to show an image as it looks, not as standardized
        pixels); None when some step cannot be undone (PCA, one-hot ...)."""
        for step in reversed(self.steps):
            x = step.kind.untransform(step.spec.params, step.state, x)
            if x is None:
                return None
        return np.asarray(x, dtype=np.float32)

    def apply(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Prepare a whole split; steps may drop rows, and drop the same targets."""
        for step in self.steps:
            x, y = step.kind.transform_xy(step.spec.params, step.state, x, y)
        return _as_output(x), y

    def trace(self, x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The split before the first step and after each step (for before/after views)."""
        out = [(x, y)]
        for step in self.steps:
            x, y = step.kind.transform_xy(step.spec.params, step.state, x, y)
            out.append((x, y))
        return out

    def augment(self, x_batch: Any, generator: Any) -> Any:
        """Training-time augmentation of one batch (a torch tensor on any device), drawn from ``generator``
        (a CPU ``torch.Generator``). Returns the batch unchanged when no step augments."""
        steps = [s for s in self.steps if s.kind.augments]
        if not steps:
            return x_batch
        import torch

        with torch.no_grad():
            squeeze = x_batch.ndim == 3
            xb = x_batch.unsqueeze(1) if squeeze else x_batch
            for step in steps:
                xb = step.kind.augment(step.spec.params, step.state, xb, generator)
            return xb.squeeze(1) if squeeze else xb

    # ------------------------------------------------------------------ saving without pickle
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-ready description plus named numpy arrays (e.g. for safetensors or ``np.savez``)."""
        arrays: dict[str, np.ndarray] = {}
        steps = []
        for i, step in enumerate(self.steps):
            values, refs = {}, {}
            for key, value in step.state.items():
                if isinstance(value, np.ndarray):
                    name = f"preprocessing.{i}.{key}"
                    arrays[name] = np.ascontiguousarray(value)
                    refs[key] = name
                else:
                    values[key] = _plain(value)
            steps.append({
                **step.spec.to_dict(), "state": values, "arrays": refs,
                "in_shape": list(step.in_shape), "out_shape": list(step.out_shape),
                "rows_in": step.rows_in, "rows_out": step.rows_out,
            })
        meta = {"version": STATE_VERSION, "steps": steps, "input_names": list(self.input_names), "output_names": list(self.output_names)}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: Any, arrays: dict[str, np.ndarray]) -> FittedPipeline:
        """Rebuild a fitted pipeline from ``to_state``'s output, checking every part."""
        where = "preprocessing state"
        if not isinstance(meta, dict) or not isinstance(meta.get("steps"), list):
            raise ProjectFileError(f"The {where} is damaged (no list of steps); fit the preprocessing again")
        if meta.get("version", STATE_VERSION) != STATE_VERSION:
            raise ProjectFileError(f"The {where} has version {meta.get('version')!r}, which this nnstudio cannot read; fit it again")
        out = cls(input_names=[str(n) for n in meta.get("input_names", [])], output_names=[str(n) for n in meta.get("output_names", [])])
        for i, item in enumerate(meta["steps"]):
            if not isinstance(item, dict):
                raise ProjectFileError(f"The {where} is damaged (step {i + 1} is not an object); fit it again")
            spec = StepSpec.from_dict({"kind": item.get("kind"), "params": item.get("params", {})}, f"{where}[{i}]")
            state = dict(item.get("state") or {})
            for key, name in (item.get("arrays") or {}).items():
                if name not in arrays:
                    raise ProjectFileError(f"The {where} misses the array {name!r} of step {i + 1}; fit the preprocessing again")
                state[key] = np.asarray(arrays[name])
            shapes = [tuple(int(d) for d in item.get(k, [])) for k in ("in_shape", "out_shape")]
            out.steps.append(FittedStep(spec, state, shapes[0], shapes[1], int(item.get("rows_in", 0)), int(item.get("rows_out", 0))))
        return out


def _plain(value: Any) -> Any:
    """A state value with numpy scalars made plain Python, so ``json`` can write it."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _missing_column(x: np.ndarray, names: list[str]) -> str:
    """'column 'b' still has 8 of them (NaN)' for the first float column with holes, or '' when there are none
    (named as the finite check on the prepared data names it)."""
    if x.dtype.kind != "f" or not np.isnan(x).any():
        return ""
    per_column = np.isnan(x.reshape(len(x), -1)).sum(axis=0)
    j = int(np.flatnonzero(per_column)[0])
    return f"{place(j, names, tuple(x.shape[1:]))} still has {int(per_column[j])} of them (NaN)"


def fit_pipeline(
    steps: list[StepSpec], x_train: np.ndarray, y_train: np.ndarray, feature_names: list[str] | None = None,
    info: Info | None = None,
) -> FittedPipeline:
    """Fit each step on the training split as transformed by the steps before it."""
    names = list(feature_names or [])
    if x_train.ndim == 2 and len(names) != x_train.shape[1]:
        names = [f"x{j + 1}" for j in range(x_train.shape[1])]
    fitted = FittedPipeline(input_names=list(names))
    x, y = x_train, y_train
    for i, spec in enumerate(steps, start=1):
        kind = PREPROCESSING.get(spec.kind)
        spec = StepSpec(spec.kind, kind.validate(spec.params, f"data.preprocessing[{i - 1}].params"))
        if len(x) == 0:
            raise DataError(f"Preprocessing step {i} ({kind.title}) gets no training examples; an earlier step dropped them all")
        rows_in, shape_in = len(x), tuple(x.shape[1:])
        try:
            state = kind.obj.fit(spec.params, x, y, names, info or {})
            x, y = kind.obj.transform_xy(spec.params, state, x, y)
            if x.ndim == 2:
                names = kind.obj.feature_names(spec.params, state, names) if len(names) else names
                if len(names) != x.shape[1]:
                    names = [f"x{j + 1}" for j in range(x.shape[1])]
            else:
                names = []
        except DataError as exc:
            raise DataError(f"Preprocessing step {i}: {exc}") from None
        except (ValueError, TypeError, IndexError) as exc:
            holes = _missing_column(x, names)
            if holes:  # scikit-learn's "Input X contains NaN" runs over several lines and names no column
                raise DataError(
                    f"Preprocessing step {i} ({kind.title}) cannot take missing values, and {holes}; add the step "
                    f"'Fill missing values' (impute) before it"
                ) from None
            raise DataError(f"Preprocessing step {i} ({kind.title}) cannot be fitted: {' '.join(str(exc).split())}") from None
        fitted.steps.append(FittedStep(spec, state, shape_in, tuple(x.shape[1:]), rows_in, len(x)))
    if len(x) == 0:
        raise DataError("The preprocessing dropped every training example; choose another way to handle missing values")
    fitted.output_names = names
    return fitted
