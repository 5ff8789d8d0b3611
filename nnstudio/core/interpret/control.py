"""Progress and Cancel for attributions: the model is wrapped so every batch of evaluations checks in.

Captum's slow methods (Occlusion, LIME, KernelSHAP) call the model many times, in batches of
``perturbations_per_eval`` examples. The wrapper raises :class:`Cancelled` before each call once the job's
:class:`~nnstudio.core.base.jobs.JobToken` was cancelled, so a Cancel takes effect within one batch, and it
counts the examples evaluated for the progress bar.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from nnstudio.core.base import errors
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.jobs import JobToken


class AttributionError(NNStudioError):
    """An attribution cannot be computed as asked (wrong input, unknown layer, method does not apply)."""


class Cancelled(errors.Cancelled):
    """The user pressed Cancel; nothing was computed."""

    def __init__(self) -> None:
        super().__init__("The attribution was cancelled; press Explain to run it again")


ProgressCallback = Callable[[int, int], None]  # (examples evaluated, expected total)


class AttributionControl:
    """The worker thread's count of model evaluations (check, advance) for one job; Cancel is its ``token``'s."""

    def __init__(self, progress: ProgressCallback | None = None, token: JobToken | None = None) -> None:
        self.token = token or JobToken()
        self.progress = progress
        self.evaluated = 0
        self.calls = 0
        self.expected = 1

    def check(self) -> None:
        self.token.raise_if_cancelled(Cancelled)

    def start(self, expected: int) -> None:
        self.evaluated, self.calls, self.expected = 0, 0, max(1, int(expected))

    def advance(self, examples: int) -> None:
        self.evaluated += examples
        self.calls += 1
        if self.progress is not None:
            self.progress(min(self.evaluated, self.expected), self.expected)


class GuardedModel(nn.Module):
    """The model as Captum sees it: checks Cancel before each batch and counts evaluations.

    It is a module (not a plain function) because Guided Grad-CAM looks for the ReLUs inside it.
    """

    def __init__(self, model: nn.Module, control: AttributionControl) -> None:
        super().__init__()
        self.inner = model
        self.control = control

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.control.check()
        out = self.inner(x)
        self.control.advance(int(x.shape[0]) if x.ndim else 1)
        return out
