"""Attention layers: positional encoding, multi-head self-attention and a Transformer encoder layer.

All work on sequences shaped steps x features (the feature size is called the model dimension).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from nnstudio.core.arch.layers import LayerKind, LayerProblem, Shape
from nnstudio.core.arch.modules import PositionalEncoding, SelfAttention, TransformerEncoderBlock
from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import LAYERS, Param


def _need_sequence(shape: Shape) -> tuple[int, int]:
    if len(shape) != 2:
        fix = (
            "add an Embedding (for tokens) or a Reshape to steps,features and a Linear layer before it"
            if len(shape) == 1 else "add a Reshape layer before it (for example 8,8: 8 steps of 8 features)"
        )
        raise LayerProblem(f"needs a sequence shaped steps x features but receives {format_shape(shape)}; {fix}")
    return shape[0], shape[1]


def _heads_fit(dim: int, heads: int) -> None:
    if dim % heads:
        fitting = max(h for h in range(1, min(heads, dim) + 1) if dim % h == 0)
        raise LayerProblem(
            f"splits {dim} features into {heads} heads, but {dim} is not divisible by {heads}; "
            f"set num_heads to {fitting} or change the feature size",
            {"num_heads": fitting},
        )


def _attention_macs(steps: int, dim: int) -> int:
    # Query/key/value and output projections, plus the scores and the weighted sum of values.
    return 4 * steps * dim * dim + 2 * steps * steps * dim


@LAYERS.register(
    "positional_encoding",
    title="Positional encoding",
    category="Attention",
    help="""
Adds to each step a fixed pattern of sine and cosine waves that is different for every position.
Attention by itself treats the sequence as an unordered set; with this added, it can tell the first step
from the last. No weights. Put it after the Embedding (or the Linear that sets the model dimension) and
before the attention layers.""",
)
class PositionalEncodingKind(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        _need_sequence(shape)
        return shape

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return PositionalEncoding(*shape)


@LAYERS.register(
    "self_attention",
    title="Self-attention",
    category="Attention",
    params=(
        Param("num_heads", int, 2, "Independent attention patterns; must divide the feature size.", 1, 64),
        Param("dropout", float, 0.0, "Dropout on the attention weights during training.", 0.0, 0.9),
    ),
    help="""
Multi-head self-attention: every step builds a query, compares it with a key from every other step, and
takes a weighted average of their values. So each output step can draw on any other step directly, however
far away, in one layer. Strengths: long-range relations, parallel over steps. Weaknesses: cost grows with
the square of the sequence length, and it ignores order unless a positional encoding is added.""",
)
class SelfAttentionKind(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        _, dim = _need_sequence(shape)
        _heads_fit(dim, p["num_heads"])
        return shape

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return SelfAttention(shape[1], p["num_heads"], p["dropout"])

    @staticmethod
    def macs(p: dict[str, Any], shape: Shape, out: Shape) -> int:
        return _attention_macs(*shape)

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return f"{p['num_heads']} heads"


@LAYERS.register(
    "transformer_encoder",
    title="Transformer encoder",
    category="Attention",
    params=(
        Param("num_heads", int, 2, "Attention heads; must divide the feature size.", 1, 64),
        Param("dim_feedforward", int, 64, "Width of the feed-forward network inside the layer.", 1, 16384),
        Param("dropout", float, 0.1, "Dropout inside the layer during training.", 0.0, 0.9),
        Param("activation", str, "relu", "Non-linearity of the feed-forward network.", choices=("relu", "gelu")),
        Param("norm_first", bool, False, "Normalize before each sub-layer (pre-norm), which trains more stably when deep."),
    ),
    help="""
One Transformer encoder layer: multi-head self-attention, then a small two-layer feed-forward network
applied to every step, each wrapped in a skip connection and LayerNorm. The building block of BERT and of
vision transformers. Strengths: relates any two steps directly, trains in parallel, stacks deep. Weaknesses:
needs a positional encoding to know the order, cost grows with the square of the sequence length, and it
wants more data than a small RNN or CNN.""",
)
class TransformerEncoderKind(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        _, dim = _need_sequence(shape)
        _heads_fit(dim, p["num_heads"])
        return shape

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return TransformerEncoderBlock(shape[1], p["num_heads"], p["dim_feedforward"], p["dropout"], p["activation"], p["norm_first"])

    @staticmethod
    def macs(p: dict[str, Any], shape: Shape, out: Shape) -> int:
        steps, dim = shape
        return _attention_macs(steps, dim) + 2 * steps * dim * p["dim_feedforward"]

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return f"{p['num_heads']} heads, ff {p['dim_feedforward']}"
