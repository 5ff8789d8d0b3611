"""Evaluation off the GUI thread: big splits take seconds to predict (see :mod:`nnstudio.gui.threads`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal
from torch import nn

from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.evaluate.predict import EvaluationCancelled
from nnstudio.core.evaluate.report import EvaluationReport, evaluate
from nnstudio.core.evaluate.tryit import RawView, raw_view
from nnstudio.gui.threads import Report, ThreadRunner


@dataclass
class EvaluationOutcome:
    report: EvaluationReport | None
    raw: RawView | None = None
    error: str = ""
    cancelled: bool = False


def _evaluate(model: nn.Module, bundle: DataBundle, spec: DataSpec, base_dir: Path | None, cancel: threading.Event, report: Report) -> EvaluationOutcome:
    """The job, in the worker thread."""
    try:
        result = evaluate(model, bundle, cancel=cancel, progress=report)
    except EvaluationCancelled as exc:
        return EvaluationOutcome(None, error=str(exc), cancelled=True)
    return EvaluationOutcome(result, raw_view(spec, bundle, base_dir))


class EvaluationRunner(ThreadRunner):
    """``finished`` carries an EvaluationOutcome, failures and Cancel included."""

    progress = Signal(int, int, str)

    what = "The evaluation"
    thread_name = "nnstudio-evaluation"

    def start(self, model: nn.Module, bundle: DataBundle, spec: DataSpec, base_dir: Path | None) -> None:
        self.start_job(partial(_evaluate, model, bundle, spec, base_dir, self.cancel_event))

    def _on_progress(self, values: tuple) -> None:
        self.progress.emit(*values)

    def _deliver_failure(self, message: str) -> None:
        self.finished.emit(EvaluationOutcome(None, error=message))
