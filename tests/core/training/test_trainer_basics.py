"""The trainer: learns the default project, stops and pauses on request, is deterministic, picks devices."""

import threading

import pytest
import torch

from nnstudio.core.base.errors import TrainingError
from nnstudio.core.project.spec import default_project
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.devices import resolve_device
from nnstudio.core.training.engine import COMPLETED, STOPPED, Trainer
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.session import train_project


def test_default_project_beats_90_percent_on_digits():
    project = default_project()
    result = train_project(project)
    assert result.status == COMPLETED
    assert result.epochs == 20
    assert result.last("val_accuracy") > 0.90
    assert len(result.history["train_loss"]) == 20
    assert result.history["train_loss"][-1] < result.history["train_loss"][0]
    assert project.weights and project.history["val_accuracy"][-1] == result.last("val_accuracy")


def test_same_seed_same_run():
    a, b = default_project(), default_project()
    ra, rb = train_project(a, epochs=2), train_project(b, epochs=2)
    assert ra.history["train_loss"] == rb.history["train_loss"]
    assert all(torch.equal(a.weights[k], b.weights[k]) for k in a.weights)


class StopAfter(Callback):
    def __init__(self, control, batches):
        self.control, self.batches, self.seen = control, batches, 0

    def on_batch_end(self, state, loss):
        self.seen += 1
        if self.seen == self.batches:
            self.control.request_stop()


def _trainer(epochs=3):
    project = default_project()
    project.training.epochs = epochs
    prepared = load_model(project, load_weights=False)
    return Trainer(prepared.built.module, prepared.bundle, project.training)


def test_stop_ends_at_next_batch_boundary():
    trainer = _trainer()
    control = TrainingControl()
    counter = StopAfter(control, 5)
    result = trainer.fit(callbacks=[counter], control=control)
    assert counter.seen == 5
    assert result.status == STOPPED
    assert result.epochs == 0


def test_pause_blocks_until_resume_and_stop_works_while_paused(start_thread):
    trainer = _trainer(epochs=1)
    control = TrainingControl()
    paused_at = threading.Event()

    class PauseAtThree(Callback):
        seen = 0

        def on_batch_end(self, state, loss):
            self.seen += 1
            if self.seen == 3:
                control.pause()
                paused_at.set()

    cb = PauseAtThree()
    worker = start_thread(lambda: trainer.fit(callbacks=[cb], control=control), control.request_stop)  # joined even if an assert fails
    assert paused_at.wait(30)
    seen_when_paused = cb.seen
    worker.join(0.5)
    assert worker.is_alive() and cb.seen == seen_when_paused  # really paused
    control.step()  # one batch, then paused again
    for _ in range(50):
        if cb.seen == seen_when_paused + 1:
            break
        worker.join(0.05)
    assert cb.seen == seen_when_paused + 1 and control.paused
    control.request_stop()
    worker.join(30)
    assert not worker.is_alive()


def test_batch_larger_than_dataset_is_explained():
    project = default_project()
    project.training.batch_size = 5000
    prepared = load_model(project, load_weights=False)
    with pytest.raises(TrainingError, match=r"batch size \(5000\) is larger than the training split \(1257 examples\)"):
        Trainer(prepared.built.module, prepared.bundle, project.training)


def test_wrong_output_count_is_explained_before_training():
    project = default_project()
    project.architecture.layers[-1].params["out_features"] = 7
    project.architecture.layers[-1].pinned = True  # kept as typed: the network no longer follows the data
    prepared = load_model(project, load_weights=False)
    with pytest.raises(TrainingError, match="one output per class \\(10\\)"):
        Trainer(prepared.built.module, prepared.bundle, project.training)


def test_huge_learning_rate_stops_with_advice_and_keeps_good_weights():
    project = default_project()
    project.data.source, project.data.params = "sine", {}
    project.architecture.layers = project.architecture.layers[1:]
    project.architecture.layers[0].params["in_features"] = 1
    project.architecture.layers[-1].params["out_features"] = 1
    project.training.loss, project.training.loss_params = "mse", {"one_hot": True}
    project.training.optimizer = "sgd"
    project.training.optimizer_params = {"momentum": 0.9, "nesterov": False}
    project.training.lr = 9.0
    project.training.epochs = 30
    result = train_project(project)
    assert result.status == "diverged"
    assert "lower learning rate" in result.message
    assert all(torch.isfinite(w).all() for w in project.weights.values())


def test_device_auto_and_explicit(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("nnstudio.core.training.devices.mps_available", lambda: False)
    assert resolve_device("auto").type == "cpu"
    with pytest.raises(TrainingError, match="no CUDA GPU"):
        resolve_device("cuda")
    with pytest.raises(TrainingError, match="Metal"):
        resolve_device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto").type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("nnstudio.core.training.devices.mps_available", lambda: True)
    assert resolve_device("auto").type == "mps"
    assert resolve_device("cpu").type == "cpu"
