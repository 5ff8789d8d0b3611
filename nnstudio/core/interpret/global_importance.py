"""Global importance: which input features matter to the model over the whole test set.

Two answers that can disagree, which is the lesson: permutation importance (shuffle one column, how much
worse does the model get? scikit-learn's ``permutation_importance``) measures what the *score* depends on;
mean |Integrated Gradients| (averaged over the test examples) measures what the *output* is sensitive to.
Both work on tabular vectors and 2-D grids of numbers (each cell one feature), not on images.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.interpret.control import AttributionControl, AttributionError
from nnstudio.core.interpret.subject import IMAGE, Subject, eval_mode

PERMUTATION, MEAN_ABS_IG = "permutation", "mean_abs_ig"
METHOD_TITLES = {PERMUTATION: "Permutation importance", MEAN_ABS_IG: "Mean |Integrated Gradients|"}


@dataclass
class GlobalImportance:
    method: str
    names: list[str]
    values: np.ndarray  # one per feature; larger = more important
    spread: np.ndarray  # standard deviation over repeats (permutation) or examples (IG)
    metric: str  # what the values measure, in words
    examples: int
    baseline_score: float | None = None
    extra: dict[str, float] = field(default_factory=dict)

    def ranking(self) -> list[int]:
        """Feature indices, most important first."""
        return [int(i) for i in np.argsort(-self.values, kind="stable")]


def check_features(subject: Subject) -> None:
    if subject.input_kind == "tokens":
        raise AttributionError("Global importance needs numeric inputs; this network reads whole-number tokens")
    if subject.layout == IMAGE:
        raise AttributionError(
            "Global importance ranks named features of tabular or 2-D data; for images use the per-example "
            "methods (Grad-CAM, Integrated Gradients) or the Inside the network view"
        )


def predict_batches(model: nn.Module, x: np.ndarray, batch: int = 512, control: AttributionControl | None = None) -> np.ndarray:
    """The model's raw outputs for many examples (numpy in, numpy out), in eval mode without gradients."""
    outs = []
    with eval_mode(model), torch.no_grad():
        for i in range(0, len(x), batch):
            if control is not None:
                control.check()
            out = model(torch.as_tensor(np.ascontiguousarray(x[i : i + batch]), dtype=torch.float32))
            outs.append(out.reshape(out.shape[0], -1).double().numpy())
    return np.concatenate(outs) if outs else np.zeros((0, 1))


def score(outputs: np.ndarray, y: np.ndarray, task: str) -> float:
    """Accuracy for classifiers, negative mean squared error for regression (higher is better for both)."""
    if task == CLASSIFICATION and outputs.shape[1] > 1:
        return float((outputs.argmax(1) == y.reshape(-1)).mean())
    return -float(((outputs.reshape(len(y), -1) - y.reshape(len(y), -1)) ** 2).mean())


def _names(subject: Subject, n: int) -> list[str]:
    if subject.layout == "grid":
        h, w = subject.input_shape
        return [f"row {i // w + 1}, column {i % w + 1}" for i in range(n)]
    return [subject.feature_name(i) for i in range(n)]


def permutation_importance(
    model: nn.Module, subject: Subject, x: np.ndarray, y: np.ndarray, repeats: int = 5, seed: int = 0,
    control: AttributionControl | None = None,
) -> GlobalImportance:
    """How much the test score drops when one feature's column is shuffled (its link to the label broken)."""
    from sklearn.inspection import permutation_importance as sk_permutation

    check_features(subject)
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y)
    if len(x) < 2:
        raise AttributionError("Permutation importance needs at least 2 test examples; enlarge the test split")
    flat = x.reshape(len(x), -1)
    shape = subject.input_shape
    control = control or AttributionControl()
    control.start(flat.shape[1] * repeats + 1)

    class _Estimator:  # what scikit-learn's function calls: predict + our scorer, nothing to fit
        def fit(self, *_: object) -> _Estimator:
            return self

    def scorer(_est: object, xs: np.ndarray, ys: np.ndarray) -> float:
        out = predict_batches(model, xs.reshape((len(xs), *shape)), control=control)
        control.advance(1)
        return score(out, ys, subject.task)

    result = sk_permutation(_Estimator(), flat, y, scoring=scorer, n_repeats=repeats, random_state=seed, n_jobs=None)
    base = score(predict_batches(model, x), y, subject.task)
    metric = "drop in accuracy" if subject.task == CLASSIFICATION else "rise in mean squared error"
    return GlobalImportance(
        PERMUTATION, _names(subject, flat.shape[1]), np.asarray(result.importances_mean, dtype=np.float64),
        np.asarray(result.importances_std, dtype=np.float64), metric, len(x), base,
    )


def mean_abs_ig(
    model: nn.Module, subject: Subject, x: np.ndarray, steps: int = 32, baseline: str = "zeros", batch: int = 64,
    control: AttributionControl | None = None,
) -> GlobalImportance:
    """Integrated Gradients for every test example (towards its predicted class), averaged as |value|."""
    from captum.attr import IntegratedGradients

    check_features(subject)
    x = np.asarray(x, dtype=np.float32)
    if not len(x):
        raise AttributionError("The test split is empty; there is nothing to average over")
    control = control or AttributionControl()
    control.start(len(x))
    if baseline == "mean" and subject.train_mean is not None:
        base = torch.as_tensor(np.asarray(subject.train_mean, dtype=np.float32)).reshape(subject.input_shape)
    else:
        base = torch.zeros(subject.input_shape)
    chunks = []
    with eval_mode(model), torch.enable_grad():
        ig = IntegratedGradients(model)
        for i in range(0, len(x), batch):
            control.check()
            xb = torch.as_tensor(x[i : i + batch])
            with torch.no_grad():
                out = model(xb)
            flat_out = out.ndim == 1 or out.shape[-1] == 1
            target = None if out.ndim == 1 else (torch.zeros(len(xb), dtype=torch.long) if flat_out else out.argmax(-1))
            values = ig.attribute(xb, baselines=base.expand_as(xb).contiguous(), target=target, n_steps=steps, internal_batch_size=batch * 4)
            chunks.append(values.detach().abs().reshape(len(xb), -1).double().numpy())
            control.advance(len(xb))
    values = np.concatenate(chunks)
    return GlobalImportance(
        MEAN_ABS_IG, _names(subject, values.shape[1]), values.mean(0), values.std(0),
        "mean |attribution| towards the predicted class", len(x),
    )


def global_importance(method: str, model: nn.Module, subject: Subject, x: np.ndarray, y: np.ndarray,
                      control: AttributionControl | None = None, **params: object) -> GlobalImportance:
    if method == PERMUTATION:
        return permutation_importance(model, subject, x, y, control=control, **params)  # type: ignore[arg-type]
    if method == MEAN_ABS_IG:
        return mean_abs_ig(model, subject, x, control=control, **params)  # type: ignore[arg-type]
    raise AttributionError(f"Unknown global importance {method!r}; choose {PERMUTATION} or {MEAN_ABS_IG}")
