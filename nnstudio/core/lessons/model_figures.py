"""Figures read off a finished run's network itself rather than its scores: the Backpropagation lesson's
hand-worked step. Each function takes the run's :class:`Trainer`; ``figures.FIGURES`` names them.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from nnstudio.core.lessons.backprop import BackpropStep, one_step
from nnstudio.core.training.engine import Trainer, new_model


def untrained(trainer: Trainer) -> nn.Module:
    """The run's network as it started: a copy re-initialised from the run's seed (as RunSession.fresh did)."""
    return new_model(copy.deepcopy(trainer.model), trainer.spec.seed).eval()


def first_sample(trainer: Trainer) -> tuple[torch.Tensor, torch.Tensor]:
    train = trainer.bundle.train
    return train.x[:1].to(trainer.device), train.y[:1].to(trainer.device)


def backprop_step(trainer: Trainer) -> BackpropStep:
    """The run's first training sample worked forward and back by hand through the untrained network, with
    the run's loss and learning rate: what the run's first optimizer step did."""
    x, y = first_sample(trainer)
    return one_step(untrained(trainer), x, y, trainer.spec.loss, trainer.spec.lr)


def gradient_error(trainer: Trainer) -> float:
    return backprop_step(trainer).max_error


def loss_before_step(trainer: Trainer) -> float:
    return backprop_step(trainer).loss


def loss_after_step(trainer: Trainer) -> float:
    """The sample's loss under the run's own network after it trained (one step, in this lesson)."""
    x, y = first_sample(trainer)
    model = copy.deepcopy(trainer.model).eval()
    return one_step(model, x, y, trainer.spec.loss, trainer.spec.lr).loss
