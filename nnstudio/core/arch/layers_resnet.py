"""The ResNet basic block as one layer kind, so a ResNet-18 is a stack of 14 layers in the editor and a
torchvision ResNet-18's weights map onto it layer by layer (see :mod:`nnstudio.core.project.resnet`)."""

from __future__ import annotations

from typing import Any

from torch import nn

from nnstudio.core.arch.layers import LayerKind, LayerProblem, Shape, _need_image
from nnstudio.core.arch.modules import BasicBlock
from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import LAYERS, Param


@LAYERS.register(
    "basic_block",
    title="ResNet basic block",
    category="Structure",
    params=(
        Param("out_channels", int, 64, "Channels of the block's output (its filters).", 1, 4096),
        Param("stride", int, 1, "2 halves height and width (the first block of each ResNet stage), 1 keeps them.", 1, 2),
    ),
    help="""
ResNet's building block: two 3x3 convolutions, each with batch norm, whose result is added to the block's
input (the shortcut; a 1x1 convolution when the channels or size change) before a ReLU. The shortcut lets the
gradient through many blocks, which is what makes deep networks such as ResNet-18 trainable.""",
)
class BasicBlockKind(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        _need_image(shape, "ResNet basic block")
        _, h, w = shape
        s = p["stride"]
        oh, ow = (h - 1) // s + 1, (w - 1) // s + 1
        if h < 1 or w < 1:
            raise LayerProblem(f"receives {format_shape(shape)}, too small for its 3x3 convolutions")
        return (p["out_channels"], oh, ow)

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return BasicBlock(shape[0], p["out_channels"], p["stride"])

    @staticmethod
    def macs(p: dict[str, Any], shape: Shape, out: Shape) -> int:
        positions = out[1] * out[2]
        c_in, c_out = shape[0], out[0]
        shortcut = c_in * c_out if p["stride"] != 1 or c_in != c_out else 0
        return positions * (9 * c_in * c_out + 9 * c_out * c_out + shortcut)

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return f"{p['out_channels']} channels" + (" /2" if p["stride"] == 2 else "")
