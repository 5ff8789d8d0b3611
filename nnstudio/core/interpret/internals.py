"""Inside the network: feature maps, first-layer filters, layer conductance and the latent space.

All functions take a trained model and numpy inputs and return numpy; the slow ones (the latent space
over the test set, t-SNE) report progress and stop on Cancel through an :class:`AttributionControl`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from nnstudio.core.interpret.control import AttributionControl, AttributionError
from nnstudio.core.interpret.subject import Subject, conv_layers, eval_mode, find_layer

PCA, TSNE = "pca", "tsne"
PROJECTIONS = {PCA: "PCA (fast, keeps large distances)", TSNE: "t-SNE (slow, keeps neighbours together)"}


def layer_choices(model: nn.Module) -> list[str]:
    """Named modules that compute something (containers and the model itself left out), first to last."""
    return [name for name, m in model.named_modules() if name and not list(m.children())]


def _layer(model: nn.Module, name: str) -> nn.Module:
    try:
        return find_layer(model, name)
    except KeyError:
        known = ", ".join(layer_choices(model)) or "none"
        raise AttributionError(f"The network has no layer {name!r}; choose one of: {known}") from None


def _batch(x: np.ndarray, subject: Subject) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x, dtype=np.float32))
    return t.unsqueeze(0) if tuple(t.shape) == subject.input_shape else t


@contextmanager
def _capture(layer: nn.Module) -> Iterator[list[torch.Tensor]]:
    seen: list[torch.Tensor] = []

    def hook(_m: nn.Module, _i: Any, out: Any) -> None:
        seen.append((out[0] if isinstance(out, tuple) else out).detach())

    handle = layer.register_forward_hook(hook)
    try:
        yield seen
    finally:
        handle.remove()


def activations(model: nn.Module, x: np.ndarray, layer: str, subject: Subject) -> np.ndarray:
    """What ``layer`` outputs for a batch (or one example), as numpy."""
    module = _layer(model, layer)
    with eval_mode(model), torch.no_grad(), _capture(module) as seen:
        model(_batch(x, subject))
    return seen[-1].double().numpy()


def feature_maps(model: nn.Module, x: np.ndarray, layer: str, subject: Subject) -> np.ndarray:
    """Channels x height x width: what each filter of a convolutional layer sees in one example."""
    if layer not in conv_layers(model):
        raise AttributionError(f"{layer!r} is not a convolutional layer; feature maps need one of: {', '.join(conv_layers(model)) or 'none'}")
    return activations(model, x, layer, subject)[0]


def first_conv_filters(model: nn.Module) -> np.ndarray:
    """The first convolutional layer's weights: filters x input channels x kernel height x kernel width."""
    names = conv_layers(model)
    if not names:
        raise AttributionError("The network has no convolutional layer, so there are no filters to show; add a Conv2d layer")
    return find_layer(model, names[0]).weight.detach().double().numpy().copy()


@dataclass
class Conductance:
    layer: str
    per_unit: np.ndarray  # one value per neuron / channel: its share of the target score
    values: np.ndarray  # the layer's full attribution for the example (channels x ... or units)
    target: int | None
    delta: float


def layer_conductance(model: nn.Module, subject: Subject, x: np.ndarray, layer: str, target: int | None = None,
                      steps: int = 32, control: AttributionControl | None = None) -> Conductance:
    """Captum's LayerConductance: how much of the score flows through each unit of ``layer``."""
    from captum.attr import LayerConductance

    module = _layer(model, layer)
    control = control or AttributionControl()
    control.start(1)
    control.check()
    batch = _batch(x, subject)
    with eval_mode(model), torch.no_grad():
        out = model(batch)
    if target is None and out.ndim > 1 and out.shape[-1] > 1:
        target = int(out.argmax(-1)[0])
    flat = out.ndim == 1
    with eval_mode(model), torch.enable_grad():
        values, delta = LayerConductance(model, module).attribute(
            batch, baselines=torch.zeros_like(batch), target=None if flat else (target or 0), n_steps=steps,
            return_convergence_delta=True,
        )
    control.advance(1)
    v = values.detach()[0].double().numpy()
    per_unit = v.reshape(v.shape[0], -1).sum(1) if v.ndim > 1 else v
    return Conductance(layer, per_unit, v, target, float(delta.abs().sum()))


# ------------------------------------------------------------------ latent space
@dataclass
class Latent:
    layer: str
    method: str
    points: np.ndarray  # examples x 2
    labels: np.ndarray
    predicted: np.ndarray
    dimensions: int  # size of the hidden representation that was projected
    explained: float | None = None  # PCA: share of the variance the 2 axes keep
    dead_units: int = 0  # numbers of the representation that are 0 for every example (units that never fire)


def kept_share_text(share: float) -> str:
    """A kept share as a percentage that never reads 100% unless it is all: 0.996 is '99.6%', not '100%'."""
    if share >= 1.0:
        return "100%"
    if share >= 0.995:
        return f"{math.floor(share * 1000) / 10:.1f}%"
    return f"{share:.0%}"


