"""Inside the network and across runs (core): boundary grid, neurons, gradient statistics, run snapshots,
LR finder, sweep, CSV and TensorBoard export."""

from __future__ import annotations

import csv
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from helpers_clock import FakeClock
from torch import nn

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.weights import apply_weights
from nnstudio.core.base.jobs import JobToken
from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION, DataBundle, Split
from nnstudio.core.insight.budget import WatchBudget
from nnstudio.core.insight.grid import (
    boundary_grid,
    describe_neuron,
    grid_points,
    neuron_responses,
    plane_from_raw,
)
from nnstudio.core.insight.stats import StatsCallback
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import Trainer, new_model
from nnstudio.core.workspace.lr_finder import lr_range_test
from nnstudio.core.workspace.runs import Run, RunRecorder, RunStore, export_history_csv
from nnstudio.core.workspace.sweep import SweepSpec, run_sweep, trials, with_widths


class Shift:
    """A fitted pipeline stand-in: the model sees (x - 1) * 2."""

    def transform(self, x):
        return ((x - 1.0) * 2.0).astype(np.float32)


def blobs(n: int = 200, seed: int = 0) -> DataBundle:
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.stack([y * 3.0 - 1.5, torch.zeros(n)], dim=1) + 0.6 * torch.randn(n, 2, generator=g)
    cut = int(n * 0.75)
    return DataBundle(CLASSIFICATION, Split(x[:cut], y[:cut]), Split(x[cut:], y[cut:]), Split(x[:0], y[:0]), (2,),
                      class_names=["a", "b"])


def mlp(act=nn.ReLU, depth: int = 2, width: int = 8, n_in: int = 2, n_out: int = 2, seed: int = 0) -> nn.Module:
    layers, n = [], n_in
    for _ in range(depth - 1):
        layers += [nn.Linear(n, width), act()]
        n = width
    layers.append(nn.Linear(n, n_out))
    return new_model(nn.Sequential(*layers), seed)


def spec(**kw) -> TrainSpec:
    return TrainSpec(**{"batch_size": 16, "epochs": 3, "device": "cpu", **kw})


def test_boundary_grid_shape_and_values_are_the_models_predictions():
    model = mlp(seed=1)
    pts = np.random.default_rng(0).normal(size=(30, 2))
    plane = plane_from_raw(pts[:20], np.zeros(20), pts[20:], np.zeros(10))
    grid = boundary_grid(model, Shift(), plane, CLASSIFICATION, resolution=17)
    assert grid.values.shape == (17, 17) and grid.probs.shape == (17, 17, 2)
    assert grid.xs[0] < pts[:, 0].min() and grid.xs[-1] > pts[:, 0].max()  # the plane covers every point
    _, _, points = grid_points(plane, 17)
    with torch.no_grad():
        expected = torch.softmax(model(torch.as_tensor(Shift().transform(points))), -1).numpy()
    np.testing.assert_allclose(grid.probs.reshape(-1, 2), expected, rtol=1e-5, atol=1e-6)
    i, j = 5, 11  # row = y index, column = x index
    with torch.no_grad():
        one = model(torch.as_tensor(Shift().transform(np.array([[grid.xs[j], grid.ys[i]]]))))
    assert grid.values[i, j] == int(one.argmax())


def test_regression_surface_values():
    model = mlp(n_out=1, seed=2)
    pts = np.random.default_rng(1).uniform(-2, 2, size=(20, 2))
    plane = plane_from_raw(pts, np.zeros(20), pts[:0], np.zeros(0))
    grid = boundary_grid(model, None, plane, REGRESSION, resolution=9)
    _, _, points = grid_points(plane, 9)
    with torch.no_grad():
        expected = model(torch.as_tensor(points, dtype=torch.float32))[:, 0].numpy()
    assert grid.probs is None
    np.testing.assert_allclose(grid.values.reshape(-1), expected, rtol=1e-5, atol=1e-6)


