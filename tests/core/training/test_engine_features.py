"""Early stopping, the NaN guard, schedules, clipping, edits between batches and layer-naming failures."""

from __future__ import annotations

import math

import pytest
import torch
from helpers_training import blobs_bundle, sine_bundle, trainer_for
from torch import nn

from nnstudio.core.base.errors import TrainingError
from nnstudio.core.training.callbacks import Callback, EarlyStopping, best_epoch
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import DIVERGED, EARLY_STOPPED, Trainer


class Snapshots(Callback):
    """Records each epoch's weights and validation loss (what early stopping should give back)."""

    def __init__(self):
        self.weights: dict[int, dict[str, torch.Tensor]] = {}

    def on_epoch_end(self, state, metrics):
        self.weights[state.epoch] = {k: v.detach().clone() for k, v in state.model.state_dict().items()}


def _overfitting_trainer(**extra):
    # A few noisy points and a wide net with a high rate: validation loss gets worse after a few epochs.
    bundle = blobs_bundle(classes=3, n=60, seed=3)
    bundle.train.y[::3] = (bundle.train.y[::3] + 1) % 3  # label noise to memorise
    fields = {"lr": 0.05, "epochs": 60, "batch_size": 8, "early_stopping": True, "patience": 3, **extra}
    return trainer_for(bundle, **fields)


def test_early_stopping_restores_the_best_epochs_weights():
    trainer = _overfitting_trainer()
    snaps = Snapshots()
    result = trainer.fit(callbacks=[snaps])
    assert result.status == EARLY_STOPPED
    assert result.epochs < 60
    best = best_epoch(trainer.history, "val_loss")
    assert result.best_epoch == best
    assert result.epochs == best + 3  # stopped after exactly `patience` epochs without improvement
    restored = trainer.model.state_dict()
    assert all(torch.equal(restored[k], snaps.weights[best][k]) for k in restored)
    assert f"weights of epoch {best} were restored" in result.message


def test_early_stopping_without_restore_keeps_last_weights():
    trainer = _overfitting_trainer(restore_best=False)
    snaps = Snapshots()
    result = trainer.fit(callbacks=[snaps])
    assert result.status == EARLY_STOPPED
    last = trainer.model.state_dict()
    assert all(torch.equal(last[k], snaps.weights[result.epochs][k]) for k in last)


def test_early_stopping_on_accuracy_counts_higher_as_better():
    stopper = EarlyStopping("val_accuracy", patience=2)

    class State:
        epoch = 0
        stop_reason = ""
        model = nn.Linear(1, 1)

    state = State()
    for epoch, acc in enumerate([0.5, 0.7, 0.6, 0.65], start=1):
        state.epoch = epoch
        stopper.on_epoch_end(state, {"val_accuracy": acc})
    assert stopper.best_epoch == 2 and "has not improved for 2 epochs" in state.stop_reason


def test_nan_guard_stops_with_advice_and_keeps_last_good_weights():
    trainer = trainer_for(sine_bundle(), loss="mse", epochs=2)
    trainer.fit()
    good = {k: v.clone() for k, v in trainer.model.state_dict().items()}

    class Poison(Callback):
        def on_batch_end(self, state, loss):
            if state.batch == 3:
                with torch.no_grad():
                    state.model[2].weight.fill_(math.inf)

    result = trainer.fit(epochs=2, callbacks=[Poison()])
    assert result.status == DIVERGED
    assert "lower learning rate" in result.message and "end of epoch 2" in result.message
    assert result.epochs == 2
    assert all(torch.equal(v, good[k]) for k, v in trainer.model.state_dict().items())


def test_step_schedule_lowers_the_rate_per_epoch_and_cosine_reaches_minimum():
    trainer = trainer_for(blobs_bundle(), lr=0.1, epochs=4, schedule="step", schedule_params={"step_size": 2, "gamma": 0.5})
    result = trainer.fit()
    assert result.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05])
    cos = trainer_for(blobs_bundle(), lr=0.1, epochs=4, schedule="cosine", schedule_params={"min_lr": 0.01})
    assert cos.fit().history["lr"][-1] == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi * 3 / 4)) / 2)
    assert cos.optimizer.param_groups[0]["lr"] == pytest.approx(0.01)


