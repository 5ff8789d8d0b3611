"""Glue used by the CLI and the GUI alike: project -> data bundle -> model -> trained project."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from nnstudio.core.arch.adapt import adapt_project
from nnstudio.core.arch.builder import BuiltModel, build, output_need
from nnstudio.core.base.errors import DataError, NNStudioError, ProjectFileError
from nnstudio.core.base.registry import LOSSES
from nnstudio.core.data import assemble
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.project.file_format import FittedState, pipeline_state, restore_pipeline
from nnstudio.core.project.spec import Project
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import STOPPED, RunResult, Trainer, new_model, output_size

log = logging.getLogger(__name__)

DATA_CHANGED = (
    "the data differs from the data these weights were trained on, so it is prepared with the preprocessing "
    "statistics stored in the project (the ones the weights expect), not refitted; train again to learn from the new data"
)


def build_model(project: Project, bundle: DataBundle, *, load_weights: bool = True) -> BuiltModel:
    """The project's network for this data, freshly seeded, or with the project's saved weights."""
    built = build(project.architecture, bundle.input_shape, need=output_need(bundle), batch_size=project.training.batch_size)
    new_model(built.module, project.training.seed)
    if load_weights and project.weights:
        apply_weights(built.module, project.weights)
    return built


def apply_weights(module: nn.Module, weights: dict[str, torch.Tensor]) -> None:
    """Load ``weights`` into ``module``, naming every missing, unexpected or mis-shaped tensor."""
    own = module.state_dict()
    problems = [f"{k} is missing" for k in own if k not in weights]
    problems += [f"{k} is not part of this network" for k in weights if k not in own]
    problems += [
        f"{k} has shape {tuple(weights[k].shape)} but the network needs {tuple(v.shape)}"
        for k, v in own.items()
        if k in weights and weights[k].shape != v.shape
    ]
    if problems:
        shown = "; ".join(problems[:6]) + (f"; and {len(problems) - 6} more" if len(problems) > 6 else "")
        raise ProjectFileError(f"The weights do not fit this architecture: {shown}")
    module.load_state_dict({k: weights[k].to(v.dtype) for k, v in own.items()})


def snapshot_weights(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


@dataclass
class Prepared:
    bundle: DataBundle
    built: BuiltModel
    notes: list[str] = field(default_factory=list)  # what the user should know (also logged as warnings)


def prepare(project: Project, base_dir: Path | None = None, *, load_weights: bool = True) -> Prepared:
    """The project's data and network; with saved weights, the data goes through the preprocessing they were
    trained with (stored in the project), so changed data is scored as the weights expect."""
    with_stored = load_weights and bool(project.weights)
    bundle, notes = bundle_for(project, base_dir, use_stored=with_stored)
    if not load_weights:  # fresh weights (training): the sizes follow the data, as in the window and in info
        notes += adapt_project(project, bundle)
    built = build_model(project, bundle, load_weights=load_weights)
    if with_stored:
        _check_classes_fit(project, bundle, built.module)
    for note in notes:  # only once the data is usable: a refusal is the one thing to read
        log.warning(note)
    return Prepared(bundle, built, notes)


def _check_classes_fit(project: Project, bundle: DataBundle, module: nn.Module) -> None:
    """Trained weights on data whose classes changed (a CSV that gained a class) would fail deep inside the
    metrics; name the mismatch here, in the loss's own words."""
    if bundle.task != CLASSIFICATION or len(bundle.train) == 0:
        return
    try:
        n_outputs = output_size(module, bundle.train.x[:2])
    except Exception:  # noqa: BLE001 - a network that cannot run this data is reported where it runs
        return
    entry = LOSSES.get(project.training.loss)
    problem = entry.obj.problem(entry.validate(project.training.loss_params, "training.loss_params"),
                                bundle.task, n_outputs, bundle.num_classes)
    if problem:
        classes = ", ".join(repr(c) for c in bundle.class_names[:8]) + (" ..." if len(bundle.class_names) > 8 else "")
        raise DataError(f"The trained weights do not fit this data ({bundle.num_classes} classes: {classes}): {problem}; "
                        "restore the data they were trained on, or train again")