def test_neuron_responses_match_first_hidden_layer_and_name_weights():
    model = mlp(depth=3, width=5, seed=3)
    pts = np.random.default_rng(2).normal(size=(20, 2))
    plane = plane_from_raw(pts, np.zeros(20), pts[:0], np.zeros(0))
    layers = neuron_responses(model, None, plane, resolution=6, input_names=["x1", "x2"])
    assert [layer.responses.shape for layer in layers] == [(5, 6, 6), (5, 6, 6)]
    _, _, points = grid_points(plane, 6)
    with torch.no_grad():
        first = torch.relu(model[0](torch.as_tensor(points, dtype=torch.float32))).numpy()
    np.testing.assert_allclose(layers[0].responses[2].reshape(-1), first[:, 2], rtol=1e-5, atol=1e-6)
    text = describe_neuron(layers[0], 2)
    b, w = float(model[0].bias[2].detach()), float(model[0].weight[2, 0].detach())
    assert f"bias {b:+.3f}" in text and f"w from x1: {w:+.3f}" in text


def deep(act) -> nn.Module:
    return mlp(act=act, depth=10, width=32, n_out=2, seed=0)


def test_sigmoid_first_layer_gradient_vanishes_against_relu():
    norms = {}
    for act in (nn.Sigmoid, nn.ReLU):
        snaps = []
        trainer = Trainer(deep(act), blobs(256), spec(batch_size=32, optimizer="sgd", lr=0.05, seed=0))
        trainer.fit(1, [StatsCallback(snaps.append, every=2, budget=None)])
        assert snaps and snaps[-1].epoch == 1
        norms[act.__name__] = snaps[-1].grad_norms["0"]  # the first Linear, end of the first epoch
        assert len(snaps[-1].grad_norms) == 10
    assert norms["Sigmoid"] < 0.1 * norms["ReLU"]


def test_statistics_histograms_and_dead_relus():
    snaps = []
    model = mlp(depth=3, width=16, seed=4)
    with torch.no_grad():
        model[2].bias.fill_(-100.0)  # the second hidden layer is dead for every input
    Trainer(model, blobs(), spec(epochs=1)).fit(1, [StatsCallback(snaps.append, every=3, hist_interval=0.0, budget=None)])
    assert [s.batch for s in snaps] == [1, 3, 6, 9]  # the first batch, then every third
    last = snaps[-1]
    assert last.activations["3"].dead == 1.0 and last.activations["1"].dead < 1.0
    hist = last.weight_hists["0"]
    assert hist.counts.sum() == 16 * 2 + 16 and len(hist.edges) == len(hist.counts) + 1
    assert set(last.grad_hists) == {"0", "2", "4"}
    none = []
    Trainer(mlp(), blobs(), spec(epochs=1)).fit(1, [StatsCallback(none.append, enabled=False)])
    assert none == []  # switched off: nothing collected and no hooks left behind


