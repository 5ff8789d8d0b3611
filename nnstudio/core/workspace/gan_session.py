"""A GAN project's run: its data prepared, both networks built (and given the project's weights), the
alternating trainer, and the finished run recorded in the project as every run is."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from nnstudio.core.data.assemble import PreparedData, prepare
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.generative.gan import (
    GanError,
    GanNetworks,
    GanTrainer,
    build_networks,
    one_thread,
    split_weights,
)
from nnstudio.core.generative.gan_spec import DISCRIMINATOR
from nnstudio.core.project.spec import Project, RunRecord, record_run
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import new_model
from nnstudio.core.training.state import COMPLETED, STOPPED, RunResult


def is_gan(project: Project) -> bool:
    return project.gan is not None


def build_gan(project: Project, sample_shape: tuple[int, ...]) -> GanNetworks:
    """Both networks of a GAN project for samples of ``sample_shape``, or a GanError saying what does not fit."""
    if project.gan is None or DISCRIMINATOR not in project.networks:
        raise GanError(f"{project.name} is not a GAN project (it needs 'gan' settings and a network named "
                       f"{DISCRIMINATOR!r}); start from the GAN template")
    return build_networks(project.architecture, project.networks[DISCRIMINATOR], project.gan, sample_shape)


def gan_problem(project: Project, sample_shape: tuple[int, ...]) -> str | None:
    """Why the GAN cannot train on samples of this shape (its networks do not build or fit), or None."""
    try:
        build_gan(project, sample_shape)
    except GanError as exc:
        return str(exc)
    return None


@dataclass
class GanSession:
    project: Project
    prepared: PreparedData
    networks: GanNetworks
    trainer: GanTrainer
    started: float
    seconds: float = 0.0  # spent in train_to, over all its calls (Train, then Continue)

    @classmethod
    def open(cls, project: Project, base_dir: Path | None = None, *, use_weights: bool = True,
             prepared: PreparedData | None = None) -> GanSession:
        """The project's GAN ready to train: with its saved weights when it has them (and ``use_weights``)."""
        prepared = prepared if prepared is not None else prepare(project.data, base_dir)
        bundle = prepared.bundle
        networks = build_gan(project, tuple(bundle.input_shape))
        # Both seeded from the settings, so a run can be repeated exactly (the discriminator from the next seed,
        # so it does not start as a copy of the generator's numbers where the shapes agree).
        new_model(networks.generator.module, project.training.seed)
        new_model(networks.discriminator.module, project.training.seed + 1)
        if use_weights and project.weights:
            gen, disc = split_weights(project.weights)
            for what, built, tensors in (("generator", networks.generator, gen), ("discriminator", networks.discriminator, disc)):
                try:
                    built.module.load_state_dict(tensors)
                except RuntimeError:
                    raise GanError(f"The saved weights do not fit the {what} as it is now; train again to replace "
                                   "them") from None
        modes = bundle.train.y if bundle.task == CLASSIFICATION else None
        trainer = GanTrainer(networks.generator.module, networks.discriminator.module, bundle.train.x, modes,
                             project.gan, project.training)
        return cls(project, prepared, networks, trainer, time.perf_counter())

    def fit(self, epochs: int | None = None, **kw) -> dict[str, list[float]]:
        return self.trainer.fit(self.project.training.epochs if epochs is None else epochs, **kw)

    def train_to(self, target: int, control: TrainingControl | None = None,
                 on_epoch: Callable[[dict[str, float]], None] | None = None) -> RunResult:
        """Epochs until ``target`` are done, as the Training tab runs them: ``control`` is honoured between epochs
        (Stop; Pause, and Step by one whole epoch; the speed's delay after each), ``on_epoch`` gets each epoch's
        figures with its number. The same epochs as :meth:`fit`, so the same seed gives the same networks."""
        control = control or TrainingControl()
        trainer, began = self.trainer, time.perf_counter()
        with one_thread():
            while trainer.epochs_done < target and not control.checkpoint():
                figures = trainer.train_epoch()
                control.after_batch()  # a Step's one epoch is done: pause here
                if on_epoch is not None:
                    on_epoch({"epoch": float(trainer.epochs_done), **figures})
                if control.batch_delay:
                    control.sleep(control.batch_delay)
        self.seconds += time.perf_counter() - began
        stopped = trainer.epochs_done < target
        return RunResult(self.history(), trainer.epochs_done, self.seconds, STOPPED if stopped else COMPLETED,
                         "Stopped by the user" if stopped else "", task=self.prepared.bundle.task)

    def history(self) -> dict[str, list[float]]:
        """Per epoch: its number, both losses, coverage and distance (what a project's history keeps)."""
        return {"epoch": [float(i + 1) for i in range(self.trainer.epochs_done)],
                **{k: list(v) for k, v in self.trainer.history.items()}}

    def record(self, status: str = "completed") -> RunRecord:
        """Keep the run in the project (both networks' weights, both losses and coverage per epoch)."""
        return record_run(self.project, self.history(), self.trainer.weights(), status=status,
                          seconds=time.perf_counter() - self.started)


def gan_figures(project: Project, base_dir: Path | None = None) -> dict[str, float]:
    """The trained GAN's figures for ``evaluate``: both losses, coverage and the distance to the data."""
    session = GanSession.open(project, base_dir)
    with torch.no_grad():
        figures = {**session.trainer.losses(), **session.trainer.measure()}
    figures["modes"] = float(len(torch.unique(session.trainer.modes))) if session.trainer.modes is not None else float("nan")
    return figures
