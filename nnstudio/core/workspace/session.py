"""Training a project headless in one call: a fresh run through the run session, its outcome stored back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nnstudio.core.project.spec import Project
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import RunResult
from nnstudio.core.workspace.run_session import RunSession


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
    session = RunSession.fresh(project, base_dir, epochs=epochs)
    result = session.fit(callbacks, control, whole_epochs=whole_epochs)
    session.store()
    return result