class Tick(Callback):
    """Each batch takes ``seconds`` of the fake wall clock (put first: the batch ends, then the views look)."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        self.clock, self.seconds = clock, seconds

    def on_batch_end(self, state, loss):
        self.clock.advance(wall=self.seconds)


def costly_sink(into, clock: FakeClock, cpu_seconds=0.03, wall_seconds=0.0):
    def sink(snap):
        clock.advance(wall=wall_seconds, cpu=cpu_seconds)  # a costly collection: 30 ms of this thread's CPU
        into.append(snap)
    return sink


def test_collection_budget_backs_off_unless_the_run_is_slowed_to_be_watched():
    fast, watched = [], []
    clock = FakeClock()
    Trainer(mlp(), blobs(), spec(epochs=1)).fit(
        1, [Tick(clock, 0.125), StatsCallback(costly_sink(fast, clock), every=3, budget=0.02, clock=clock)])
    # The 25 ms allowance pays for the first look (at 0.125 s), which overdraws by 5 ms; 2% of the time buys
    # that back after 0.25 s, so the look asked for at 0.625 s (batch 6) goes, and that one's 30 ms would
    # take 1.1 s more to earn: nothing after it in this 1.25 s run.
    assert [s.batch for s in fast] == [1, 6]
    control = TrainingControl()
    control.batch_delay = 0.04  # the speed control: 40 ms asleep after every batch covers the 30 ms
    clock = FakeClock()
    Trainer(mlp(), blobs(), spec(epochs=1)).fit(
        1, [Tick(clock, 0.125), StatsCallback(costly_sink(watched, clock), every=3, budget=0.02, clock=clock)],
        control=control)
    assert [s.batch for s in watched] == [1, 3, 6, 9]


def test_a_long_run_keeps_collection_to_its_share():
    clock = FakeClock()
    budget = WatchBudget(0.02, allowance=0.05, clock=clock)
    state = SimpleNamespace(cost_beyond_delay=lambda seconds: seconds, batch_delay=0.0)
    looks = 0
    for ms in range(1000):  # one second of training that wants to look after every millisecond
        clock.now = ms / 1000
        if budget.allows():
            looks += 1
            with budget.charge(state):
                clock.advance(cpu=0.01)  # each look costs 10 ms of CPU
    # The allowance (5 looks), the look that overdraws it, and one more bought at 0.5 s by 2% of the time
    # (20 ms of credit a second, the first 10 ms paying back the overdraft): 7% of the run, never 10%.
    assert looks == 7

    spaced, looks = WatchBudget(None, min_interval=0.1, clock=clock), 0
    for ms in range(550):  # free looks, but at full speed no more than ten a second
        clock.now = 10 + ms / 1000
        if spaced.allows():
            looks += 1
            with spaced.charge(state):
                pass
    assert looks == 6  # at 0, 0.1, ..., 0.5 s


def test_collection_budget_charges_work_not_waiting():
    """A collection that waits (for the GIL while the window draws, or on a busy machine) costs the run
    nothing; only the training thread's own CPU time counts against the budget."""
    seen, clock = [], FakeClock()
    # Each collection takes 2 s of wall time but 2 ms of CPU: charged by wall time the next would wait 100 s.
    sink = costly_sink(seen, clock, cpu_seconds=0.002, wall_seconds=2.0)
    Trainer(mlp(), blobs(), spec(epochs=1)).fit(
        1, [Tick(clock, 0.125), StatsCallback(sink, every=3, budget=0.02, clock=clock)])
    assert [s.batch for s in seen] == [1, 3, 6, 9]


def test_snapshots_restore_exactly_that_epochs_weights():
    bundle = blobs()
    store = RunStore()
    run = store.new_run(spec(epochs=4), None)
    seen = {}

    class Spy(RunRecorder):
        def on_epoch_end(self, state, metrics):
            seen[state.epoch] = {k: v.clone() for k, v in state.model.state_dict().items()}
            super().on_epoch_end(state, metrics)

    trainer = Trainer(mlp(seed=5), bundle, run.training)
    trainer.fit(4, [Spy(run)])
    store.add(run)
    assert sorted(run.snapshots) == [0, 1, 2, 3, 4] and run.epochs == 4
    target = mlp(seed=9)
    apply_weights(target, run.weights_at(2))
    for k, v in target.state_dict().items():
        assert torch.equal(v, seen[2][k])
    assert not torch.equal(run.weights_at(2)["0.weight"], run.weights_at(4)["0.weight"])
    assert run.metrics_at(2)["val_loss"] == run.history["val_loss"][1]
    assert 1 <= run.best_epoch <= 4 and run.best_weights is not None
    # A cap smaller than two copies keeps only the start and counts what it skipped.
    small = store.new_run(spec(), None)
    one = sum(v.numel() * 4 for v in mlp().state_dict().values())
    Trainer(mlp(), bundle, small.training).fit(3, [RunRecorder(small, cap_bytes=one + 10)])
    assert sorted(small.snapshots) == [0] and small.snapshots_skipped == 3
    with pytest.raises(Exception, match="raise the snapshot memory cap"):
        small.weights_at(1)


