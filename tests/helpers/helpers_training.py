"""Tiny in-memory problems so every loss and optimizer test runs in well under a second."""

from __future__ import annotations

import torch
from torch import nn

from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION, DataBundle, Split
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.engine import Trainer, new_model


def blobs_bundle(classes: int = 3, n: int = 240, seed: int = 0) -> DataBundle:
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(classes, 2, generator=g) * 3
    y = torch.arange(n) % classes
    x = centers[y] + 0.5 * torch.randn(n, 2, generator=g)
    cut = int(n * 0.75)
    return DataBundle(
        CLASSIFICATION, Split(x[:cut], y[:cut]), Split(x[cut:], y[cut:]), Split(x[:0], y[:0]), (2,),
        class_names=[str(i) for i in range(classes)],
    )


def sine_bundle(n: int = 200, seed: int = 0) -> DataBundle:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=g) * 6 - 3
    y = torch.sin(x[:, 0]) + 0.05 * torch.randn(n, generator=g)
    cut = int(n * 0.75)
    return DataBundle(REGRESSION, Split(x[:cut], y[:cut]), Split(x[cut:], y[cut:]), Split(x[:0], y[:0]), (1,))


def mlp(n_in: int, n_out: int, hidden: int = 16, seed: int = 0) -> nn.Module:
    module = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, n_out))
    return new_model(module, seed)


def trainer_for(bundle: DataBundle, n_out: int | None = None, **spec_fields) -> Trainer:
    spec = TrainSpec(**{"batch_size": 16, "epochs": 3, "device": "cpu", **spec_fields})
    n_in = bundle.input_shape[0]
    return Trainer(mlp(n_in, n_out if n_out is not None else bundle.output_size), bundle, spec)
