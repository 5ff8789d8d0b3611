"""Live attributions: one example explained again at the end of every epoch while the network trains.

The callback runs in the training thread. At each epoch's end it copies the model (``copy.deepcopy``),
moves the copy to the CPU in eval mode and explains the chosen example with it, so the run's own module is
never switched to eval mode or hooked. It hands a plain numpy map (plus the epoch and the prediction) to
``sink``, which the GUI turns into a queued signal.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.interpret.explain import explain
from nnstudio.core.interpret.subject import Subject
from nnstudio.core.training.callbacks import Callback

if TYPE_CHECKING:
    from nnstudio.core.training.engine import TrainingState

log = logging.getLogger("nnstudio")

LIVE_METHODS = {"ig": "Integrated Gradients", "gradcam": "Grad-CAM"}


@dataclass
class LiveFrame:
    epoch: int
    heat: np.ndarray  # height x width (images, grids) or one value per feature
    values: np.ndarray  # the full attribution, shaped like the input (Grad-CAM: 1 x h x w)
    method: str
    target_name: str
    predicted: int | None
    probability: float | None
    metrics: dict[str, float]
    error: str = ""


class LiveAttributionCallback(Callback):
    """Explain ``x`` with ``method`` at every epoch end on a CPU copy of the weights; send a LiveFrame to ``sink``."""

    def __init__(self, subject: Subject, x: np.ndarray, sink: Callable[[LiveFrame], None], method: str = "ig",
                 params: dict[str, Any] | None = None, target: int | None = None, every: int = 1) -> None:
        self.subject = subject
        self.x = np.array(x, dtype=np.float32, copy=True)
        self.sink = sink
        self.method = method
        # Signed Grad-CAM: early in training the evidence is often all "against", which positive-only would blank out.
        self.params = dict(params or ({"steps": 24} if method == "ig" else {"positive_only": False}))
        self.target = target
        self.every = max(1, every)
        self.enabled = True  # plain attribute: the GUI may switch it off between epochs

    def frame(self, model: Any, epoch: int, metrics: dict[str, float]) -> LiveFrame:
        snapshot = copy.deepcopy(model).cpu().eval()
        for m in snapshot.modules():
            # Hooks other views put on the run's module (live statistics) must not see the copy's passes.
            m._forward_hooks.clear()
            m._forward_pre_hooks.clear()
            m._backward_hooks.clear()
        snapshot.requires_grad_(False)
        try:
            result = explain(snapshot, self.subject, self.x, self.method, self.params, self.target)
        except NNStudioError as exc:
            return LiveFrame(epoch, np.zeros(0), np.zeros(0), self.method, "", None, None, metrics, str(exc))
        p = result.prediction
        probability = float(p.probabilities[result.target]) if p.probabilities is not None and result.target is not None else None
        return LiveFrame(epoch, np.array(result.heatmap(), copy=True), np.array(result.values, copy=True), self.method,
                         result.target_name, p.predicted, probability, metrics)

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None:
        if not self.enabled or state.epoch % self.every:
            return
        plain = {k: float(v) for k, v in metrics.items()}
        self.sink(self.frame(state.model, state.epoch, plain))
