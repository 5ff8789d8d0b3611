"""Trains a GAN session's epochs off the GUI thread, reporting each epoch's figures and samples."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal

from nnstudio.core.base.jobs import JobToken
from nnstudio.core.generative.gan import GanTrainer, one_thread
from nnstudio.gui.threads import ThreadRunner


class GanRunner(ThreadRunner):
    """``epoch_done(epoch, figures, samples)`` after each epoch; ``completed`` once, as every runner."""

    what = "Training the GAN"
    thread_name = "nnstudio-gan"
    epoch_done = Signal(int, object, object)

    def start(self, trainer: GanTrainer, epochs: int) -> None:
        def job(token: JobToken, report) -> int:
            with one_thread():
                for _ in range(epochs):
                    token.raise_if_cancelled()
                    figures = trainer.train_epoch()
                    report(trainer.epochs_done, figures, trainer.samples().numpy())
            return trainer.epochs_done

        self.start_job(job)

    def _on_progress(self, values: tuple[Any, ...]) -> None:
        self.epoch_done.emit(*values)
