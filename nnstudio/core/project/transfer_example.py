"""The transfer-learning example: a small CNN learns digits 0-4, then only its head is fine-tuned on digits 5-9
from 10 examples per class, beside the same network trained from scratch on those 50 examples.

Each digit sits at a random spot of a 14x14 canvas (``digits_subset``'s ``shift``), so a network has to learn
strokes wherever they are; 50 examples are too few for that, which is what the pretrained convolutions bring.
``resources/examples/transfer_digits.nnstudio`` ships the fine-tuning project with the pretrained weights in it
(``python -m nnstudio.core.workspace.transfer`` regenerates it): Train keeps the frozen convolutions'
weights and trains the head afresh, standalone."""

from __future__ import annotations

from pathlib import Path

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec, SplitSpec, StepSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec

EXAMPLE_NAME = "transfer_digits"
SHIFT = 3  # 8x8 digits on a 14x14 canvas
FEW = 10  # training examples per class when fine-tuning


def example_file(folder: Path) -> Path:
    return folder / f"{EXAMPLE_NAME}.nnstudio"


def architecture(frozen_body: bool) -> ArchitectureSpec:
    """Two convolution blocks (the body, frozen when fine-tuning) and a Linear head with 5 outputs."""
    body = [layer("conv2d", out_channels=32, kernel_size=3, padding=1), layer("relu"), layer("maxpool2d", kernel_size=2),
            layer("conv2d", out_channels=64, kernel_size=3, padding=1), layer("relu"), layer("maxpool2d", kernel_size=2)]
    for b in body:
        b.frozen = frozen_body
    return ArchitectureSpec([*body, layer("flatten"), layer("linear", out_features=5)], name="DigitsCNN")


def pretraining() -> Project:
    """Digits 0-4, every example, shifted further at random while training (augment_crop)."""
    return Project(
        "CNN on digits 0-4 (pretraining)", architecture(False),
        DataSpec("digits_subset", {"classes": "0-4", "shift": SHIFT}, [StepSpec("augment_crop", {"padding": 2})]),
        TrainSpec.from_dict({"device": "cpu", "optimizer": "adam", "lr": 3e-3, "batch_size": 32, "epochs": 40}),
    )


def few_shot(frozen_body: bool, seed: int = 0) -> Project:
    """Digits 5-9 from 10 training examples of each (all 50 in one batch); every other 5-9 digit is the test set."""
    name = "Fine-tune the head on digits 5-9 (10 examples each)" if frozen_body else "The same CNN from scratch on the 50 examples"
    return Project(
        name, architecture(frozen_body),
        DataSpec("digits_subset", {"classes": "5-9", "per_class": FEW, "shift": SHIFT},
                 split=SplitSpec(validation=0.0, test=0.0), seed=seed),
        TrainSpec.from_dict({"device": "cpu", "optimizer": "adam", "lr": 1e-2, "batch_size": 5 * FEW, "epochs": 30,
                             "seed": seed}),
    )


def fine_tuning(pretrained: dict, seed: int = 0) -> Project:
    """The few-shot project with the convolutions frozen and every layer holding the pretrained weights."""
    project = few_shot(True, seed)
    project.weights = {k: v.clone() for k, v in pretrained.items()}
    return project
