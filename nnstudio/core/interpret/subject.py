"""What the methods need to know about the model and its input: shape, kind, conv layers, training mean."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from torch import nn

from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle

IMAGE, FEATURES, GRID = "image", "features", "grid"


@dataclass
class Subject:
    input_shape: tuple[int, ...]
    task: str = CLASSIFICATION
    input_kind: str = "float"  # "tokens" for whole-number token inputs
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    conv_layers: list[str] = field(default_factory=list)  # module names, first to last
    train_mean: np.ndarray | None = None

    @property
    def layout(self) -> str:
        """image (channels x height x width), features (a vector) or grid (a 2-D table of numbers)."""
        if len(self.input_shape) == 3:
            return IMAGE
        if len(self.input_shape) == 1:
            return FEATURES
        return GRID

    @property
    def spatial(self) -> bool:
        return self.layout in (IMAGE, GRID)

    def feature_name(self, i: int) -> str:
        return self.feature_names[i] if i < len(self.feature_names) else f"feature {i + 1}"

    def class_name(self, i: int | None) -> str:
        if i is None:
            return "output"
        return self.class_names[i] if i < len(self.class_names) else f"output {i}"

    @classmethod
    def from_model(cls, model: nn.Module, bundle: DataBundle) -> Subject:
        mean = bundle.train.x.float().mean(0).numpy() if len(bundle.train) and bundle.input_kind != "tokens" else None
        return cls(
            tuple(bundle.input_shape), bundle.task, bundle.input_kind, list(bundle.class_names),
            list(bundle.feature_names), conv_layers(model), mean,
        )


def conv_layers(model: nn.Module) -> list[str]:
    return [name for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]


def find_layer(model: nn.Module, name: str) -> nn.Module:
    modules = dict(model.named_modules())
    if name not in modules:
        raise KeyError(name)
    return modules[name]


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Evaluation mode (no dropout, fixed batch-norm statistics) for the attribution, restored afterwards.

    Captum never calls ``eval()`` itself; dropout left on would make every explanation random.
    """
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, training in modes:
            m.train(training)