def dead_units_text(latent: Latent) -> str:
    """A sentence when most of the representation never fires (the map then shows only the few live units)."""
    dead, size = latent.dead_units, latent.dimensions
    if not dead or 2 * dead <= size:
        return ""
    if dead == size:
        return f" All {size} units never fire on this data: every example lands on the same point."
    return f" {dead} of {size} units never fire on this data; the map shows the other {size - dead}."


def hidden_representation(model: nn.Module, subject: Subject, x: np.ndarray, layer: str, batch: int = 256,
                          control: AttributionControl | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every example's output at ``layer`` flattened to a vector, and the network's predictions."""
    module = _layer(model, layer)
    control = control or AttributionControl()
    hidden, predicted = [], []
    with eval_mode(model), torch.no_grad(), _capture(module) as seen:
        for i in range(0, len(x), batch):
            control.check()
            xb = torch.as_tensor(np.asarray(x[i : i + batch], dtype=np.float32))
            out = model(xb)
            hidden.append(seen.pop().reshape(len(xb), -1).double().numpy())
            seen.clear()
            predicted.append(out.argmax(-1).numpy() if out.ndim > 1 and out.shape[-1] > 1 else out.reshape(len(xb), -1)[:, 0].numpy())
            control.advance(len(xb))
    return np.concatenate(hidden), np.concatenate(predicted)


_tsne_local = threading.local()
_tsne_lock = threading.Lock()
_tsne_patched = False


def _install_tsne_hook() -> None:
    """Let t-SNE's optimiser report each iteration to this thread's control (progress and Cancel).

    scikit-learn's TSNE has no callback; its gradient descent calls the module's KL-divergence function
    every iteration, so that function is wrapped once. Threads without a control are not affected.
    """
    global _tsne_patched
    with _tsne_lock:
        if _tsne_patched:
            return
        from sklearn.manifold import _t_sne

        for name in ("_kl_divergence", "_kl_divergence_bh"):
            original = getattr(_t_sne, name)

            def wrapped(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                control = getattr(_tsne_local, "control", None)
                if control is not None:
                    control.check()
                    control.advance(1)
                return _original(*args, **kwargs)

            setattr(_t_sne, name, wrapped)
        _tsne_patched = True


def project_2d(hidden: np.ndarray, method: str = PCA, seed: int = 0, iterations: int = 500,
               control: AttributionControl | None = None) -> tuple[np.ndarray, float | None]:
    """Examples x 2 from examples x dimensions, by PCA or t-SNE (scikit-learn)."""
    control = control or AttributionControl()
    n = len(hidden)
    if n < 3:
        raise AttributionError("A 2-D map needs at least 3 examples; enlarge the test split")
    hidden = np.asarray(hidden, dtype=np.float64)
    if method == PCA:
        from sklearn.decomposition import PCA as SkPCA

        # The 2 axes' variance over the variance of all the dimensions; 0 when nothing varies (every unit
        # constant), where scikit-learn's ratio is 0/0 = NaN.
        total = float(hidden.var(axis=0, ddof=1).sum())
        if hidden.shape[1] < 2:
            return np.column_stack([hidden[:, 0], np.zeros(n)]), 1.0 if total > 0 else 0.0
        if total == 0:
            return np.zeros((n, 2)), 0.0
        pca = SkPCA(n_components=2, random_state=seed)
        points = pca.fit_transform(hidden)
        return points, min(1.0, float(pca.explained_variance_.sum()) / total)
    if method == TSNE:
        from sklearn.decomposition import PCA as SkPCA
        from sklearn.manifold import TSNE as SkTSNE

        _install_tsne_hook()
        if hidden.shape[1] > 50:  # the usual first step: PCA to 50 dimensions speeds t-SNE up, keeps the structure
            hidden = SkPCA(n_components=min(50, n), random_state=seed).fit_transform(hidden)
        perplexity = float(min(30.0, max(2.0, (n - 1) / 3)))
        control.start(iterations)
        _tsne_local.control = control
        try:
            points = SkTSNE(2, perplexity=perplexity, init="pca", random_state=seed, max_iter=iterations).fit_transform(hidden)
        finally:
            _tsne_local.control = None
        return points, None
    raise AttributionError(f"Unknown projection {method!r}; choose one of: {', '.join(PROJECTIONS)}")


def latent_space(model: nn.Module, subject: Subject, x: np.ndarray, y: np.ndarray, layer: str, method: str = PCA,
                 seed: int = 0, control: AttributionControl | None = None) -> Latent:
    """The test set's hidden representation at ``layer``, projected to 2-D: one point per example."""
    if subject.input_kind == "tokens":
        raise AttributionError("The latent space view needs numeric inputs; this network reads tokens")
    control = control or AttributionControl()
    control.start(len(x))
    hidden, predicted = hidden_representation(model, subject, x, layer, control=control)
    points, explained = project_2d(hidden, method, seed, control=control)
    control.check()
    dead = int(np.all(hidden == 0, axis=0).sum())
    return Latent(layer, method, np.asarray(points, dtype=np.float64), np.asarray(y), predicted, hidden.shape[1], explained, dead)
