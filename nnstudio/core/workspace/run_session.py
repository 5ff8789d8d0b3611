"""One run of a project, for the window and the CLI alike: how it starts (fresh weights, the saved weights
continued, a checkpoint resumed), how it is edited while paused, how it is checkpointed, interrupted and
turned into the project's weights, history and runs.

The Training tab and every command that trains hold a :class:`RunSession`; none of them builds a
:class:`~nnstudio.core.training.engine.Trainer` itself. The window passes its document's data and network
(``bundle``/``module``); without them the session prepares the project's data as the CLI does.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from torch import nn

from nnstudio.core.arch.freeze import keep_frozen_weights
from nnstudio.core.arch.weights import apply_weights, snapshot_weights
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.data.files import rebase_paths
from nnstudio.core.project.file_format import pipeline_state, save_project
from nnstudio.core.project.spec import Project, record_run
from nnstudio.core.training import distributed
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import (
    COMPLETED,
    EARLY_STOPPED,
    STOPPED,
    RunResult,
    Trainer,
    TrainingState,
    new_model,
)
from nnstudio.core.workspace.checkpoints import (
    INDEX,
    Checkpoint,
    CheckpointError,
    folder_for,
    read_checkpoint,
    remove_checkpoints,
    set_rng_states,
    write_checkpoint,
)
from nnstudio.core.workspace.document import load_model

Tensors = dict
log = logging.getLogger(__name__)


class NothingToContinue(NNStudioError):
    """Continue was asked of a project that holds no trained weights."""


def fingerprint(project: Project) -> str:
    """What a checkpoint must share with the project it resumes into: the architecture and the data."""
    text = json.dumps({"architecture": project.architecture.to_dict(), "data": project.data.to_dict()},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class RunSession:
    """A run in progress or finished: its trainer, the epoch count it aims for, where it checkpoints."""

    def __init__(self, project: Project, trainer: Trainer, *, target_epochs: int, base_dir: Path | None = None,
                 notes: Sequence[str] = ()) -> None:
        self.project = project
        self.trainer = trainer
        self.target_epochs = target_epochs  # the absolute epoch count this run plans to reach
        self.base_dir = base_dir
        self.notes = list(notes)  # what preparing the data said (sizes adapted ...), already logged
        self.caught: list[int] = []  # SIGINT/SIGTERM received while the run went (CLI)
        self.result: RunResult | None = None
        self.checkpoint_folder: Path | None = None
        self.checkpoint_every = 0
        self.save_to: Path | None = None  # written at every checkpoint and at the end (CLI --save)
        self.control = TrainingControl()  # the CLI's (stopped by signals); the window passes its runner's
        self._first_epoch = trainer.epochs_done
        self._fingerprint = ""  # of the project as its checkpoints' file holds it, taken when checkpoints are set up
        trainer.after_epoch.append(self._after_epoch)

    # ------------------------------------------------------------------ starting
    @classmethod
    def fresh(cls, project: Project, base_dir: Path | None = None, *, epochs: int | None = None,
              bundle: DataBundle | None = None, module: nn.Module | None = None) -> RunSession:
        """A new run from fresh weights (seeded from the settings) on a frozen copy of the settings."""
        notes: list[str] = []
        if bundle is None or module is None:
            prepared = load_model(project, base_dir, load_weights=False)  # sizes follow the data, as in the window
            bundle, module, notes = prepared.bundle, prepared.built.module, prepared.notes
        else:
            module = new_model(module, project.training.seed)
        frozen_notes = keep_frozen_weights(module, project.architecture.layers, project.weights)  # they keep what they learned
        for note in frozen_notes:
            log.warning(note)
        notes += frozen_notes
        trainer = Trainer(module, bundle, project.training.copy())
        return cls(project, trainer, target_epochs=trainer.spec.epochs if epochs is None else epochs,
                   base_dir=base_dir, notes=notes)

    @classmethod
    def continue_saved(cls, project: Project, base_dir: Path | None = None, *, epochs: int | None = None,
                       bundle: DataBundle | None = None, module: nn.Module | None = None) -> RunSession:
        """``epochs`` more epochs (default: the settings') from the project's saved weights, its history going on
        where the saved one ended. ``module`` (the window's) already holds the weights."""
        if not project.weights:
            raise NothingToContinue("the project has no trained weights to continue; train it first (without --continue)")
        notes: list[str] = []
        if bundle is None or module is None:
            prepared = load_model(project, base_dir, load_weights=True)  # the preprocessing the weights were trained with
            bundle, module, notes = prepared.bundle, prepared.built.module, prepared.notes
        trainer = Trainer(module.train(), bundle, project.training.copy())
        trainer.adopt_history(project.history)
        more = trainer.spec.epochs if epochs is None else epochs
        return cls(project, trainer, target_epochs=trainer.epochs_done + more, base_dir=base_dir, notes=notes)

    @classmethod
    def resume(cls, project: Project, folder: Path, base_dir: Path | None = None, *,
               bundle: DataBundle | None = None, module: nn.Module | None = None) -> RunSession:
        """The run whose last checkpoint is in ``folder``, carried on exactly: same weights, optimizer, schedule,
        batch order and random draws as if it had never stopped, towards the epoch count it planned."""
        checkpoint = read_checkpoint(folder)
        if checkpoint.epoch >= checkpoint.target_epochs:
            raise CheckpointError(f"the run in {folder} already finished its {checkpoint.target_epochs} epochs; "
                                  "there is nothing to resume (use --continue --epochs N to train further)")
        run_project = copy.copy(project)
        run_project.training = TrainSpec.from_dict(checkpoint.training)  # the run's settings, live edits included
        if fingerprint(run_project) != checkpoint.fingerprint:  # before building: an edited network may not build
            raise CheckpointError(f"the checkpoint in {folder} belongs to another network or data than this project "
                                  "(they changed since it was written); train again instead of resuming")
        session = cls.fresh(run_project, base_dir, epochs=checkpoint.target_epochs, bundle=bundle, module=module)
        session.project = project
        session._load(checkpoint)
        return session

    def _load(self, checkpoint: Checkpoint) -> None:
        state = checkpoint.state
        apply_weights(self.trainer.model, state["model"])  # names a mismatch in words before anything else
        self.trainer.load_resume_state(state)
        set_rng_states(state["rng"])  # last: building the network and the trainer drew from the RNGs
        self.checkpoint_folder, self.checkpoint_every = checkpoint.folder, checkpoint.every
        self._fingerprint = checkpoint.fingerprint

    # ------------------------------------------------------------------ checkpoints and saving
    def checkpoint_into(self, folder: Path, every: int) -> None:
        """Write a checkpoint into ``folder`` after every ``every``-th epoch (0: none). Call it before the run:
        the project's network and data are fingerprinted now (a later edit must not change what resumes)."""
        self.checkpoint_folder, self.checkpoint_every = folder, every
        self._fingerprint = fingerprint(self._saved_form(self.save_to) if self.save_to is not None else self.project)

    def save_with_checkpoints(self, target: Path, every: int) -> None:
        """The CLI's ``--save OUT --checkpoint-every K``: checkpoints beside OUT, OUT itself rewritten at each."""
        self.save_to = target
        self.checkpoint_into(folder_for(target), every)

    def _after_epoch(self, state: TrainingState) -> None:
        every, folder = self.checkpoint_every, self.checkpoint_folder
        if not every or folder is None or state.epoch % every or not distributed.is_main():
            return  # under torchrun every rank holds the same state: rank 0 writes it for all
        write_checkpoint(folder, self.trainer.resume_state(), target_epochs=self.target_epochs, every=every,
                         training=self.trainer.spec.to_dict(), fingerprint=self._fingerprint)
        if self.save_to is not None:  # a killed run leaves a valid project of its last checkpoint
            saved = self._saved_form(self.save_to)
            self.store(saved)
            save_project(saved, self.save_to)

    def _saved_form(self, target: Path) -> Project:
        """The project as a file at ``target`` holds it: relative data paths re-anchored to its folder."""
        saved = copy.copy(self.project)
        saved.data = rebase_paths(self.project.data, self.base_dir, target.resolve().parent)
        return saved

    # ------------------------------------------------------------------ running
    @contextmanager
    def signals_stop(self) -> Iterator[list[int]]:
        """While inside (main thread only), SIGINT/SIGTERM stop the run at the next batch; the finished epochs
        are kept. Wrap the run *and* its save, so a signal during the save cannot cut it short."""
        with self.control.stop_on_signals() as caught:
            self.caught = caught
            yield caught

    def fit(self, callbacks: Sequence[Callback] = (), control: TrainingControl | None = None, *,
            more: int | None = None, whole_epochs: bool = False) -> RunResult:
        """Train up to the planned epoch count (or ``more`` epochs beyond those done: Continue).

        With ``whole_epochs``, a run stopped mid-epoch keeps the weights of its last whole epoch, so the weights
        are the ones its history describes (an interrupted CLI run saves what it had finished)."""
        if more is not None:
            self.target_epochs = self.trainer.epochs_done + more
        control = control or self.control
        self._first_epoch = self.trainer.epochs_done
        result = self.trainer.fit(max(0, self.target_epochs - self.trainer.epochs_done), callbacks, control)
        if whole_epochs and result.status == STOPPED:
            self.trainer.restore_last_epoch()
        if result.status in (COMPLETED, EARLY_STOPPED) and self.checkpoint_folder is not None and distributed.is_main():
            remove_checkpoints(self.checkpoint_folder)  # the run reached its end: nothing left to resume
        self.result = result
        return result

    @property
    def new_epochs(self) -> int:
        """Epochs the last ``fit`` finished (a continued or resumed run's earlier ones not counted)."""
        return self.trainer.epochs_done - self._first_epoch

    @property
    def resumable(self) -> bool:
        """Whether a checkpoint of this run is left to resume from."""
        return self.checkpoint_folder is not None and (self.checkpoint_folder / INDEX).is_file()

    def change(self, lr: float, weight_decay: float, l1: float) -> Callable[[], None]:
        """The live edit of a paused run, to be called in the training thread between two batches (all three
        values change together)."""
        def apply() -> None:
            self.trainer.set_regularization(weight_decay, l1)
            self.trainer.set_lr(lr)
        return apply

    # ------------------------------------------------------------------ the outcome
    def weights(self) -> Tensors:
        return snapshot_weights(self.trainer.model)

    def history(self) -> dict[str, list[float]]:
        return {k: list(v) for k, v in self.trainer.history.items()}

    def store(self, project: Project | None = None) -> None:
        """The run's weights, history and fitted preprocessing into ``project`` (default: the session's), so the
        file is self-contained: evaluate and explain reuse the statistics the weights were trained with."""
        project = project or self.project
        project.weights = self.weights()
        project.history = self.history()
        project.fitted_preprocessing = pipeline_state(self.trainer.bundle.pipeline)

    def record(self) -> None:
        """The finished run into the project: its weights, history and preprocessing, and a run in its runs."""
        result = self.result
        if result is None or not result.epochs:
            return
        record_run(self.project, self.history(), self.weights(), training=self.trainer.spec, status=result.status,
                   seconds=result.seconds, fitted_preprocessing=pipeline_state(self.trainer.bundle.pipeline))

    def save(self, target: Path, *, record: bool = True) -> None:
        """Save as the window's Save As does (relative data paths re-anchored to the new file's folder)."""
        if record:
            self.record()
        else:
            self.store()
        self.project.data = rebase_paths(self.project.data, self.base_dir, target.resolve().parent)
        self.base_dir = target.resolve().parent
        save_project(self.project, target)
