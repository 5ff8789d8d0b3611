"""Layer kinds, checked against torch itself: shapes, parameter counts, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nnstudio.core.arch.builder import build, build_partial
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.base.errors import ShapeError


def run(spec_layers, shape, dtype=torch.float32, high=None):
    built = build(ArchitectureSpec(spec_layers), shape)
    x = torch.randint(0, high, (3, *shape)) if high else torch.randn(3, *shape, dtype=dtype)
    built.module.eval()
    with torch.no_grad():
        y = built.module(x)
    assert tuple(y.shape[1:]) == built.output_shape
    return built, y


@pytest.mark.parametrize("cell,torch_class", [("rnn", nn.RNN), ("lstm", nn.LSTM), ("gru", nn.GRU)])
@pytest.mark.parametrize("output,expected", [("last", (12,)), ("sequence", (7, 12))])
def test_recurrent_shapes_and_counts_match_torch(cell, torch_class, output, expected):
    built, _ = run([layer(cell, hidden_size=12, num_layers=2, output=output)], (7, 5))
    assert built.output_shape == expected
    reference = torch_class(5, 12, 2, batch_first=True)
    assert built.layers[0].params == sum(p.numel() for p in reference.parameters())


def test_recurrent_last_step_equals_torch_output():
    built = build(ArchitectureSpec([layer("gru", hidden_size=4, output="last")]), (6, 3))
    x = torch.randn(2, 6, 3)
    full, _ = built.module[0].rnn(x)
    assert torch.allclose(built.module(x), full[:, -1])


def test_recurrent_takes_plain_sequence_as_one_feature():
    built, _ = run([layer("lstm", hidden_size=8)], (10,))
    assert built.layers[0].params == sum(p.numel() for p in nn.LSTM(1, 8).parameters())


def test_embedding_then_lstm_on_tokens():
    built, _ = run([layer("embedding", vocab_size=20, embedding_dim=6), layer("lstm", hidden_size=5)], (9,), high=20)
    assert built.layers[0].out_shape == (9, 6)
    assert built.layers[0].params == 20 * 6


def test_attention_layers_keep_shape_and_count_like_torch():
    built, _ = run([
        layer("positional_encoding"),
        layer("self_attention", num_heads=2),
        layer("transformer_encoder", num_heads=4, dim_feedforward=32),
    ], (5, 8))
    assert [l.out_shape for l in built.layers] == [(5, 8)] * 3
    assert built.layers[0].params == 0
    assert built.layers[1].params == sum(p.numel() for p in nn.MultiheadAttention(8, 2).parameters())
    assert built.layers[2].params == sum(p.numel() for p in nn.TransformerEncoderLayer(8, 4, 32).parameters())
    assert built.layers[2].macs > built.layers[1].macs > 0


def test_positional_encoding_adds_distinct_rows():
    built = build(ArchitectureSpec([layer("positional_encoding")]), (4, 6))
    out = built.module(torch.zeros(1, 4, 6))[0]
    assert not torch.allclose(out[0], out[1])
    assert torch.allclose(out[0, 1::2], torch.ones(3))  # cos(0) = 1


def test_heads_must_divide_features_with_fix():
    with pytest.raises(ShapeError, match="8 is not divisible by 3") as info:
        build(ArchitectureSpec([layer("self_attention", num_heads=3)]), (5, 8))
    assert "not divisible" in str(info.value)
    assert info.value.fix == {"num_heads": 2}


def test_sequence_layers_explain_wrong_input():
    with pytest.raises(ShapeError, match="Reshape"):
        build(ArchitectureSpec([layer("transformer_encoder")]), (1, 8, 8))
    with pytest.raises(ShapeError, match="sequence shaped steps x features"):
        build(ArchitectureSpec([layer("lstm")]), (1, 8, 8))
    with pytest.raises(ShapeError, match="token ids"):
        build(ArchitectureSpec([layer("embedding")]), (4, 4))


def test_global_avgpool_on_images_and_sequences():
    built, y = run([layer("global_avgpool")], (3, 4, 4))
    assert built.output_shape == (3,)
    x = torch.randn(2, 3, 4, 4)
    assert torch.allclose(built.module(x), nn.AdaptiveAvgPool2d(1)(x).flatten(1))
    built, _ = run([layer("global_avgpool")], (7, 5))
    assert built.output_shape == (5,)
    with pytest.raises(ShapeError, match="averages over an image"):
        build(ArchitectureSpec([layer("global_avgpool")]), (5,))


def test_build_partial_keeps_facts_before_the_misfit():
    spec = ArchitectureSpec([layer("flatten"), layer("linear", in_features=10), layer("relu")])
    built, infos, error = build_partial(spec, (1, 8, 8))
    assert built is None and error is not None and error.index == "2"
    assert [i.index for i in infos] == ["1"]
    assert error.fix == {"in_features": 64}
