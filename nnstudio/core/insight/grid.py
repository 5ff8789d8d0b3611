"""Decision boundaries and neuron responses over the raw 2-D input plane (as in TensorFlow Playground).

Grid points live in the *raw* feature space the student sees; they go through the fitted preprocessing
(``bundle.pipeline.transform``) and then the model, exactly like a real example would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from nnstudio.core.data.assemble import PreparedData
from nnstudio.core.data.bundle import CLASSIFICATION

PAD = 0.12  # the plane reaches this fraction of the data's span beyond the outermost points
MAX_NEURONS = 24  # per layer: the maps stay big enough to read (the Inside tab fits 16 at 96+ px)
MAX_NEURON_LAYERS = 3


@dataclass
class Plane:
    """The raw plane's extent and the raw points drawn on it."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    train_x: np.ndarray  # (n, 2) raw features
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    feature_names: list[str] = field(default_factory=list)


def plane_from_raw(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                   feature_names: list[str] | None = None) -> Plane:
    both = np.concatenate([train_x, test_x]) if len(test_x) else train_x
    lo, hi = both.min(axis=0), both.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    lo, hi = lo - PAD * span, hi + PAD * span
    return Plane((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1])), train_x, train_y, test_x, test_y,
                 list(feature_names or []))


def plane_for(prepared: PreparedData) -> Plane | None:
    """The raw plane of a project's prepared data, or None when the examples are not two numeric features."""
    raw = prepared.raw
    if raw.x.ndim != 2 or raw.x.shape[1] != 2 or raw.input_kind != "float" or raw.x.dtype.kind not in "fiu":
        return None
    x = raw.x.astype(np.float64)
    test_x, test_y = (x[prepared.test_idx], raw.y[prepared.test_idx]) if raw.fixed_test is None else (
        np.asarray(raw.fixed_test[0], dtype=np.float64), raw.fixed_test[1])
    train_x, train_y = x[prepared.train_idx], raw.y[prepared.train_idx]
    # A point with a missing coordinate has no place on the plane; draw the complete ones.
    train_ok, test_ok = np.isfinite(train_x).all(axis=1), np.isfinite(test_x).all(axis=1)
    if not train_ok.any():
        return None
    return plane_from_raw(train_x[train_ok], train_y[train_ok], test_x[test_ok], test_y[test_ok], raw.feature_names)


def grid_points(plane: Plane, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, points): points[i * res + j] = (xs[j], ys[i]), so values reshape to (res, res) rows = y."""
    xs = np.linspace(*plane.x_range, resolution)
    ys = np.linspace(*plane.y_range, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def prepared_inputs(points: np.ndarray, pipeline, device: torch.device | str = "cpu") -> torch.Tensor:
    x = pipeline.transform(points.astype(np.float32)) if pipeline is not None else points
    return torch.as_tensor(np.asarray(x, dtype=np.float32), device=device)


@dataclass
class BoundaryGrid:
    """The model over the plane. ``probs`` (res, res, classes) for classification, ``values`` (res, res)
    the predicted class (classification) or predicted value (regression)."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    probs: np.ndarray | None
    task: str


def outputs_to_grid(outputs: torch.Tensor, res: int, task: str) -> tuple[np.ndarray, np.ndarray | None]:
    out = outputs.detach().float().cpu()
    if task == CLASSIFICATION:
        if out.ndim == 1 or out.shape[-1] == 1:  # one logit: P(class 1)
            p1 = torch.sigmoid(out.reshape(-1))
            probs = torch.stack([1 - p1, p1], dim=-1)
        else:
            probs = torch.softmax(out.reshape(out.shape[0], -1), dim=-1)
        probs_np = probs.numpy().reshape(res, res, -1)
        return probs_np.argmax(-1), probs_np
    return out.reshape(out.shape[0], -1)[:, 0].numpy().reshape(res, res), None


