"""Model outputs for whole splits: eval mode, no gradients, in chunks so big splits fit in memory."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from nnstudio.core.base.errors import Cancelled, NNStudioError
from nnstudio.core.base.jobs import JobToken
from nnstudio.core.training.engine import locate_failure

PREDICT_CHUNK = 1024


class EvaluationCancelled(Cancelled):
    """The user cancelled an evaluation; nothing was changed."""

    def __init__(self) -> None:
        super().__init__("The evaluation was cancelled; press Evaluate to run it again")


def predict_outputs(
    model: nn.Module,
    x: torch.Tensor,
    *,
    chunk: int = PREDICT_CHUNK,
    token: JobToken | None = None,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Raw outputs (float64 numpy) for every row of ``x``; the model's train/eval mode is restored after.

    Eval mode matters: dropout must be off and batch norm must use its running statistics, otherwise the
    same example gets different predictions on every call.
    """
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    parts: list[np.ndarray] = []
    try:
        with torch.no_grad():
            for start in range(0, len(x), chunk):
                if token is not None:
                    token.raise_if_cancelled(EvaluationCancelled)
                xb = x[start : start + chunk].to(device)
                try:
                    out = model(xb)
                except RuntimeError as exc:
                    detail = locate_failure(model, xb) or str(exc)
                    raise NNStudioError(f"The network cannot process this data: {detail}") from None
                parts.append(out.detach().to("cpu", torch.float64).reshape(len(xb), -1).numpy())
                if progress is not None:
                    progress(min(start + chunk, len(x)))
    finally:
        model.train(was_training)
    if not parts:
        return np.zeros((0, 1))
    return np.concatenate(parts)


def probabilities(outputs: np.ndarray) -> np.ndarray:
    """Class probabilities from raw outputs: softmax over several outputs, or a sigmoid for one binary logit
    (giving the two columns [P(class 0), P(class 1)])."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if outputs.shape[1] == 1:
        p1 = 1.0 / (1.0 + np.exp(-np.clip(outputs[:, 0], -500, 500)))
        return np.stack([1.0 - p1, p1], axis=1)
    shifted = outputs - outputs.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def predict_one(model: nn.Module, x: np.ndarray, task: str) -> np.ndarray:
    """One example (model input space, no batch axis): class probabilities, or the predicted value(s)."""
    from nnstudio.core.data.bundle import CLASSIFICATION

    tensor = torch.as_tensor(np.ascontiguousarray(x))[None]
    if tensor.dtype == torch.float64:
        tensor = tensor.float()
    out = predict_outputs(model, tensor)
    return probabilities(out)[0] if task == CLASSIFICATION else out[0]
