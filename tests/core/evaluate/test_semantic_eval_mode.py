"""Validation and evaluation run in eval mode: dropout off, batch-norm running statistics left alone.

Each test compares the number the student reads (the validation loss in the history, the evaluation
report's accuracy and log loss) with the same number computed here, independently, in eval mode; and
checks that computing it twice gives the same answer and moves no running statistic.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle, Split
from nnstudio.core.evaluate.report import evaluate
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.engine import Trainer

FEATURES, CLASSES = 6, 3


def _bundle(seed: int = 0) -> DataBundle:
    g = torch.Generator().manual_seed(seed)

    def split(n: int) -> Split:
        x = torch.randn(n, FEATURES, generator=g) * 2 + 1  # far from BN's initial statistics (0, 1)
        return Split(x, (x[:, 0] > 1).long() + (x[:, 1] > 1).long())

    return DataBundle(CLASSIFICATION, split(96), split(40), split(40), (FEATURES,), ["a", "b", "c"])


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(FEATURES, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, CLASSES),
    )


def _running(model: nn.Module) -> list[torch.Tensor]:
    return [b.detach().clone() for name, b in model.named_buffers() if "running" in name]


def _eval_loss(model: nn.Module, split: Split) -> float:
    """Cross-entropy of ``split`` in eval mode, computed here rather than by the trainer."""
    was = model.training
    model.eval()
    with torch.no_grad():
        out = model(split.x)
    model.train(was)
    return float(F.cross_entropy(out, split.y))


class _WatchRunningStats(Callback):
    """Records batch norm's running statistics after the last training batch and again at epoch end,
    after validation ran: validation in train mode would have moved them in between."""

    def __init__(self) -> None:
        self.after_last_batch: list[torch.Tensor] = []
        self.at_epoch_end: list[list[torch.Tensor]] = []
        self.after_batches: list[list[torch.Tensor]] = []

    def on_batch_end(self, state, loss: float) -> None:
        if state.batch == state.batches_per_epoch:
            self.after_batches.append(_running(state.model))

    def on_epoch_end(self, state, metrics) -> None:
        self.at_epoch_end.append(_running(state.model))


def test_validation_loss_in_the_history_is_the_eval_mode_loss_and_validation_moves_no_statistic():
    bundle = _bundle()
    trainer = Trainer(_model(), bundle, TrainSpec(epochs=2, batch_size=16, lr=1e-2, device="cpu"))
    watch = _WatchRunningStats()
    result = trainer.fit(callbacks=[watch])
    assert result.epochs == 2 and len(watch.at_epoch_end) == 2
    for before, after in zip(watch.after_batches, watch.at_epoch_end, strict=True):
        for b, a in zip(before, after, strict=True):
            assert torch.equal(b, a)  # validation ran between these two and left the statistics alone

    model = trainer.model
    assert model.training  # the loop restored train mode after validating
    assert result.last("val_loss") == pytest.approx(_eval_loss(model, bundle.validation), rel=1e-6)
    with torch.no_grad():
        predicted = model.eval()(bundle.validation.x).argmax(1)
    model.train()
    assert result.last("val_accuracy") == pytest.approx(float((predicted == bundle.validation.y).float().mean()))

    # And computed again on its own: the same value twice, statistics unchanged, train mode kept.
    stats = _running(model)
    first = trainer.evaluate_split(trainer._data["validation"], "val")
    second = trainer.evaluate_split(trainer._data["validation"], "val")
    assert first == second
    assert first["val_loss"] == pytest.approx(result.last("val_loss"), rel=1e-6)
    assert all(torch.equal(a, b) for a, b in zip(stats, _running(model), strict=True))
    assert model.training


def test_a_dropout_model_in_train_mode_would_give_a_different_loss_each_time():
    """The control for the tests above and below: this model really is noisy in train mode, so a
    validation or evaluation that forgot eval() would not give the same number twice."""
    bundle = _bundle()
    model = _model().train()
    with torch.no_grad():
        a = float(F.cross_entropy(model(bundle.validation.x), bundle.validation.y))
        b = float(F.cross_entropy(model(bundle.validation.x), bundle.validation.y))
    assert a != b


def test_evaluation_report_is_computed_in_eval_mode_and_leaves_the_model_as_it_was():
    bundle = _bundle(1)
    trainer = Trainer(_model(), bundle, TrainSpec(epochs=1, batch_size=16, lr=1e-2, device="cpu"))
    trainer.fit()
    model = trainer.model.train()  # as the Evaluation tab may receive it
    stats = _running(model)
    first = evaluate(model, bundle)
    second = evaluate(model, bundle)
    assert model.training
    assert all(torch.equal(a, b) for a, b in zip(stats, _running(model), strict=True))
    for name in ("train", "validation", "test"):
        split = bundle.splits()[name]
        m1, m2 = first.splits[name].metrics, second.splits[name].metrics
        assert (m1.accuracy, m1.log_loss) == (m2.accuracy, m2.log_loss)
        with torch.no_grad():
            out = model.eval()(split.x).double()
        model.train()
        proba = torch.softmax(out, 1).numpy()
        np.testing.assert_allclose(first.splits[name].proba, proba, rtol=1e-6, atol=1e-9)
        assert m1.accuracy == pytest.approx(float((out.argmax(1) == split.y).double().mean()))
        assert m1.log_loss == pytest.approx(float(F.cross_entropy(out, split.y)), rel=1e-6)