@torch.no_grad()
def boundary_grid(model: nn.Module, pipeline, plane: Plane, task: str, resolution: int = 100,
                  inputs: torch.Tensor | None = None) -> BoundaryGrid:
    """Predict every grid point. ``inputs`` (the prepared grid, cached by live views) skips the pipeline."""
    xs, ys, points = grid_points(plane, resolution)
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    if inputs is None:
        inputs = prepared_inputs(points, pipeline, device)
    was_training = model.training
    model.eval()
    try:
        outputs = model(inputs)
    finally:
        model.train(was_training)
    values, probs = outputs_to_grid(outputs, resolution, task)
    return BoundaryGrid(xs, ys, values, probs, task)


# ---------------------------------------------------------------------------- neurons
@dataclass
class NeuronLayer:
    """What each hidden neuron of one layer outputs over the plane, with its incoming weights."""

    title: str  # "Layer 2 (Linear → ReLU)"
    responses: np.ndarray  # (units, res, res)
    weights: np.ndarray  # (units, inputs)
    bias: np.ndarray  # (units,), zeros when the layer has none
    input_names: list[str]
    total: int = 0  # the layer's units (more than ``responses`` holds when capped); 0: unknown


def leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(name, m) for name, m in model.named_modules() if not list(m.children()) and name]


def _hidden_linears(model: nn.Module) -> list[tuple[int, str, nn.Linear, nn.Module]]:
    """(position, name, linear, module whose output shows the neurons) for each Linear but the last."""
    leaves = leaf_modules(model)
    found = []
    for i, (name, m) in enumerate(leaves):
        if isinstance(m, nn.Linear):
            shown = m
            nxt = leaves[i + 1][1] if i + 1 < len(leaves) else None
            if nxt is not None and not any(True for _ in nxt.parameters()) and not isinstance(nxt, nn.Dropout):
                shown = nxt  # the activation after it: what the next layer receives
            found.append((i, name, m, shown))
    return found[:-1]  # the last Linear is the output layer


@torch.no_grad()
def neuron_responses(model: nn.Module, pipeline, plane: Plane, resolution: int = 40,
                     input_names: list[str] | None = None, inputs: torch.Tensor | None = None,
                     max_layers: int = MAX_NEURON_LAYERS, max_units: int = MAX_NEURONS) -> list[NeuronLayer]:
    """The first hidden layers' neurons over the plane (forward hooks, removed before returning)."""
    hidden = _hidden_linears(model)[:max_layers]
    if not hidden:
        return []
    _, _, points = grid_points(plane, resolution)
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    if inputs is None:
        inputs = prepared_inputs(points, pipeline, device)
    captured: dict[int, torch.Tensor] = {}
    handles = []
    for k, (_, _, _, shown) in enumerate(hidden):
        handles.append(shown.register_forward_hook(lambda _m, _i, out, k=k: captured.__setitem__(k, out.detach())))
    was_training = model.training
    model.eval()
    try:
        model(inputs)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    layers = []
    names = list(input_names or [])
    for k, (_, _name, linear, shown) in enumerate(hidden):
        out = captured.get(k)
        if out is None or out.ndim != 2:
            continue
        units = min(out.shape[1], max_units)
        responses = out[:, :units].float().cpu().numpy().T.reshape(units, resolution, resolution)
        weight = linear.weight.detach().float().cpu().numpy()[:units]
        bias = linear.bias.detach().float().cpu().numpy()[:units] if linear.bias is not None else np.zeros(units)
        act = "" if shown is linear else f" → {type(shown).__name__}"
        layer_names = names if len(names) == weight.shape[1] else [f"in {j + 1}" for j in range(weight.shape[1])]
        layers.append(NeuronLayer(f"Hidden layer {k + 1} (Linear{act})", responses, weight, bias, layer_names,
                                  int(out.shape[1])))
        names = [f"h{k + 1}.{j + 1}" for j in range(out.shape[1])]
    return layers


def describe_neuron(layer: NeuronLayer, unit: int, limit: int = 12) -> str:
    """Hover text: the neuron's incoming weights and bias."""
    w = layer.weights[unit]
    lines = [f"{layer.title}, neuron {unit + 1}", f"bias {layer.bias[unit]:+.3f}"]
    order = np.argsort(-np.abs(w))[:limit]
    lines += [f"w from {layer.input_names[j]}: {w[j]:+.3f}" for j in sorted(order)]
    if len(w) > limit:
        lines.append(f"… {len(w) - limit} more weights")
    return "\n".join(lines)
