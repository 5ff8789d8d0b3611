"""The VAE loss's epoch terms after a stop mid-epoch and Continue: the recorded epoch's train_recon and
train_kl are that epoch's own, so (beta 1) they add up to the epoch's train_loss, as in an uninterrupted run."""

from __future__ import annotations

import pytest

from nnstudio.core.project.templates import TEMPLATES
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import COMPLETED, STOPPED, Trainer
from nnstudio.core.workspace.document import load_model


class StopAfter(Callback):
    def __init__(self, control: TrainingControl, batches: int) -> None:
        self.control, self.batches, self.seen = control, batches, 0

    def on_batch_end(self, state, loss) -> None:
        self.seen += 1
        if self.seen == self.batches:
            self.control.request_stop()


def _trainer() -> Trainer:
    project = TEMPLATES["vae_digits"].project()
    project.training.loss_params = {"beta": 1.0, "reconstruction": "bce"}
    prepared = load_model(project, load_weights=False)
    return Trainer(prepared.built.module, prepared.bundle, project.training)


def _terms_sum(history: dict, epoch: int) -> float:
    return history["train_recon"][epoch] + history["train_kl"][epoch]


def test_continue_after_a_mid_epoch_stop_records_only_the_new_epochs_terms():
    straight = _trainer()
    assert straight.fit(epochs=1).status == COMPLETED
    # uninterrupted: the loss is recon + 1 * KL, batch by batch, so the epoch means add up too
    assert _terms_sum(straight.history, 0) == pytest.approx(straight.history["train_loss"][0], rel=1e-5)

    trainer = _trainer()
    control = TrainingControl()
    stopped = trainer.fit(epochs=1, callbacks=[StopAfter(control, 10)], control=control)
    assert stopped.status == STOPPED and stopped.epochs == 0  # 10 of the epoch's batches, not recorded
    assert trainer.fit(epochs=1).status == COMPLETED  # Continue
    history = trainer.history
    assert len(history["train_recon"]) == 1
    # the stopped epoch's 10 batches (untrained, a much larger reconstruction error) stay out of it
    assert _terms_sum(history, 0) == pytest.approx(history["train_loss"][0], rel=1e-5)
