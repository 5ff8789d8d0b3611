"""Glue used by the CLI and the GUI alike: project -> data bundle -> model -> trained project."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from nnstudio.core.arch.builder import BuiltModel, build
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.errors import ProjectFileError
from nnstudio.core.project import Project
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import RunResult, Trainer, new_model


def build_model(project: Project, bundle: DataBundle, *, load_weights: bool = True) -> BuiltModel:
    """The project's network for this data, freshly seeded, or with the project's saved weights."""
    built = build(project.architecture, bundle.input_shape)
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


def prepare(project: Project, base_dir: Path | None = None, *, load_weights: bool = True) -> Prepared:
    bundle = build_data(project.data, base_dir)
    return Prepared(bundle, build_model(project, bundle, load_weights=load_weights))


def train_project(
    project: Project,
    *,
    epochs: int | None = None,
    callbacks: Sequence[Callback] = (),
    control: TrainingControl | None = None,
    base_dir: Path | None = None,
) -> RunResult:
    """Train from fresh weights and store the weights and history back into ``project``."""
    prepared = prepare(project, base_dir, load_weights=False)
    trainer = Trainer(prepared.built.module, prepared.bundle, project.training)
    result = trainer.fit(epochs, callbacks, control)
    project.weights = snapshot_weights(trainer.model)
    project.history = {k: list(v) for k, v in result.history.items()}
    return result
