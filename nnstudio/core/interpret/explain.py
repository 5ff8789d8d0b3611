"""Run one attribution: validate, put the model in eval mode, call the method, return numpy results."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import ATTRIBUTIONS
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.interpret.availability import choice_reasons, method_reason
from nnstudio.core.interpret.control import AttributionControl, AttributionError, GuardedModel
from nnstudio.core.interpret.methods import MethodCall
from nnstudio.core.interpret.subject import Subject, eval_mode


@dataclass
class Prediction:
    scores: np.ndarray  # raw outputs for the example
    probabilities: np.ndarray | None  # softmax, for classifiers
    predicted: int | None  # the class with the highest score (None for a single regression output)
    flat: bool = False  # the network returns (batch,) rather than (batch, outputs); Captum then takes no target


@dataclass
class Attribution:
    method: str
    title: str
    values: np.ndarray  # shaped like the input; Grad-CAM: 1 x height x width
    target: int | None
    target_name: str
    prediction: Prediction
    params: dict[str, Any]
    layout: str  # image / features / grid
    delta: float | None = None  # Integrated Gradients' convergence delta
    evaluations: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def heatmap(self) -> np.ndarray:
        """Height x width for images and grids (channels summed), or the flat per-feature values."""
        if self.layout == "image":
            return self.values.sum(axis=0)
        if self.layout == "grid":
            return self.values
        return self.values.reshape(-1)

    def stats(self) -> dict[str, Any]:
        v = self.values
        out: dict[str, Any] = {
            "method": self.method,
            "target": self.target,
            "target_name": self.target_name,
            "predicted": self.prediction.predicted,
            "score": float(self.prediction.scores.reshape(-1)[self.target or 0]),
            "sum": float(v.sum()),
            "positive_sum": float(v[v > 0].sum()),
            "negative_sum": float(v[v < 0].sum()),
            "max_abs": float(np.abs(v).max()) if v.size else 0.0,
            "evaluations": self.evaluations,
        }
        if self.prediction.probabilities is not None and self.target is not None:
            out["probability"] = float(self.prediction.probabilities[self.target])
        if self.delta is not None:
            out["convergence_delta"] = self.delta
            gap = self.extra.get("score_gap")
            if gap:
                out["relative_delta"] = self.delta / abs(gap)
        return out


def as_batch(x: np.ndarray | torch.Tensor, subject: Subject) -> torch.Tensor:
    """One example as a float batch of 1, checked against the model's input shape."""
    t = torch.as_tensor(np.asarray(x, dtype=np.float32)).detach().clone()
    if tuple(t.shape) == subject.input_shape:
        t = t.unsqueeze(0)
    if tuple(t.shape[1:]) != subject.input_shape or t.shape[0] != 1:
        raise AttributionError(
            f"The example has shape {format_shape(tuple(x.shape))} but the network takes {format_shape(subject.input_shape)}; "
            "pick an example from this project's data"
        )
    return t


def predict(model: nn.Module, x: np.ndarray | torch.Tensor, subject: Subject) -> Prediction:
    batch = as_batch(x, subject)
    with eval_mode(model), torch.no_grad():
        out = model(batch)
    scores = out[0].reshape(-1).double()
    if subject.task == CLASSIFICATION and scores.numel() > 1:
        probs = torch.softmax(scores, 0).numpy()
        return Prediction(scores.numpy(), probs, int(scores.argmax()))
    return Prediction(scores.numpy(), None, 0 if scores.numel() > 1 else None, out.ndim == 1)


def default_target(prediction: Prediction) -> int | None:
    return prediction.predicted


def explain(
    model: nn.Module,
    subject: Subject,
    x: np.ndarray | torch.Tensor,
    method: str,
    params: dict[str, Any] | None = None,
    target: int | None = None,
    control: AttributionControl | None = None,
) -> Attribution:
    """Attribute the model's output for ``target`` (default: the predicted class) to the input ``x``.

    Runs in eval mode (restored afterwards) with gradients on in this thread; raises Cancelled when
    ``control`` is cancelled, checked before every batch of model evaluations.
    """
    entry = ATTRIBUTIONS.get(method)
    reason = method_reason(entry, subject)
    if reason:
        raise AttributionError(reason)
    checked = entry.validate(params or {}, method)
    for (name, choice), why in choice_reasons(entry, subject).items():
        if checked.get(name) == choice:
            raise AttributionError(f"{entry.title}: {name} {choice!r} does not apply here. {why}")
    batch = as_batch(x, subject)
    prediction = predict(model, batch, subject)
    n_out = prediction.scores.size
    if target is None:
        target = default_target(prediction)
    elif not 0 <= target < n_out:
        raise AttributionError(f"Target {target} does not exist; the network has {n_out} outputs (0 to {n_out - 1})")
    control = control or AttributionControl()
    control.check()
    control.start(entry.extra["expected"](checked, subject))
    guarded = GuardedModel(model, control)
    batch.requires_grad_(entry.extra.get("needs_gradients", False))
    with eval_mode(model), torch.enable_grad(), warnings.catch_warnings():
        # Captum warns that it hooks the ReLUs (Guided Grad-CAM); it removes the hooks afterwards.
        warnings.filterwarnings("ignore", message="Setting backward hooks", category=UserWarning)
        call = MethodCall(guarded, batch, None if prediction.flat else target, checked, subject)
        computed = entry.obj(call)
    values = computed.values.detach()[0].double().numpy()
    control.check()
    return Attribution(
        method, entry.title, values, target, subject.class_name(target) if subject.task == CLASSIFICATION else subject.class_name(None),
        prediction, checked, subject.layout, computed.delta, control.evaluated, computed.extra,
    )

