"""Architectures for data types: at the same weight budget a CNN beats a dense network on shifted digits, an
LSTM remembers the marked step a plain RNN forgets, and the attention weights shown are the ones the
Transformer layer uses, each row adding up to 1."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nnstudio.core.arch.modules import SelfAttention, TransformerEncoderBlock
from nnstudio.core.lessons import model_figures
from nnstudio.core.lessons.experiments import run_lesson
from nnstudio.core.lessons.format import find_lesson


def test_architectures_lesson_outcome():
    result = run_lesson(find_lesson("architectures_for_data_types"))
    assert result.outcome_met, [c.sentence() for c in result.checks if not c.met]
    f = result.figures
    assert abs(f["parameters@cnn"] - f["parameters@mlp"]) <= 0.05 * f["parameters@mlp"]  # a fair comparison
    assert f["test_accuracy@cnn"] >= f["test_accuracy@mlp"] + 0.02
    assert f["test_accuracy@lstm"] >= f["test_accuracy@rnn"] + 0.15
    assert f["attention_row_sum_error@transformer"] <= 1e-5
    assert f["test_accuracy@transformer"] > 0.5  # it learned to read the digits, so its attention means something


def _attend(attention: nn.MultiheadAttention, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Multi-head attention's output rebuilt from the weights: each head's weighted average of its values,
    the heads side by side, then the output projection."""
    dim, heads = attention.embed_dim, attention.num_heads
    values = nn.functional.linear(x, attention.in_proj_weight[2 * dim:], attention.in_proj_bias[2 * dim:])
    values = values.reshape(len(x), x.shape[1], heads, dim // heads).transpose(1, 2)
    mixed = (weights @ values).transpose(1, 2).reshape(len(x), x.shape[1], dim)
    return attention.out_proj(mixed)


def test_the_attention_shown_is_the_attention_used():
    torch.manual_seed(0)
    x = torch.randn(3, 5, 8)
    attention_only = nn.Sequential(SelfAttention(8, 2, 0.0)).eval()
    weights = model_figures.attention_maps(attention_only, x)
    assert weights.shape == (3, 2, 5, 5)
    assert torch.allclose(_attend(attention_only[0].attention, x, weights), attention_only(x), atol=1e-5)
    assert torch.allclose(weights.sum(-1), torch.ones(3, 2, 5), atol=1e-6)
    for norm_first in (False, True):
        block = TransformerEncoderBlock(8, 2, 16, 0.0, "relu", norm_first).eval()
        layer = block.layer
        w = model_figures.attention_maps(nn.Sequential(block), x)
        with torch.no_grad():
            if norm_first:
                h = x + _attend(layer.self_attn, layer.norm1(x), w)
                expected = h + layer.linear2(torch.relu(layer.linear1(layer.norm2(h))))
            else:
                h = layer.norm1(x + _attend(layer.self_attn, x, w))
                expected = layer.norm2(h + layer.linear2(torch.relu(layer.linear1(h))))
            assert torch.allclose(expected, block(x), atol=1e-5), norm_first


def test_a_network_without_attention_says_so():
    with pytest.raises(model_figures.NoAttentionLayer, match="no attention layer"):
        model_figures.attention_maps(nn.Sequential(nn.Linear(2, 2)), torch.zeros(1, 2))
