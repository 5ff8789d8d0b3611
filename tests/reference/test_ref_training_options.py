"""Each training option against a step computed by hand: L1, L2, gradient clipping, label smoothing, the
monitor's direction (with patience and min delta), stratified splitting and the scaling statistics.

Every test moves its option off the default and checks that the number changes and equals the reference,
so an engine that ignored the option (using its default) fails. One epoch of one full batch with plain
SGD makes the engine's update exactly one reference step, whatever the shuffling.
"""

from __future__ import annotations

import copy
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from torch import nn

from nnstudio.core.data.assemble import prepare
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle, RawDataset, Split
from nnstudio.core.data.spec import DataSpec, SplitSpec, StepSpec
from nnstudio.core.training.callbacks import EarlyStopping, best_epoch
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.engine import Trainer, new_model

LR = 0.3


def _bundle() -> DataBundle:
    g = torch.Generator().manual_seed(3)
    x = torch.randn(12, 2, generator=g) * 2.0
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 1, 0])
    return DataBundle(CLASSIFICATION, Split(x[:8], y[:8]), Split(x[8:], y[8:]), Split(x[:0], y[:0]), (2,),
                      class_names=["a", "b", "c"])


def _model(dropout: float = 0.0) -> nn.Module:
    layers: list[nn.Module] = [nn.Linear(2, 5), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return new_model(nn.Sequential(*layers, nn.Linear(5, 3)), seed=1)


def _one_step(**spec_fields) -> tuple[nn.Module, nn.Module, Trainer]:
    """The engine's model after one epoch of one batch, the model before it, and the trainer."""
    bundle = _bundle()
    model = _model()
    before = copy.deepcopy(model)
    spec = TrainSpec(**{"optimizer": "sgd", "optimizer_params": {"momentum": 0.0}, "lr": LR, "batch_size": 8,
                        "epochs": 1, "device": "cpu", **spec_fields})
    trainer = Trainer(model, bundle, spec)
    assert trainer.fit().status == "completed"
    return model, before, trainer


def _reference_step(before: nn.Module, *, l1: float = 0.0, weight_decay: float = 0.0, clip: float = 0.0,
                    smoothing: float = 0.0) -> tuple[nn.Module, float]:
    """One SGD step written out; returns the stepped model and the gradient's norm before clipping."""
    model = copy.deepcopy(before)
    train = _bundle().train
    loss = F.cross_entropy(model(train.x), train.y, label_smoothing=smoothing)
    # L1 on the weight matrices only (not the biases), added to the loss.
    loss = loss + l1 * sum(p.abs().sum() for p in model.parameters() if p.ndim > 1)
    params = list(model.parameters())
    grads = torch.autograd.grad(loss, params)
    norm = float(torch.sqrt(sum((g**2).sum() for g in grads)))
    scale = min(1.0, clip / (norm + 1e-6)) if clip else 1.0
    with torch.no_grad():
        for p, g in zip(params, grads, strict=True):
            p -= LR * (g * scale + weight_decay * p)
    return model, norm


def _assert_same_weights(a: nn.Module, b: nn.Module) -> None:
    for (name, pa), pb in zip(a.named_parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(pa, pb, rtol=1e-5, atol=1e-6, msg=lambda m, name=name: f"{name}: {m}")


def _distance(a: nn.Module, b: nn.Module) -> float:
    return max(float((pa - pb).detach().abs().max()) for pa, pb in zip(a.parameters(), b.parameters(), strict=True))


def test_plain_step_matches_the_reference():
    model, before, _ = _one_step()
    _assert_same_weights(model, _reference_step(before)[0])


def test_l1_is_added_for_the_weight_matrices():
    model, before, _ = _one_step(l1=0.05)
    reference, _ = _reference_step(before, l1=0.05)
    _assert_same_weights(model, reference)
    plain, _ = _reference_step(before)
    assert _distance(model, plain) > 1e-3
    # The biases get no L1 pull: their step is the plain one.
    torch.testing.assert_close(model[0].bias, plain[0].bias)


def test_l2_pulls_every_parameter_towards_zero():
    model, before, _ = _one_step(weight_decay=0.2)
    _assert_same_weights(model, _reference_step(before, weight_decay=0.2)[0])
    assert _distance(model, _reference_step(before)[0]) > 1e-3


def test_gradient_clipping_rescales_the_whole_gradient_to_the_limit():
    clip = 0.1
    model, before, _ = _one_step(grad_clip=clip)
    reference, norm = _reference_step(before, clip=clip)
    assert norm > 3 * clip  # the limit really bites
    _assert_same_weights(model, reference)
    assert _distance(model, _reference_step(before)[0]) > 1e-3
    # Clipped by the norm, the step is exactly clip/norm of the plain step, in every parameter.
    ratio = (model[0].weight - before[0].weight) / (_reference_step(before)[0][0].weight - before[0].weight)
    torch.testing.assert_close(ratio, torch.full_like(ratio, clip / (norm + 1e-6)), rtol=1e-3, atol=1e-4)


def test_label_smoothing_reaches_training_and_the_validation_loss():
    model, before, trainer = _one_step(loss_params={"label_smoothing": 0.3})
    _assert_same_weights(model, _reference_step(before, smoothing=0.3)[0])
    val = _bundle().validation
    with torch.no_grad():
        expected = float(F.cross_entropy(model(val.x), val.y, label_smoothing=0.3))
        unsmoothed = float(F.cross_entropy(model(val.x), val.y))
    assert trainer.history["val_loss"][-1] == pytest.approx(expected, rel=1e-5)
    assert abs(expected - unsmoothed) > 1e-3


def test_validation_loss_is_computed_in_eval_mode():
    """With dropout, the recorded validation loss is the deterministic eval-mode loss of the final weights,
    and the model comes back in training mode."""
    bundle = _bundle()
    model = _model(dropout=0.5)
    spec = TrainSpec(optimizer="sgd", lr=LR, batch_size=8, epochs=2, device="cpu")
    trainer = Trainer(model, bundle, spec)
    trainer.fit()
    assert model.training
    model.eval()
    with torch.no_grad():
        expected = float(F.cross_entropy(model(bundle.validation.x), bundle.validation.y))
        accuracy = float((model(bundle.validation.x).argmax(1) == bundle.validation.y).float().mean())
    assert trainer.history["val_loss"][-1] == pytest.approx(expected, rel=1e-6)
    assert trainer.history["val_accuracy"][-1] == pytest.approx(accuracy)
    model.train()
    torch.manual_seed(0)
    with torch.no_grad():
        noisy = [float(F.cross_entropy(model(bundle.validation.x), bundle.validation.y)) for _ in range(5)]
    assert any(abs(v - expected) > 1e-4 for v in noisy)  # train mode would have given other numbers
    again = trainer.evaluate_split(trainer._data["validation"], "val")
    assert again["val_loss"] == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------------------- monitor direction
HISTORY = {
    "val_loss": [1.0, 0.4, 0.6, 0.5],
    "val_accuracy": [0.5, 0.6, 0.55, 0.9],
    "val_rmse": [3.0, 2.0, 2.5, 2.2],
}


def test_best_epoch_follows_the_monitors_direction():
    assert best_epoch(HISTORY, "val_loss") == 2
    assert best_epoch(HISTORY, "val_rmse") == 2
    assert best_epoch(HISTORY, "val_accuracy") == 4  # higher is better


def _early_stop_epoch(monitor: str, values: list[float], patience: int = 2, min_delta: float = 0.0) -> tuple[int, int]:
    """(epoch the run stops after, best epoch) when ``values`` arrive one per epoch; 0 = never stops."""
    stopper = EarlyStopping(monitor, patience=patience, min_delta=min_delta, restore_best=False)
    state = SimpleNamespace(epoch=0, model=None, stop_reason="")
    stopper.on_fit_start(state)
    for epoch, value in enumerate(values, start=1):
        state.epoch = epoch
        stopper.on_epoch_end(state, {monitor: value})
        if state.stop_reason:
            return epoch, stopper.best_epoch
    return 0, stopper.best_epoch


def test_early_stopping_follows_the_monitors_direction():
    rising = [0.5, 0.6, 0.7, 0.8, 0.9]
    assert _early_stop_epoch("val_accuracy", rising) == (0, 5)  # accuracy rising: improving, no stop
    assert _early_stop_epoch("val_loss", rising) == (3, 1)  # loss rising: worse each epoch, stop at 1 + 2


def test_early_stopping_patience_and_min_delta_change_when_it_stops():
    values = [1.0, 0.95, 0.9, 0.89, 0.885, 0.88]
    assert _early_stop_epoch("val_loss", values, patience=2) == (0, 6)
    # Improvements under 0.02 do not count: best stays at epoch 3 (0.9), and two epochs later it stops.
    assert _early_stop_epoch("val_loss", values, patience=2, min_delta=0.02) == (5, 3)
    assert _early_stop_epoch("val_loss", values, patience=3, min_delta=0.02) == (6, 3)


@pytest.mark.parametrize("restore_best", [True, False])
def test_restore_best_puts_back_the_best_epochs_weights(restore_best):
    """Accuracy best at epoch 2 of 4, patience 2: the run stops after epoch 4 and, with restore_best, ends
    with epoch 2's weights (the weight is set to the epoch's number here); without it, with epoch 4's."""
    model = nn.Linear(1, 1, bias=False)
    stopper = EarlyStopping("val_accuracy", patience=2, restore_best=restore_best)
    state = SimpleNamespace(epoch=0, model=model, stop_reason="")
    stopper.on_fit_start(state)
    for epoch, accuracy in enumerate([0.5, 0.8, 0.7, 0.6], start=1):
        state.epoch = epoch
        with torch.no_grad():
            model.weight.fill_(float(epoch))
        stopper.on_epoch_end(state, {"val_accuracy": accuracy})
    assert state.stop_reason and stopper.best_epoch == 2
    result = SimpleNamespace(status="stopped", best_epoch=4, message=state.stop_reason)
    stopper.on_fit_end(state, result)
    assert result.status == "early_stopped" and result.best_epoch == 2
    assert float(model.weight.detach()) == (2.0 if restore_best else 4.0)
    assert ("epoch 2 were restored" in result.message) is restore_best


def test_monitor_reaches_the_run_result():
    """The trainer's best epoch is the monitored value's best: lowest loss or highest accuracy."""
    _, _, trainer = _one_step()
    trainer.spec.monitor = "val_accuracy"
    trainer.history.update({k: list(v) for k, v in HISTORY.items() if k != "val_rmse"})
    trainer.history["epoch"] = [1.0, 2.0, 3.0, 4.0]
    trainer.epochs_done = 4
    assert trainer.fit(epochs=0).best_epoch == 4
    trainer.spec.monitor = "val_loss"
    assert trainer.fit(epochs=0).best_epoch == 2


# ---------------------------------------------------------------------------- data: stratify, scaling
def _raw() -> RawDataset:
    """100 rows, classes 80:20, three columns on very different scales."""
    rng = np.random.default_rng(0)
    x = np.stack([rng.normal(50.0, 10.0, 100), rng.normal(0.0, 0.01, 100), rng.uniform(-3, 7, 100)], axis=1)
    y = np.array([0] * 80 + [1] * 20)
    return RawDataset(x, y, CLASSIFICATION, class_names=["no", "yes"], feature_names=["a", "b", "c"])


def _minority_counts(stratify: bool, seed: int = 0) -> tuple[int, int, int]:
    raw = _raw()
    prepared = prepare(DataSpec(split=SplitSpec(0.2, 0.2, stratify), seed=seed), raw=raw)
    return tuple(int((raw.y[idx] == 1).sum()) for idx in (prepared.train_idx, prepared.val_idx, prepared.test_idx))


def test_stratified_split_keeps_the_class_shares_in_every_split():
    """By hand: 20% of 100 is 20 rows per held-out split, of which 20% (4) are the minority class."""
    assert _minority_counts(True) == (12, 4, 4)
    assert _minority_counts(True, seed=5) == (12, 4, 4)


def test_unstratified_split_does_not_keep_them():
    counts = [_minority_counts(False, seed) for seed in range(4)]
    assert all(sum(c) == 20 for c in counts)
    assert any(c != (12, 4, 4) for c in counts)


@pytest.mark.parametrize(("step", "scaler"), [
    ({"kind": "standardize"}, StandardScaler()),
    ({"kind": "minmax"}, MinMaxScaler((0, 1))),
    ({"kind": "minmax", "params": {"range": "-1,1"}}, MinMaxScaler((-1, 1))),
], ids=["standardize", "minmax_0_1", "minmax_-1_1"])
def test_scaling_uses_training_statistics_only(step, scaler):
    raw = _raw()
    spec = DataSpec(preprocessing=[StepSpec.from_dict(step, "step")], split=SplitSpec(0.2, 0.2, True))
    prepared = prepare(spec, raw=raw)
    bundle = prepared.bundle
    scaler.fit(raw.x[prepared.train_idx])
    for split, idx in (("train", prepared.train_idx), ("validation", prepared.val_idx), ("test", prepared.test_idx)):
        got = getattr(bundle, split).x.numpy()
        np.testing.assert_allclose(got, scaler.transform(raw.x[idx]), rtol=1e-4, atol=1e-4, err_msg=split)
    train = bundle.train.x.numpy()
    if step["kind"] == "standardize":
        np.testing.assert_allclose(train.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(train.std(axis=0), 1.0, atol=1e-4)
        assert not np.allclose(bundle.test.x.numpy().mean(axis=0), 0.0, atol=1e-3)  # test stats were not used
    else:
        lo = -1.0 if step.get("params") else 0.0
        np.testing.assert_allclose(train.min(axis=0), lo, atol=1e-5)
        np.testing.assert_allclose(train.max(axis=0), 1.0, atol=1e-5)
    assert math.isfinite(float(bundle.test.x.sum()))


def _plateau_lrs(monitor: str, values: list[float]) -> list[float]:
    """The learning rate after each epoch under 'reduce on plateau' (factor 0.5, patience 1)."""
    from nnstudio.core.training.schedules import make_schedule

    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    schedule = make_schedule("plateau", optimizer, {"factor": 0.5, "patience": 1, "min_lr": 0.0}, 10, monitor)
    lrs = []
    for value in values:
        schedule.step({monitor: value})
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def test_reduce_on_plateau_follows_the_monitors_direction():
    rising = [0.5, 0.6, 0.7, 0.8]
    assert _plateau_lrs("val_accuracy", rising) == [1.0, 1.0, 1.0, 1.0]  # accuracy improving every epoch
    assert _plateau_lrs("val_loss", rising) == [1.0, 1.0, 0.5, 0.5]  # loss worse twice: halved after patience 1
