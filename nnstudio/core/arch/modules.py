"""Small ``nn.Module`` classes that torch lacks in the form a layer stack needs.

Each class depends only on ``torch`` and ``math``: "Export as PyTorch code" copies their source verbatim
into the exported file, so the exported network is the very same code the app trains. ``constructor_args``
gives the arguments that rebuild an instance, for the same reason.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class Recurrent(nn.Module):
    """An RNN, LSTM or GRU that returns the last time step or the whole output sequence.

    Accepts a sequence of numbers (batch x steps) as one feature per step.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int, output: str) -> None:
        super().__init__()
        self.cell, self.output = cell, output
        rnn_class = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = rnn_class(input_size, hidden_size, num_layers, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 2:
            x = x.unsqueeze(-1)
        out, _ = self.rnn(x)
        return out[:, -1] if self.output == "last" else out

    def constructor_args(self) -> str:
        r = self.rnn
        return f"{self.cell!r}, {r.input_size}, {r.hidden_size}, {r.num_layers}, {self.output!r}"


class GlobalAveragePool(nn.Module):
    """Averages an image over height and width, or a sequence over its steps."""

    def __init__(self, image: bool) -> None:
        super().__init__()
        self.image = image

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3)) if self.image else x.mean(dim=1)

    def constructor_args(self) -> str:
        return repr(self.image)


class PositionalEncoding(nn.Module):
    """Adds fixed sine/cosine waves of different frequencies so attention can tell positions apart."""

    def __init__(self, steps: int, dim: int) -> None:
        super().__init__()
        self.steps, self.dim = steps, dim
        position = torch.arange(steps, dtype=torch.float32).unsqueeze(1)
        freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
        table = torch.zeros(steps, dim)
        table[:, 0::2] = torch.sin(position * freq)
        table[:, 1::2] = torch.cos(position * freq)[:, : dim // 2]
        self.register_buffer("table", table, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table

    def constructor_args(self) -> str:
        return f"{self.steps}, {self.dim}"


class SelfAttention(nn.Module):
    """Multi-head self-attention: every step looks at every step (queries, keys and values all from x)."""

    def __init__(self, dim: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(dim, num_heads, dropout=dropout, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.attention(x, x, x, need_weights=False)
        return out

    def reset_parameters(self) -> None:
        # nn.MultiheadAttention only has the private _reset_parameters; re-seeding needs it public.
        self.attention._reset_parameters()

    def constructor_args(self) -> str:
        a = self.attention
        return f"{a.embed_dim}, {a.num_heads}, {a.dropout}"


class TransformerEncoderBlock(nn.Module):
    """One Transformer encoder layer (self-attention then a feed-forward net, each with a skip and a norm)."""

    def __init__(self, dim: int, num_heads: int, dim_feedforward: int, dropout: float, activation: str, norm_first: bool) -> None:
        super().__init__()
        self.args = (dim, num_heads, dim_feedforward, dropout, activation, norm_first)
        self.layer = nn.TransformerEncoderLayer(
            dim, num_heads, dim_feedforward, dropout, activation, batch_first=True, norm_first=norm_first
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)

    def reset_parameters(self) -> None:
        self.layer.self_attn._reset_parameters()

    def constructor_args(self) -> str:
        return ", ".join(repr(a) for a in self.args)


class ReshapeTo(nn.Module):
    """Rearranges each example into ``shape`` (batch dimension kept)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def constructor_args(self) -> str:
        return repr(self.shape)


class BasicBlock(nn.Module):
    """A ResNet basic block: two 3x3 convolutions with batch norm, added to a shortcut (a 1x1 convolution with
    batch norm when the size changes), then ReLU. Its weights are named as in torchvision's ResNet-18."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.args = (in_channels, out_channels, stride)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                            nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + shortcut)

    def constructor_args(self) -> str:
        return ", ".join(repr(a) for a in self.args)


HELPER_MODULES = (Recurrent, GlobalAveragePool, PositionalEncoding, SelfAttention, TransformerEncoderBlock, ReshapeTo,
                  BasicBlock)