def test_history_csv(tmp_path):
    run = Run(1, "Run 1", spec(), history={"epoch": [1.0, 2.0], "train_loss": [0.5, 0.25], "val_loss": [0.6, 0.4]})
    path = export_history_csv(run, tmp_path / "h.csv")
    rows = list(csv.reader(path.open()))
    assert rows == [["epoch", "train_loss", "val_loss"], ["1", "0.5", "0.6"], ["2", "0.25", "0.4"]]


def test_lr_finder_curve_suggestion_and_model_untouched():
    model = mlp(depth=3, width=16, seed=6)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    calls = []
    result = lr_range_test(model, blobs(400), spec(optimizer="sgd"), start_lr=1e-5, end_lr=10.0, steps=120,
                           token=JobToken(lambda k, n, text: calls.append(k)))
    assert len(result.lrs) == len(result.losses) == len(result.smoothed) == len(calls) > 20
    assert np.all(np.diff(result.lrs) > 0)  # exponentially growing rates
    assert 1e-5 <= result.suggestion <= 10.0 and math.isfinite(result.suggestion)
    lowest = result.lrs[int(np.argmin(result.smoothed))]
    assert result.suggestion <= lowest
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])
    token = JobToken()
    token.cancel()
    cancelled = lr_range_test(model, blobs(), spec(), steps=50, token=token)
    assert cancelled.cancelled and len(cancelled.lrs) == 0


def arch() -> ArchitectureSpec:
    return ArchitectureSpec([layer("linear", in_features=2, out_features=8), layer("relu"),
                             layer("linear", in_features=8, out_features=2)])


def test_sweep_fills_results_and_picks_best():
    sweep = SweepSpec(lrs=[1e-4, 3e-2], batch_sizes=[32], widths={0: [2, 16]}, epochs=2)
    assert len(trials(sweep, spec())) == 4
    widened = with_widths(arch(), {0: 16})
    assert widened.layers[0].params["out_features"] == 16 and widened.layers[2].params["in_features"] == 16
    store, seen = RunStore(), []
    runs = run_sweep(sweep, arch(), blobs(), spec(), store, on_run=seen.append)
    assert len(runs) == 4 and seen == runs and store.runs == runs
    assert all(r.status == "completed" and r.epochs == 2 and r.weights is not None for r in runs)
    assert {tuple(r.hidden_widths()) for r in runs} == {(2,), (16,)}
    best = store.best()
    assert best is not None and best.best_value() == min(r.best_value() for r in runs)
    random_plan = trials(SweepSpec(lrs=[1e-3, 1e-2, 1e-1], batch_sizes=[8, 16], mode="random", trials=3), spec())
    assert len(random_plan) == 3


def test_sweep_cancel_stops_between_trials():
    from nnstudio.core.training.control import TrainingControl

    control = TrainingControl()
    runs = run_sweep(SweepSpec(lrs=[1e-3, 1e-2, 1e-1], epochs=1), arch(), blobs(), spec(),
                     on_run=lambda r: control.request_stop(), control=control)
    assert len(runs) == 1


def test_tensorboard_files_read_back(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from nnstudio.core.workspace.tensorboard_export import write_run

    store = RunStore()
    run = store.new_run(spec(lr=0.01), arch())
    Trainer(mlp(), blobs(), run.training).fit(3, [RunRecorder(run)])
    folder = write_run(run, tmp_path)
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    assert {"train_loss", "val_loss", "val_accuracy"} <= set(tags["scalars"])
    assert [e.step for e in acc.Scalars("val_loss")] == [1, 2, 3]
    assert acc.Scalars("val_loss")[-1].value == pytest.approx(run.history["val_loss"][-1])
    assert "weights/0.weight" in tags["histograms"] and len(acc.Histograms("weights/0.weight")) == 4
    content = acc.PluginTagToContent("hparams")
    assert content, "hyperparameters were written"
    from tensorboard.plugins.hparams import plugin_data_pb2

    data = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    assert data.session_start_info.hparams["lr"].number_value == pytest.approx(0.01)
