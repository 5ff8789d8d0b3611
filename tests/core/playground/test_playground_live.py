"""The Playground's live loop trains exactly what the engine trains: after the same batches its weights are
``Trainer.fit``'s bit for bit (momentum, Adam, L1 and L2, two-class and many-class losses, a run stopped
mid-epoch), and a run whose loss blows up ends saying why."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.arch.builder import build
from nnstudio.core.base.errors import TrainingError
from nnstudio.core.data.assemble import prepare
from nnstudio.core.playground import data as pdata
from nnstudio.core.playground import graph as pgraph
from nnstudio.core.playground.frames import FrameCallback, surface_for
from nnstudio.core.playground.live import train_live
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import Trainer, new_model


def _prepared(source: str, n: int = 120):
    spec = pdata.toy_spec(source)
    spec.params["n_samples"] = n
    return prepare(spec)


class Frames(FrameCallback):
    """Frames painted at once; ``stop_after`` batches, a stop (a reset, as the GUI sends it)."""

    def __init__(self, arch, prepared, stop_after: int = 0) -> None:
        super().__init__(pgraph.read_graph(arch), surface_for(prepared, 8), self._paint, test=prepared.bundle.test,
                         period=0.0)
        self.frames = []
        self.stop_after = stop_after

    def _paint(self, frame) -> None:
        self.frames.append(frame)
        self.shown.set()

    def on_batch_end(self, state, loss: float) -> None:
        super().on_batch_end(state, loss)
        if self.steps == self.stop_after:
            state.control.request_stop()


def _both(prepared, spec: TrainSpec, outputs: int, epochs: int = 2, stop_after: int = 0):
    """(engine's trainer, live trainer, the live run's frames), both from the same seed."""
    arch = pgraph.starter_architecture(2, outputs)
    runs = []
    for live in (False, True):
        model = new_model(build(arch, (2,)).module, 0)
        trainer = Trainer(model, prepared.bundle, pdata.run_spec(spec))
        callback = Frames(arch, prepared, stop_after)
        if live:
            train_live(trainer, callback, TrainingControl(), epochs)
        else:
            trainer.fit(epochs, [callback], TrainingControl())
        runs.append((trainer, callback))
    (engine, engine_frames), (live, live_frames) = runs
    return engine, live, engine_frames.frames, live_frames.frames


def _same_weights(a: Trainer, b: Trainer) -> None:
    ours, theirs = a.model.state_dict(), b.model.state_dict()
    assert list(ours) == list(theirs)
    for name in ours:
        assert torch.equal(ours[name], theirs[name]), name


@pytest.mark.parametrize("spec, outputs", [
    (TrainSpec(loss="bce", optimizer="sgd", lr=0.03, batch_size=10, seed=3), 1),  # the benchmark's: momentum, one logit
    (TrainSpec(loss="cross_entropy", optimizer="adam", lr=0.03, batch_size=7, l1=0.001), 2),  # a last short batch
    (TrainSpec(loss="cross_entropy", optimizer="sgd", lr=0.1, batch_size=10, weight_decay=0.01), 2),
])
def test_the_live_loop_makes_the_engine_s_updates(spec, outputs):
    prepared = _prepared("spiral")
    engine, live, engine_frames, live_frames = _both(prepared, spec, outputs)
    _same_weights(engine, live)
    assert live.epochs_done == engine.epochs_done == 2
    batches = 2 * -(-len(prepared.bundle.train) // spec.batch_size)
    assert [f.steps for f in live_frames] == [f.steps for f in engine_frames] == [0, *range(1, batches + 1), batches]
    assert live_frames[-1].train_loss == engine_frames[-1].train_loss  # the frames' losses: the same weights


def test_a_live_run_stopped_mid_epoch_keeps_the_engine_s_updates_and_counts_no_epoch():
    prepared = _prepared("spiral")
    spec = TrainSpec(loss="cross_entropy", optimizer="sgd", lr=0.1, batch_size=10)
    engine, live, _e, frames = _both(prepared, spec, 2, epochs=5, stop_after=17)  # 12 batches an epoch
    _same_weights(engine, live)
    assert live.epochs_done == engine.epochs_done == 1
    assert frames[-1].steps == 17 and frames[-1].epoch == 1


def test_a_live_run_whose_loss_blows_up_ends_saying_why():
    prepared = _prepared("sine")
    arch = pgraph.starter_architecture(1, 1)
    trainer = Trainer(new_model(build(arch, (1,)).module, 0), prepared.bundle,
                      pdata.run_spec(TrainSpec(loss="mse", optimizer="sgd", lr=50.0, batch_size=10)))
    callback = Frames(arch, prepared)
    with pytest.raises(TrainingError) as caught:
        train_live(trainer, callback, TrainingControl(), 50)
    message = str(caught.value)
    assert message.startswith("The training loss became ")
    assert message.endswith("the weights blew up; lower the learning rate (now 50) and press Reset")
    assert callback.frames[-1].epoch < 50  # it stopped there, not at the end
