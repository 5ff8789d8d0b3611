"""ResNet-18 as an editable stack (stem, eight basic blocks, pooling, a Linear head) and the map from a
torchvision ResNet-18 state dict's names to the stack's, so pretrained weights saved from torchvision (read
from a local file with ``weights_only=True``; nothing is downloaded) load into it layer by layer."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec

STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))  # each stage: two basic blocks, the first with this stride
FIRST_BLOCK = 5  # the stack's position of layer1.0 (after conv, batch norm, ReLU and max pool)
HEAD = FIRST_BLOCK + 2 * len(STAGES) + 1  # after the eight blocks and the global average pool


def resnet18(classes: int = 1000) -> ArchitectureSpec:
    """torchvision's ResNet-18, layer for layer: 11.7 million weights for 1000 classes."""
    blocks = [layer("basic_block", out_channels=c, stride=s if b == 0 else 1) for c, s in STAGES for b in range(2)]
    return ArchitectureSpec([
        layer("conv2d", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False),
        layer("batchnorm"),
        layer("relu"),
        layer("maxpool2d", kernel_size=3, stride=2, padding=1),
        *blocks,
        layer("global_avgpool"),
        layer("linear", out_features=classes),
    ], name="ResNet18")


def resnet18_project(folder: str | Path = "", classes: int = 1000) -> Project:
    """ResNet-18 on a folder of colour photos (one sub-folder per class), 64x64; Fit to data sets the head."""
    return Project(
        "ResNet-18 on my image folder", resnet18(classes),
        DataSpec("image_folder", {"path": str(folder), "size": 64, "color": "rgb"}),
        TrainSpec.from_dict({"device": "auto", "optimizer": "adam", "lr": 1e-3, "batch_size": 32, "epochs": 5}),
    )


_BLOCK = re.compile(r"^layer([1-4])\.([01])\.(.+)$")


def looks_like_torchvision_resnet(state: dict[str, torch.Tensor]) -> bool:
    return "conv1.weight" in state and "fc.weight" in state and "layer1.0.conv1.weight" in state


def from_torchvision(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The tensors of a torchvision ResNet-18 state dict under the stack's names (conv1 -> conv2d1, layer2.1 ->
    basic_block8, fc -> linear14 ...); names it does not know are kept as they are, so the report names them."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        head, _, rest = key.partition(".")
        if head == "conv1":
            key = f"conv2d1.{rest}"
        elif head == "bn1":
            key = f"batchnorm2.{rest}"
        elif head == "fc":
            key = f"linear{HEAD}.{rest}"
        elif m := _BLOCK.match(key):
            stage, block, inner = int(m[1]), int(m[2]), m[3]
            key = f"basic_block{FIRST_BLOCK + 2 * (stage - 1) + block}.{inner}"
        out[key] = value
    return out