def bundle_for(project: Project, base_dir: Path | None = None, *, use_stored: bool = True) -> tuple[DataBundle, list[str]]:
    """The data bundle, prepared with the project's stored fitted preprocessing when it has one (and
    ``use_stored``), else freshly fitted; plus a note when the data no longer matches what was stored
    (:func:`prepare` logs it as a warning, which the CLI prints)."""
    data = assemble.prepare(project.data, base_dir)
    stored = project.fitted_preprocessing if use_stored else None
    if stored is None:
        return assemble.bundle_from(data), []
    pipeline, fresh = restore_pipeline(stored), pipeline_state(data.pipeline)
    if not _same_steps(stored, fresh):
        note = ("the preprocessing steps changed since these weights were trained, so the stored preprocessing "
                "does not apply and the steps are fitted afresh; train again so weights and preprocessing agree")
        return assemble.bundle_from(data), [note]
    _check_columns(pipeline.input_names, data.pipeline.input_names)
    try:
        bundle = assemble.bundle_from(dataclasses.replace(data, pipeline=pipeline))
    except NNStudioError:
        raise
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise DataError(
            f"The data no longer fits the preprocessing stored with the weights ({type(exc).__name__}: {exc}); "
            "restore the data file the project was trained on, or train again"
        ) from None
    return bundle, [] if same_fitted_state(stored, fresh) else [DATA_CHANGED]


def _check_columns(trained: list[str], now: list[str]) -> None:
    """Refuse data whose columns are not those the weights were trained on, naming the difference."""
    if not trained or not now or trained == now:
        return
    new = [c for c in now if c not in trained]
    missing = [c for c in trained if c not in now]
    parts = [f"{len(cols)} {what}: {', '.join(repr(c) for c in cols[:5])}{' ...' if len(cols) > 5 else ''}"
             for what, cols in (("new", new), ("missing", missing)) if cols]
    what = "; ".join(parts) or "the same columns in another order"
    raise DataError(
        f"The data's columns are not those the weights were trained on ({what}); restore the data file the "
        "project was trained on, or train again"
    )


def _same_steps(a: FittedState, b: FittedState | None) -> bool:
    """Whether two fitted states come from the same list of steps (kinds and parameters)."""
    def steps(state: FittedState | None) -> Any:
        return [(s.get("kind"), s.get("params")) for s in state[0].get("steps", [])] if state else None

    return _canonical(steps(a)) == _canonical(steps(b))


def same_fitted_state(a: FittedState | None, b: FittedState | None) -> bool:
    """Whether two fitted preprocessing states learned the same thing: equal steps and names, and statistics
    equal up to float rounding (a fit on another machine's BLAS may differ in the last bits)."""
    if a is None or b is None:
        return a is b
    (meta_a, arrays_a), (meta_b, arrays_b) = a, b
    if not _close(meta_a, meta_b) or set(arrays_a) != set(arrays_b):
        return False
    return all(_same_array(arrays_a[k], arrays_b[k]) for k in arrays_a)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _close(a: Any, b: Any) -> bool:
    """JSON-like values equal, floats up to rounding (NaN equals NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b)):
            return False
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-8)
    return a == b


def _same_array(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "USO" or b.dtype.kind in "USO":  # category names: stored as text, fitted as objects
        return [str(x) for x in a.reshape(-1).tolist()] == [str(x) for x in b.reshape(-1).tolist()]
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=True))
    return bool(np.array_equal(a, b))


def train_project(
    project: Project,
    *,
    epochs: int | None = None,
    callbacks: Sequence[Callback] = (),
    control: TrainingControl | None = None,
    base_dir: Path | None = None,
    whole_epochs: bool = False,
) -> RunResult:
    """Train from fresh weights and store the weights, history and fitted preprocessing back into ``project``.

    With ``whole_epochs``, a run stopped mid-epoch keeps the weights of its last whole epoch, so the stored
    weights are the ones its history describes (an interrupted CLI run saves what it had finished)."""
    prepared = prepare(project, base_dir, load_weights=False)
    trainer = Trainer(prepared.built.module, prepared.bundle, project.training)
    result = trainer.fit(epochs, callbacks, control)
    if whole_epochs and result.status == STOPPED:
        trainer.restore_last_epoch()
    project.weights = snapshot_weights(trainer.model)
    project.history = {k: list(v) for k, v in result.history.items()}
    # The statistics these weights were trained with travel with them (evaluate and explain reuse them).
    project.fitted_preprocessing = pipeline_state(prepared.bundle.pipeline)
    return result
