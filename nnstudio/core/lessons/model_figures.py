"""Figures read off a finished run's network itself rather than its scores: the Backpropagation lesson's
hand-worked step, the Latent space lesson's code, the Architectures lesson's weights and attention. Each
function takes the run's :class:`Trainer`; ``figures.FIGURES`` names them.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from nnstudio.core.arch.modules import SelfAttention, TransformerEncoderBlock
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.interpret.vae_views import latent_layer
from nnstudio.core.lessons.backprop import BackpropStep, one_step
from nnstudio.core.training.engine import Trainer, new_model


def untrained(trainer: Trainer) -> nn.Module:
    """The run's network as it started: a copy re-initialised from the run's seed (as RunSession.fresh did)."""
    return new_model(copy.deepcopy(trainer.model), trainer.spec.seed).eval()


def first_sample(trainer: Trainer) -> tuple[torch.Tensor, torch.Tensor]:
    train = trainer.bundle.train
    return train.x[:1].to(trainer.device), train.y[:1].to(trainer.device)


def backprop_step(trainer: Trainer) -> BackpropStep:
    """The run's first training sample worked forward and back by hand through the untrained network, with
    the run's loss and learning rate: what the run's first optimizer step did."""
    x, y = first_sample(trainer)
    return one_step(untrained(trainer), x, y, trainer.spec.loss, trainer.spec.lr)


def gradient_error(trainer: Trainer) -> float:
    return backprop_step(trainer).max_error


def loss_before_step(trainer: Trainer) -> float:
    return backprop_step(trainer).loss


def loss_after_step(trainer: Trainer) -> float:
    """The sample's loss under the run's own network after it trained (one step, in this lesson)."""
    x, y = first_sample(trainer)
    model = copy.deepcopy(trainer.model).eval()
    return one_step(model, x, y, trainer.spec.loss, trainer.spec.lr).loss


# ---------------------------------------------------------------------------------------------- latent space
def _mse(model: nn.Module, trainer: Trainer) -> float:
    test = trainer.bundle.test
    with torch.no_grad():
        out = model(test.x.to(trainer.device))
        return float(torch.mean((out.reshape(test.y.shape) - test.y.to(trainer.device)) ** 2))


def untrained_test_mse(trainer: Trainer) -> float:
    """The test set's mean squared error under the run's network before it trained: what learning improved on."""
    return _mse(untrained(trainer), trainer)


def encode(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Each example's code at the bottleneck (the encoder half of the network)."""
    stop = latent_layer(model, x[:1])
    h = x
    with torch.no_grad():
        for layer in list(model.children())[:stop + 1]:
            h = layer(h)
    return h.reshape(len(x), -1)


def digit_classes(images: torch.Tensor) -> torch.Tensor:
    """The digit each 8x8 image shows, looked up in scikit-learn's digits (the reconstruction dataset's target
    is the image itself, so its split carries no class)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    lookup = {row.tobytes(): int(label) for row, label in zip((d.images / 16.0).astype("float32").reshape(len(d.images), -1),
                                                               d.target, strict=True)}
    flat = images.detach().cpu().float().reshape(len(images), -1).numpy()
    return torch.tensor([lookup.get(row.tobytes(), -1) for row in flat])


def latent_knn_accuracy(trainer: Trainer, k: int = 5) -> float:
    """Share of test digits whose class is the majority of the ``k`` training digits nearest to them in the
    latent plane: how well the code keeps the classes apart, though the network never saw a label."""
    model = copy.deepcopy(trainer.model).eval()
    train, test = trainer.bundle.train, trainer.bundle.test
    codes_train, codes_test = encode(model, train.x.to(trainer.device)), encode(model, test.x.to(trainer.device))
    return knn_accuracy(codes_train, digit_classes(train.x), codes_test, digit_classes(test.x), k)


def knn_accuracy(points: torch.Tensor, labels: torch.Tensor, queries: torch.Tensor, truth: torch.Tensor,
                 k: int = 5) -> float:
    """Share of ``queries`` whose ``k`` nearest ``points`` have ``truth`` as their most common label."""
    nearest = torch.cdist(queries.float(), points.float()).topk(k, largest=False).indices.cpu()
    votes = labels[nearest].mode(dim=1).values
    return float((votes == truth).float().mean())


# ---------------------------------------------------------------------------------------------- architectures
class NoAttentionLayer(NNStudioError):
    """The attention figures were asked of a network without an attention layer."""


def parameter_count(trainer: Trainer) -> float:
    """How many numbers the network learns (weights and biases)."""
    return float(sum(p.numel() for p in trainer.model.parameters() if p.requires_grad))


ATTENTION_LAYERS = (SelfAttention, TransformerEncoderBlock)


def has_attention(model: nn.Module) -> bool:
    return any(isinstance(m, ATTENTION_LAYERS) for m in model.modules())


def attention_maps(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The first attention layer's weights for each example: (examples, heads, query step, key step); row q
    is how much step q draws on each step. Computed from the layer's own input and projections."""
    layer = next((m for m in model.modules() if isinstance(m, ATTENTION_LAYERS)), None)
    if layer is None:
        raise NoAttentionLayer("this network has no attention layer (self-attention or Transformer encoder) to show")
    seen: list[torch.Tensor] = []
    hook = layer.register_forward_pre_hook(lambda _module, args: seen.append(args[0]))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(x)
            inputs = seen[0]
            if isinstance(layer, SelfAttention):
                attention = layer.attention
            else:  # a Transformer layer attends to its input, or to its normalised input when it normalises first
                attention = layer.layer.self_attn
                inputs = layer.layer.norm1(inputs) if layer.layer.norm_first else inputs
            _, weights = attention(inputs, inputs, inputs, need_weights=True, average_attn_weights=False)
    finally:
        hook.remove()
        model.train(was_training)
    return weights


def attention_row_sum_error(trainer: Trainer) -> float:
    """The largest distance from 1 of any attention row's sum, over the test examples and every head."""
    weights = attention_maps(trainer.model, trainer.bundle.test.x.to(trainer.device))
    return float((weights.sum(dim=-1) - 1).abs().max())
