"""Every loss and every optimizer lowers the loss on a small problem; impossible combinations are explained
before a run starts."""

from __future__ import annotations

import re

import pytest
import torch
from helpers_training import blobs_bundle, sine_bundle, trainer_for

from nnstudio.core.base.errors import SpecError, TrainingError
from nnstudio.core.base.registry import LOSSES, OPTIMIZERS
from nnstudio.core.training.config import TrainSpec

CLASSIFICATION_LOSSES = ["cross_entropy", "mse", "mae", "huber", "log_cosh", "hinge", "kl_div"]
REGRESSION_LOSSES = ["mse", "mae", "huber", "log_cosh"]


def test_every_registered_loss_is_tested_and_documented():
    # vae: tests/core/generative/test_vae_latent.py and the reference table; diffusion: tests/core/generative/test_diffusion_points.py too
    assert set(LOSSES.names()) == set(CLASSIFICATION_LOSSES) | set(REGRESSION_LOSSES) | {"bce", "vae", "diffusion"}
    for entry in [*LOSSES, *OPTIMIZERS]:
        assert len(entry.help) > 80, entry.name
        assert all(p.help for p in entry.params), entry.name


@pytest.mark.parametrize("loss", CLASSIFICATION_LOSSES)
def test_classification_loss_lowers_loss(loss):
    trainer = trainer_for(blobs_bundle(), loss=loss, lr=0.01, epochs=4)
    before = trainer.evaluate_split(trainer._data["train"], "t")["t_loss"]
    result = trainer.fit()
    assert result.status == "completed"
    assert result.last("train_loss") < before
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]


def test_binary_cross_entropy_lowers_loss():
    trainer = trainer_for(blobs_bundle(classes=2), n_out=1, loss="bce", lr=0.01, epochs=4)
    result = trainer.fit()
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]
    assert result.last("val_accuracy") > 0.8


@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
def test_regression_loss_lowers_loss(loss):
    trainer = trainer_for(sine_bundle(), loss=loss, lr=0.01, epochs=5)
    result = trainer.fit()
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]
    assert "val_rmse" in result.history


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_every_optimizer_lowers_loss(optimizer):
    assert optimizer in OPTIMIZERS
    trainer = trainer_for(blobs_bundle(), optimizer=optimizer, lr=0.02, epochs=4)
    result = trainer.fit()
    assert result.history["train_loss"][-1] < result.history["train_loss"][0]


def test_sgd_nesterov_is_passed_through():
    trainer = trainer_for(blobs_bundle(), optimizer="sgd", optimizer_params={"momentum": 0.9, "nesterov": True})
    assert trainer.optimizer.param_groups[0]["nesterov"] is True


def test_huber_delta_changes_the_loss():
    bundle = sine_bundle()
    small = trainer_for(bundle, loss="huber", loss_params={"delta": 0.01})
    large = trainer_for(bundle, loss="huber", loss_params={"delta": 5.0})
    out = torch.tensor([0.0, 2.0])
    y = torch.tensor([1.0, 0.0])
    assert small.loss_fn(out, y) < large.loss_fn(out, y)


@pytest.mark.parametrize(
    ("loss", "params", "bundle", "n_out", "words"),
    [
        ("bce", {}, blobs_bundle(classes=10, n=400), 10, "10 classes; use cross-entropy"),
        ("mse", {"one_hot": False}, blobs_bundle(), 3, "switch on one-hot targets"),
        ("mae", {"one_hot": True}, blobs_bundle(), 2, "one output per class (3)"),
        ("cross_entropy", {}, sine_bundle(), 1, "regression task"),
        ("hinge", {}, sine_bundle(), 1, "regression task"),
        ("kl_div", {}, blobs_bundle(), 4, "one output per class (3)"),
    ],
)
def test_impossible_combinations_are_explained_before_the_run(loss, params, bundle, n_out, words):
    with pytest.raises(TrainingError, match=words.replace("(", r"\(").replace(")", r"\)")):
        trainer_for(bundle, n_out=n_out, loss=loss, loss_params=params)


def test_monitor_must_fit_the_task():
    with pytest.raises(TrainingError, match="val_rmse"):
        trainer_for(sine_bundle(), loss="mse", early_stopping=True, monitor="val_accuracy")


def test_new_settings_round_trip_and_are_validated_by_name():
    spec = TrainSpec(schedule="cosine", early_stopping=True, patience=3, grad_clip=1.0, optimizer="adamw")
    data = TrainSpec.from_dict(spec.to_dict()).to_dict()
    assert data["schedule_params"] == {"period": 0, "min_lr": 0.0}
    assert data["grad_clip"] == 1.0 and data["patience"] == 3
    for bad, field in (
        ({"patience": 0}, "training.patience"),
        ({"grad_clip": -1}, "training.grad_clip"),
        ({"schedule": "warp"}, "training.schedule"),
        ({"schedule": "step", "schedule_params": {"gamma": 2}}, "training.schedule_params.gamma"),
        ({"monitor": "val_f1"}, "training.monitor"),
        ({"early_stopping": "yes"}, "training.early_stopping"),
    ):
        with pytest.raises(SpecError, match=rf"^{re.escape(field)}: must be") as info:
            TrainSpec.from_dict(bad)
        assert info.value.field == field
