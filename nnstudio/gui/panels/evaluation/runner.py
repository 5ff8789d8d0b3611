"""Evaluation off the GUI thread: big splits take seconds to predict (see :mod:`nnstudio.gui.threads`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Signal
from torch import nn

from nnstudio.core.base.jobs import JobToken
from nnstudio.core.data.assemble import PreparedData, RawView
from nnstudio.core.evaluate.report import EvaluationReport, evaluate
from nnstudio.gui.threads import Report, ThreadRunner


@dataclass
class EvaluationOutcome:
    report: EvaluationReport
    raw: RawView | None = None


def _evaluate(model: nn.Module, prepared: PreparedData, token: JobToken, report: Report) -> EvaluationOutcome:
    """The job, in the worker thread; Cancel raises EvaluationCancelled. The raw view is the document's."""
    return EvaluationOutcome(evaluate(model, prepared.bundle, token=token), prepared.raw_view)


class EvaluationRunner(ThreadRunner):
    """``completed`` carries an EvaluationOutcome as its result."""

    progress = Signal(int, int, str)

    what = "The evaluation"
    thread_name = "nnstudio-evaluation"

    def start(self, model: nn.Module, prepared: PreparedData) -> None:
        self.start_job(partial(_evaluate, model, prepared))

    def _on_progress(self, values: tuple) -> None:
        self.progress.emit(*values)
