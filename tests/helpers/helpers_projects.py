"""Projects several test modules train the same way."""

from __future__ import annotations

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.session import train_project


def short_diabetes() -> Project:
    """Diabetes after two epochs: predictions squeezed far below targets of 50-300, R² well under 0."""
    project = Project(
        name="diabetes", data=DataSpec("diabetes", {}, [StepSpec("standardize")]),
        architecture=ArchitectureSpec([layer("linear", in_features=0, out_features=16), layer("relu"),
                                       layer("linear", in_features=0, out_features=1)]),
        training=TrainSpec(loss="mse", epochs=2, lr=0.01, device="cpu"),
    )
    train_project(project)
    return project
