"""Builder shapes and parameter counts, checked against torch itself, and ShapeError messages."""

import pytest
import torch
from torch import nn

from nnstudio.core.arch.builder import build
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.base.errors import ShapeError
from nnstudio.core.base.registry import LAYERS

# (layer, input shape, reference torch module): the builder's shape and count must match torch's.
CASES = [
    (layer("linear", in_features=6, out_features=4), (6,), nn.Linear(6, 4)),
    (layer("linear", out_features=3, bias=False), (5, 7), nn.Linear(7, 3, bias=False)),
    (layer("conv2d", out_channels=5, kernel_size=3, padding=1), (2, 9, 9), nn.Conv2d(2, 5, 3, padding=1)),
    (layer("conv2d", out_channels=4, kernel_size=5, stride=2), (3, 16, 12), nn.Conv2d(3, 4, 5, stride=2)),
    (layer("maxpool2d", kernel_size=2), (3, 9, 8), nn.MaxPool2d(2)),
    (layer("avgpool2d", kernel_size=3, stride=2), (2, 11, 11), nn.AvgPool2d(3, 2)),
    (layer("flatten"), (2, 3, 4), nn.Flatten()),
    (layer("reshape", shape="2,-1"), (12,), nn.Unflatten(1, (2, 6))),
    (layer("dropout", p=0.3), (10,), nn.Dropout(0.3)),
    (layer("batchnorm"), (7,), nn.BatchNorm1d(7)),
    (layer("batchnorm"), (3, 5, 5), nn.BatchNorm2d(3)),
    (layer("layernorm"), (4, 6), nn.LayerNorm(6)),
    (layer("relu"), (5,), nn.ReLU()),
    (layer("leaky_relu", negative_slope=0.2), (5,), nn.LeakyReLU(0.2)),
    (layer("sigmoid"), (5,), nn.Sigmoid()),
    (layer("tanh"), (5,), nn.Tanh()),
    (layer("gelu"), (5,), nn.GELU()),
    (layer("elu", alpha=0.5), (5,), nn.ELU(0.5)),
    (layer("softmax"), (5,), nn.Softmax(dim=-1)),
]


@pytest.mark.parametrize(("spec", "shape", "reference"), CASES, ids=[f"{c[0].kind}-{i}" for i, c in enumerate(CASES)])
def test_layer_shape_and_count_match_torch(spec, shape, reference):
    built = build(ArchitectureSpec([spec]), shape)
    reference.eval()
    built.module.eval()
    x = torch.randn(2, *shape)
    expected = reference(x)
    assert built.layers[0].out_shape == tuple(expected.shape[1:])
    assert built.layers[0].params == sum(p.numel() for p in reference.parameters())
    assert tuple(built.module(x).shape) == tuple(expected.shape)


def test_every_foundation_layer_kind_is_covered():
    covered = {c[0].kind for c in CASES} | {"residual"}
    foundation = {
        "linear", "conv2d", "maxpool2d", "avgpool2d", "flatten", "reshape", "dropout", "batchnorm", "layernorm",
        "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "elu", "softmax", "residual",
    }
    assert foundation <= set(LAYERS.names())
    assert foundation <= covered


def test_activations_are_separate_non_inplace_modules():
    built = build(ArchitectureSpec([layer("linear", out_features=3), layer("relu"), layer("leaky_relu"), layer("elu")]), (4,))
    for module in built.module:
        assert getattr(module, "inplace", False) is False


def test_default_simple_nn_counts_and_totals():
    spec = ArchitectureSpec([layer("flatten"), layer("linear", in_features=64, out_features=128), layer("relu"), layer("linear", in_features=128, out_features=10)])
    built = build(spec, (1, 8, 8))
    assert [l.out_shape for l in built.layers] == [(64,), (128,), (128,), (10,)]
    assert built.total_params == 64 * 128 + 128 + 128 * 10 + 10
    assert built.trainable_params == built.total_params
    assert built.macs == 64 * 128 + 128 * 10
    assert built.size_kb == pytest.approx(built.total_params * 4 / 1024)
    assert [name for name, _ in built.module.named_children()] == ["flatten1", "linear2", "relu3", "linear4"]


def test_nested_residual_stack_builds_and_counts():
    block = layer("residual", children=[layer("linear", out_features=8), layer("relu"), layer("linear", out_features=8)])
    built = build(ArchitectureSpec([layer("linear", out_features=8), block, layer("linear", out_features=2)]), (4,))
    indexes = [l.index for l in built.layers]
    assert indexes == ["1", "2", "2.1", "2.2", "2.3", "3"]
    assert built.layers[1].params == 2 * (8 * 8 + 8)
    x = torch.randn(3, 4)
    assert built.module(x).shape == (3, 2)


def test_residual_must_preserve_shape():
    block = layer("residual", children=[layer("linear", out_features=3)])
    with pytest.raises(ShapeError, match="must give back the shape") as info:
        build(ArchitectureSpec([block]), (4,))
    assert "Layer 1 (Residual block)" in str(info.value)
    assert "must give back the shape" in str(info.value)


def test_linear_mismatch_names_layer_received_shape_and_fix():
    spec = ArchitectureSpec([layer("linear", in_features=784, out_features=10)])
    with pytest.raises(ShapeError, match="expects 784 input features") as info:
        build(spec, (1, 8, 8))
    message = str(info.value)
    assert message.startswith("Layer 1 (Linear) expects 784 input features but receives 1x8x8 = 64 values")
    assert "add a Flatten layer" in message
    assert info.value.index == "1" and info.value.received == (1, 8, 8)


def test_linear_mismatch_after_flatten_offers_one_click_fix():
    spec = ArchitectureSpec([layer("flatten"), layer("linear", in_features=784, out_features=10)])
    with pytest.raises(ShapeError, match="set in_features to 64") as info:
        build(spec, (1, 8, 8))
    assert str(info.value) == "Layer 2 (Linear) expects 784 input features but receives 64; set in_features to 64"
    assert info.value.fix == {"in_features": 64}


def test_conv_on_flat_input_and_too_small_image():
    with pytest.raises(ShapeError, match=r"Layer 1 \(Conv2d\) needs an image .* receives 64; add a Reshape"):
        build(ArchitectureSpec([layer("conv2d")]), (64,))
    with pytest.raises(ShapeError, match="smaller than its 5x5 kernel"):
        build(ArchitectureSpec([layer("conv2d", kernel_size=5)]), (1, 3, 3))


def test_reshape_with_wrong_count_explains():
    with pytest.raises(ShapeError, match=r"cannot reshape 10 = 10 values into 1x8x8 = 64 values"):
        build(ArchitectureSpec([layer("reshape", shape="1,8,8")]), (10,))
