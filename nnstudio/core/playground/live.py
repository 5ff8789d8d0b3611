"""The Playground's live loop: the engine's own updates, batch after batch, without a run's bookkeeping.

:func:`train_live` trains what a :class:`~nnstudio.core.training.engine.Trainer` set up (its model, optimizer,
loss, training split and shuffling generators) exactly as ``Trainer.fit`` would: the same batches in the same
order, the same loss (L1 term included), gradient clipping and optimizer step, so the weights after N batches
are the engine's bit for bit (tests/core/playground/test_playground_live.py). What it leaves out is what only a
run's history needs, paid at every batch by the engine: reading the loss back (``loss.item()``, a sync), the
predicted classes for the training accuracy, the weights' snapshot at every epoch's end. The Playground reads
its losses on the whole splits once per frame instead (:meth:`FrameCallback.losses`); a loss that is no longer
finite there ends the run, saying why. Pause, Step, queued edits and stop go through the same
:class:`~nnstudio.core.training.control.TrainingControl` as the engine's loop.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nnstudio.core.base.errors import TrainingError
from nnstudio.core.playground.frames import FrameCallback
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import Trainer
from nnstudio.core.training.state import TrainingState


def train_live(trainer: Trainer, callback: FrameCallback, control: TrainingControl, epochs: int) -> None:
    """Train up to ``epochs`` epochs (the Playground: until stopped), frames from ``callback``."""
    spec, model, optimizer, loss_fn = trainer.spec, trainer.model, trainer.optimizer, trainer.loss_fn
    train = trainer._data["train"]
    n, bs = len(train), spec.batch_size
    state = TrainingState(model, optimizer, spec, trainer.bundle, trainer.device, epoch=trainer.epochs_done,
                          batches_per_epoch=math.ceil(n / bs), target_epochs=trainer.epochs_done + epochs,
                          history=trainer.history, trainer=trainer, control=control)
    generator, augment_generator = trainer._generators()  # the engine's shuffling: the same batches
    targets = train.y
    if spec.loss == "bce":  # the loss casts 0/1 labels to the outputs' dtype at every batch: once, exactly
        targets = targets.to(torch.get_default_dtype())
    weights = [p for p in model.parameters() if p.ndim > 1 and p.requires_grad]  # the engine's L1 weights
    params = [p for p in model.parameters() if p.requires_grad]
    precision, augment, forward = trainer.precision, trainer._augment, trainer._forward
    plain = precision.dtype is None and precision.scaler is None
    callback.on_fit_start(state)
    try:
        for _ in range(epochs):
            if control.stop_requested:
                break
            state.epoch += 1
            state.batch = 0
            model.train()
            perm = torch.randperm(n, generator=generator)
            xs, ys = train.x[perm], targets[perm]  # one gather per epoch; batches are views
            for start in range(0, n, bs):
                if control.checkpoint():  # pause, queued edits (a typed weight) and stop, between batches
                    break
                xb, yb = xs[start : start + bs], ys[start : start + bs]
                if augment is not None:
                    xb = augment(xb, augment_generator)
                if plain:
                    loss = loss_fn(forward(xb), yb)
                else:
                    with precision.autocast():
                        loss = loss_fn(forward(xb), yb)
                if spec.l1:  # read every batch, as the engine does
                    loss = loss + spec.l1 * sum(w.abs().sum() for w in weights)
                optimizer.zero_grad(set_to_none=True)
                precision.backward(loss)
                if spec.grad_clip:
                    precision.unscale(optimizer)
                    nn.utils.clip_grad_norm_(params, spec.grad_clip, foreach=True)
                precision.step(optimizer)
                state.batch += 1
                state.samples_seen += len(yb)
                control.after_batch()
                callback.on_batch_end(state, math.nan)  # no loss read per batch: the frame measures it
                if state.stop_reason:  # the frame's loss is no longer a number
                    break
            if state.stop_reason:
                break
            if state.batch < state.batches_per_epoch:
                break  # stopped mid-epoch: its updates are kept, the epoch is not counted
            trainer.epochs_done = state.epoch
    finally:
        callback.on_fit_end(state, None)
    if state.stop_reason:
        raise TrainingError(state.stop_reason)
