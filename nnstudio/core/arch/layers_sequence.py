"""Sequence layers (Embedding, RNN, LSTM, GRU) and global average pooling.

A sequence is shaped steps x features; a plain vector of numbers (steps) counts as one feature per step.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from nnstudio.core.arch.layers import LayerKind, LayerProblem, Shape
from nnstudio.core.arch.modules import GlobalAveragePool, Recurrent
from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import LAYERS, Param


@LAYERS.register(
    "global_avgpool",
    title="GlobalAvgPool",
    category="Convolution",
    help="""
Global average pooling: averages each channel over the whole image (C x H x W becomes C), or a sequence
over all its steps (steps x features becomes features). Strengths: no weights, works for any image size,
and replaces a huge Flatten + Linear at the end of a CNN. Weakness: forgets where in the image (or when
in the sequence) a feature appeared.""",
)
class GlobalAvgPool(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        if len(shape) == 3:
            return (shape[0],)
        if len(shape) == 2:
            return (shape[1],)
        raise LayerProblem(
            f"averages over an image (channels x height x width) or a sequence (steps x features) but receives "
            f"{format_shape(shape)}; remove it, or put it after a convolution or sequence layer"
        )

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return GlobalAveragePool(len(shape) == 3)


@LAYERS.register(
    "embedding",
    title="Embedding",
    category="Sequence",
    params=(
        Param("vocab_size", int, 16, "How many different tokens (whole numbers 0 .. vocab_size-1) can arrive.", 2, 1_000_000),
        Param("embedding_dim", int, 16, "Length of the learned vector that stands for each token.", 1, 4096),
    ),
    help="""
Looks up a learned vector for each token (a whole number such as a word or symbol id), turning a sequence
of ids into a sequence of vectors: steps becomes steps x embedding_dim. Strength: similar tokens can learn
similar vectors. Weakness: only works on integer token inputs, and every token id must be below
vocab_size.""",
)
class Embedding(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        if len(shape) != 1:
            raise LayerProblem(
                f"takes a sequence of token ids (one number per step) but receives {format_shape(shape)}; "
                "use it first, on a dataset of tokens, or use a Linear layer for real-valued features"
            )
        return (shape[0], p["embedding_dim"])

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return nn.Embedding(p["vocab_size"], p["embedding_dim"])

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return f"{p['vocab_size']} tokens → {p['embedding_dim']}"


_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def _sequence_shape(shape: Shape) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], 1
    if len(shape) == 2:
        return shape[0], shape[1]
    fix = "add a Reshape layer before it (for example to 8,8: 8 steps of 8 features)"
    raise LayerProblem(f"needs a sequence shaped steps x features but receives {format_shape(shape)}; {fix}")


def _recurrent(cell: str, title: str, help: str) -> None:
    class RecurrentKind(LayerKind):
        @staticmethod
        def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
            steps, _ = _sequence_shape(shape)
            return (p["hidden_size"],) if p["output"] == "last" else (steps, p["hidden_size"])

        @staticmethod
        def build(p: dict[str, Any], shape: Shape) -> nn.Module:
            _, features = _sequence_shape(shape)
            return Recurrent(cell, features, p["hidden_size"], p["num_layers"], p["output"])

        @staticmethod
        def macs(p: dict[str, Any], shape: Shape, out: Shape) -> int:
            steps, features = _sequence_shape(shape)
            h, gates = p["hidden_size"], _GATES[cell]
            per_step = gates * (features * h + h * h) + (p["num_layers"] - 1) * gates * (2 * h * h)
            return steps * per_step

        @staticmethod
        def summary(p: dict[str, Any]) -> str:
            layers = f" x{p['num_layers']}" if p["num_layers"] > 1 else ""
            return f"{p['hidden_size']} units{layers}, {'last step' if p['output'] == 'last' else 'whole sequence'}"

    RecurrentKind.__name__ = RecurrentKind.__qualname__ = title
    LAYERS.register(
        cell,
        title=title,
        category="Sequence",
        params=(
            Param("hidden_size", int, 32, "Size of the memory (hidden state) carried from step to step.", 1, 4096),
            Param("num_layers", int, 1, "Recurrent layers stacked on top of each other.", 1, 8),
            Param(
                "output", str, "last", "Give only the last step's state (to classify a whole sequence) or every step's.",
                choices=("last", "sequence"), label="Output",
            ),
        ),
        help=help,
    )(RecurrentKind)


_recurrent(
    "rnn", "RNN",
    """
A plain recurrent layer: reads the sequence one step at a time and updates a hidden state h from the new
input and the previous h (through tanh). Strength: simple, few weights, the idea behind all recurrent
networks. Weakness: the gradient is multiplied by the same weights at every step, so it vanishes (or
explodes) over long sequences; it forgets what happened more than a few dozen steps back.""",
)
_recurrent(
    "lstm", "LSTM",
    """
Long short-term memory: a recurrent layer with a separate cell state and gates that decide what to forget,
what to store and what to output. The cell state is updated by addition, so gradients survive many steps
and it can remember an early element of a long sequence. Weakness: four times the weights of a plain RNN,
and slower, because steps run one after another.""",
)
_recurrent(
    "gru", "GRU",
    """
Gated recurrent unit: like an LSTM with two gates (update and reset) and no separate cell state. Remembers
over long sequences nearly as well as an LSTM with three quarters of its weights. Like every recurrent
layer, it processes steps one after another, which limits speed on long sequences.""",
)
