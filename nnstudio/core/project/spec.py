"""The project: three specs plus, once trained, weights, run history and fitted preprocessing.

A ``.nnstudio`` file is a zip of JSON and safetensors (see :mod:`nnstudio.core.project.file_format` for the layout,
the limits and the atomic save). Nothing in it is ever unpickled. A bare ``.json`` file with the specs
alone is accepted too. The JSON carries ``schema_version``: older versions are migrated step by step in
:func:`migrate`, newer ones are refused with the nnstudio version that wrote them.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

import torch

from nnstudio import __version__
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.base.errors import ProjectFileError, SpecError
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.generative.gan_spec import DISCRIMINATOR, GanSpec
from nnstudio.core.training.config import TrainSpec

SCHEMA_VERSION = 3  # 3: optional named 'networks' and 'gan' (a GAN's discriminator and its settings)
FORMAT = "nnstudio-project"
PROJECT_JSON = "project.json"
WEIGHTS = "weights.safetensors"
MAX_JSON_BYTES = 20 * 1024 * 1024
MAX_WEIGHTS_BYTES = 2 * 1024**3
MAX_RUNS = 200

Tensors = dict[str, torch.Tensor]


@dataclass
class RunRecord:
    """One finished training run: its frozen settings, curves, final metrics and (if kept) its weights.

    ``snapshots`` maps an epoch number to that epoch's weights; they are recorded only when the user asks
    and written to the file only when the Save dialog's "include snapshots" is ticked.
    """

    id: int
    name: str = ""
    created: str = ""
    status: str = "completed"
    epochs: int = 0
    seconds: float = 0.0
    training: TrainSpec = field(default_factory=TrainSpec)
    history: dict[str, list[float]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    weights: Tensors | None = None
    snapshots: dict[int, Tensors] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created": self.created,
            "status": self.status,
            "epochs": self.epochs,
            "seconds": self.seconds,
            "training": self.training.to_dict(),
            "history": {k: list(v) for k, v in self.history.items()},
            "metrics": dict(self.metrics),
            "has_weights": bool(self.weights),
            "snapshot_epochs": sorted(self.snapshots),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> RunRecord:
        if not isinstance(data, dict):
            raise SpecError(where, data, "must be an object describing one run")
        run_id = data.get("id")
        if not _is_int(run_id) or run_id < 1:
            raise SpecError(f"{where}.id", run_id, "must be a whole number of at least 1")
        texts = {}
        for key in ("name", "created", "status"):
            value = data.get(key, "")
            if not isinstance(value, str):
                raise SpecError(f"{where}.{key}", value, "must be text")
            texts[key] = value
        epochs = data.get("epochs", 0)
        if not _is_int(epochs) or epochs < 0:
            raise SpecError(f"{where}.epochs", epochs, "must be a whole number of at least 0")
        seconds = data.get("seconds", 0.0)
        if not _is_number(seconds) or not seconds >= 0:
            raise SpecError(f"{where}.seconds", seconds, "must be a number of at least 0")
        metrics = data.get("metrics", {})
        if not isinstance(metrics, dict) or not all(isinstance(k, str) and _is_number(v) for k, v in metrics.items()):
            raise SpecError(f"{where}.metrics", metrics, "must map metric names to numbers")
        for key in ("has_weights",):
            if not isinstance(data.get(key, False), bool):
                raise SpecError(f"{where}.{key}", data.get(key), "must be true or false")
        epochs_list = data.get("snapshot_epochs", [])
        if not isinstance(epochs_list, list) or not all(_is_int(e) and e >= 0 for e in epochs_list):
            raise SpecError(f"{where}.snapshot_epochs", epochs_list, "must be a list of epoch numbers")
        return cls(
            id=run_id,
            name=texts["name"] or f"Run {run_id}",
            created=texts["created"],
            status=texts["status"] or "completed",
            epochs=epochs,
            seconds=float(seconds),
            training=TrainSpec.from_dict(data.get("training", {}), f"{where}.training"),
            history=parse_history(data.get("history", {}), f"{where}.history"),
            metrics={k: float(v) for k, v in metrics.items()},
        )


@dataclass
class Project:
    name: str = "Untitled"
    architecture: ArchitectureSpec = field(default_factory=ArchitectureSpec)
    data: DataSpec = field(default_factory=DataSpec)
    training: TrainSpec = field(default_factory=TrainSpec)
    weights: Tensors | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    runs: list[RunRecord] = field(default_factory=list)
    # What fitting the preprocessing learned on the training split (means, scales, categories ...):
    # ``FittedPipeline.to_state()``'s (JSON description, numpy arrays) pair, see
    # ``nnstudio.core.project.file_format.pipeline_state``. None until the data has been prepared for a run.
    fitted_preprocessing: Any = None
    # Record each epoch's weights during runs (memory-hungry for big models, so the user opts in).
    keep_snapshots: bool = False
    # What opening the file changed, one sentence each, for the CLI and the window to show (weights dropped
    # because they hold NaN, weights converted to float32 ...). Never saved.
    notes: list[str] = field(default_factory=list, compare=False, repr=False)
    # Networks beside ``architecture``, by name: a GAN's discriminator (``architecture`` is its generator).
    networks: dict[str, ArchitectureSpec] = field(default_factory=dict)
    # A GAN project's settings (noise size, steps per round, the discriminator's optimizer); None otherwise.
    gan: GanSpec | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "saved_by": f"nnstudio {__version__}",
            "name": self.name,
            "architecture": self.architecture.to_dict(),
            "data": self.data.to_dict(),
            "training": self.training.to_dict(),
            "history": {k: list(v) for k, v in self.history.items()},
            "runs": [r.to_dict() for r in self.runs],
            "options": {"keep_snapshots": self.keep_snapshots},
            "networks": {name: spec.to_dict() for name, spec in self.networks.items()},
            **({"gan": self.gan.to_dict()} if self.gan is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Project:
        data = migrate(data)
        name = data.get("name", "Untitled")
        if not isinstance(name, str):
            raise SpecError("name", name, "must be text")
        for key in ("architecture", "data"):
            if key not in data:
                raise SpecError(key, None, "is missing; a project needs an architecture and a data section")
        runs = data.get("runs", [])
        if not isinstance(runs, list):
            raise SpecError("runs", runs, "must be a list of runs")
        if len(runs) > MAX_RUNS:
            raise SpecError("runs", f"{len(runs)} runs", f"holds more than {MAX_RUNS} runs; this is not a project nnstudio wrote")
        records = [RunRecord.from_dict(r, f"runs[{i}]") for i, r in enumerate(runs)]
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            raise SpecError("runs", ids, "holds two runs with the same id")
        options = data.get("options", {})
        if not isinstance(options, dict):
            raise SpecError("options", options, "must be an object")
        keep = options.get("keep_snapshots", False)
        if not isinstance(keep, bool):
            raise SpecError("options.keep_snapshots", keep, "must be true or false")
        project = cls(
            name,
            ArchitectureSpec.from_dict(data["architecture"]),
            DataSpec.from_dict(data["data"]),
            TrainSpec.from_dict(data.get("training", {})),
            None,
            parse_history(data.get("history", {}), "history"),
            records,
            None,
            keep,
        )
        project.networks = _networks(data.get("networks", {}))
        if data.get("gan") is not None:
            if DISCRIMINATOR not in project.networks:
                raise SpecError("gan", "…", f"needs a network named {DISCRIMINATOR!r} in 'networks' (the generator is "
                                "'architecture')")
            project.gan = GanSpec.from_dict(data["gan"])
        return project

    # ------------------------------------------------------------------ runs
    def next_run_id(self) -> int:
        return max((r.id for r in self.runs), default=0) + 1

    def run(self, run_id: int) -> RunRecord | None:
        return next((r for r in self.runs if r.id == run_id), None)


def record_run(
    project: Project,
    history: dict[str, list[float]],
    weights: Tensors | None,
    *,
    training: TrainSpec | None = None,
    status: str = "completed",
    seconds: float = 0.0,
    snapshots: dict[int, Tensors] | None = None,
    fitted_preprocessing: Any = None,
) -> RunRecord:
    """Keep a finished run in ``project.runs`` and make its weights and curves the current ones."""
    history = {k: [float(x) for x in v] for k, v in history.items()}
    metrics = {k: v[-1] for k, v in history.items() if v and k != "epoch"}
    run_id = project.next_run_id()
    epochs = len(history.get("epoch") or history.get("train_loss") or [])
    record = RunRecord(
        id=run_id,
        name=f"Run {run_id}",
        created=time.strftime("%Y-%m-%d %H:%M:%S"),
        status=status,
        epochs=epochs,
        seconds=float(seconds),
        training=copy.deepcopy(training or project.training),
        history=history,
        metrics=metrics,
        weights=_cpu(weights) if weights else None,
        snapshots={int(e): _cpu(w) for e, w in (snapshots or {}).items()},
    )
    project.runs.append(record)
    del project.runs[:-MAX_RUNS]  # a file keeps at most MAX_RUNS runs: the oldest go, as on the Runs tab
    if weights:
        project.weights = record.weights
    project.history = {k: list(v) for k, v in history.items()}
    if fitted_preprocessing is not None:
        project.fitted_preprocessing = fitted_preprocessing
    return record


def _networks(data: Any) -> dict[str, ArchitectureSpec]:
    if not isinstance(data, dict):
        raise SpecError("networks", data, "must map network names to architectures")
    for name in data:
        if not name.isidentifier():
            raise SpecError("networks", name, "names a network with something other than letters, digits and _")
    return {name: ArchitectureSpec.from_dict(spec, f"networks.{name}") for name, spec in data.items()}


def _cpu(weights: Tensors) -> Tensors:
    return {k: v.detach().cpu() for k, v in weights.items()}


def parse_history(history: Any, where: str) -> dict[str, list[float]]:
    if not isinstance(history, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(_is_number(x) for x in v) for k, v in history.items()
    ):
        raise SpecError(where, "…", "must map metric names to lists of numbers")
    return {k: [float(x) for x in v] for k, v in history.items()}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        float(value)
    except OverflowError:  # a huge JSON integer
        return False
    return True


# ---------------------------------------------------------------------------- versions
def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 kept only the current weights' curves; format 2 keeps every run. The old curves
    become the first run (its weights are the file's current weights, loaded as such)."""
    data = dict(data)
    history = data.get("history", {})
    runs = []
    if isinstance(history, dict) and history:
        values = [v for k, v in history.items() if k != "epoch" and isinstance(v, list) and v]
        epochs = history.get("epoch") or history.get("train_loss") or []
        metrics = {k: v[-1] for k, v in history.items() if k != "epoch" and isinstance(v, list) and v}
        runs.append({
            "id": 1, "name": "Run 1 (from an older file)", "history": history,
            "epochs": len(epochs) if isinstance(epochs, list) else 0,
            "training": data.get("training", {}), "metrics": metrics if values else {},
        })
    data["runs"] = runs
    data["options"] = {"keep_snapshots": False}
    data["schema_version"] = 2
    return data


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Format 3 adds the optional named ``networks`` (and a GAN's ``gan`` settings); a format-2 file has one network."""
    return {**data, "networks": {}, "schema_version": 3}


# Each step takes a format-N dict to format N+1. Add one per new version; never edit an old one.
MIGRATIONS = {1: _v1_to_v2, 2: _v2_to_v3}


def migrate(data: Any) -> dict[str, Any]:
    """Bring a parsed project JSON of any older format up to :data:`SCHEMA_VERSION`."""
    if not isinstance(data, dict):
        raise SpecError("project", data, "must be a JSON object")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise SpecError("format", fmt, f"must be {FORMAT!r}; this JSON is not an nnstudio project")
    version = data.get("schema_version", SCHEMA_VERSION)
    if not _is_int(version) or version < 1:
        raise SpecError("schema_version", version, "must be a whole number of at least 1")
    if version > SCHEMA_VERSION:
        saved_by = data.get("saved_by")
        needed = saved_by if isinstance(saved_by, str) and saved_by.startswith("nnstudio ") else "a newer nnstudio"
        raise ProjectFileError(
            f"This project was saved by a newer nnstudio (file format {version}; nnstudio {__version__} reads formats "
            f"up to {SCHEMA_VERSION}). Install {needed} or later to open it"
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    return data


def default_project() -> Project:
    """The lecture's SimpleNN shape on the bundled 8x8 digits, ready to train."""
    project = Project(
        name="SimpleNN on digits",
        architecture=ArchitectureSpec(
            [
                layer("flatten"),
                layer("linear", in_features=64, out_features=128),
                layer("relu"),
                layer("linear", in_features=128, out_features=10),
            ],
            name="SimpleNN",
        ),
        # Settings chosen on the validation split (bench/default_project_search.py): standardized pixels,
        # Adam at 3e-3 in batches of 64 for 20 epochs reach the test accuracy of scikit-learn's MLP.
        data=DataSpec("digits", preprocessing=[StepSpec("standardize")]),
        training=TrainSpec(loss="cross_entropy", optimizer="adam", lr=3e-3, batch_size=64, epochs=20),
    )
    return Project.from_dict(project.to_dict())  # fills every registry default, as a saved file would hold