def test_plateau_schedule_reduces_when_validation_stalls():
    trainer = _overfitting_trainer(early_stopping=False, epochs=12, schedule="plateau",
                                   schedule_params={"factor": 0.5, "patience": 1})
    lrs = trainer.fit().history["lr"]
    assert min(lrs) < 0.05


def test_gradient_clipping_limits_the_step():
    bundle = sine_bundle()
    big = trainer_for(bundle, loss="mse", optimizer="sgd", optimizer_params={"momentum": 0.0}, lr=0.1, epochs=1)
    clipped = trainer_for(bundle, loss="mse", optimizer="sgd", optimizer_params={"momentum": 0.0}, lr=0.1, epochs=1,
                          grad_clip=1e-3)
    start = {k: v.clone() for k, v in clipped.model.state_dict().items()}

    class OneBatch(Callback):
        def on_batch_end(self, state, loss):
            state.stop_reason = "one batch"

    big.fit(callbacks=[OneBatch()])
    clipped.fit(callbacks=[OneBatch()])
    moved = torch.sqrt(sum(((clipped.model.state_dict()[k] - v) ** 2).sum() for k, v in start.items()))
    assert moved <= 0.1 * 1e-3 + 1e-7
    moved_big = torch.sqrt(sum(((big.model.state_dict()[k] - v) ** 2).sum() for k, v in start.items()))
    assert moved_big > 10 * moved


def test_lr_changed_while_paused_is_used_by_the_optimizer(start_thread):
    trainer = trainer_for(blobs_bundle(), epochs=2, lr=0.01)
    control = TrainingControl()
    seen_lrs: list[float] = []

    class Watch(Callback):
        def on_batch_end(self, state, loss):
            seen_lrs.append(state.optimizer.param_groups[0]["lr"])
            if len(seen_lrs) == 2:
                control.pause()

    # Stopped and joined by the fixture even when an assert below fails while the run is paused.
    thread = start_thread(trainer.fit, control.request_stop, kwargs={"callbacks": [Watch()], "control": control})
    for _ in range(3000):  # up to 30 s on a loaded machine
        if control.parked:
            break
        thread.join(0.01)
    assert control.parked
    control.call_between_batches(lambda: trainer.set_lr(0.123))
    control.call_between_batches(lambda: trainer.set_regularization(weight_decay=0.01, l1=0.001))
    for _ in range(300):  # applied while still paused, in the training thread
        if trainer.optimizer.param_groups[0]["lr"] == 0.123:
            break
        thread.join(0.01)
    assert control.paused and trainer.optimizer.param_groups[0]["lr"] == 0.123
    control.resume()
    thread.join(30)
    assert not thread.is_alive()
    assert seen_lrs[:2] == [0.01, 0.01] and set(seen_lrs[2:]) == {0.123}
    assert trainer.history["lr"] == [0.123, 0.123]
    assert trainer.optimizer.param_groups[0]["weight_decay"] == 0.01 and trainer.spec.l1 == 0.001


def test_continue_appends_to_the_history():
    trainer = trainer_for(blobs_bundle(), epochs=2)
    trainer.fit()
    result = trainer.fit(epochs=3)
    assert result.epochs == 5 and trainer.history["epoch"] == [1.0, 2.0, 3.0, 4.0, 5.0]


class Exploding(nn.Module):
    def forward(self, x):
        raise ValueError("this layer always fails")


def test_exception_inside_a_layer_names_the_layer():
    bundle = blobs_bundle()
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    trainer = Trainer(model, bundle, trainer_for(bundle).spec)
    trainer.model.add_module("3", Exploding())  # breaks after the checks, as a layer bug would mid-run
    with pytest.raises(TrainingError, match=r"layer 4 '3' \(Exploding\) failed on input 3: this layer always fails"):
        trainer.fit(epochs=1)


def test_batch_callbacks_only_for_callbacks_that_watch_batches():
    trainer = trainer_for(blobs_bundle(), epochs=1)
    calls = []

    class EpochsOnly(Callback):
        def on_epoch_end(self, state, metrics):
            calls.append(metrics["epoch"])

    trainer.fit(callbacks=[EpochsOnly()])
    assert calls == [1.0]
