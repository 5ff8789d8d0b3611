"""Slow explanations of the whole model (permutation importance, PDPs, t-SNE...) off the GUI thread.

The same runner as :mod:`runner` (progress and Cancel through an :class:`AttributionControl`), for any
function ``job(control) -> result`` (Cancel raises Cancelled); and ``JobView``, the base of
the whole-model views: a Run / Cancel row, a progress bar and a status line.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget
from torch import nn

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.interpret.control import AttributionControl
from nnstudio.core.interpret.subject import Subject
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.interpret.runner import ControlRunner, throttled
from nnstudio.gui.threads import Completion, Report

Job = Callable[[AttributionControl], Any]


def _run_job(job: Job, control: AttributionControl, report: Report) -> Any:
    """The job, in the worker thread."""
    control.progress = throttled(report)
    return job(control)


class JobRunner(ControlRunner):
    """``completed`` carries the job's result."""

    progress = Signal(float, str)

    what = "The computation"
    thread_name = "nnstudio-interpret-job"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.unit = "steps"

    def start(self, job: Job, unit: str = "steps") -> None:
        self.unit = unit
        self.start_controlled(partial(_run_job, job))

    def _on_progress(self, values: tuple) -> None:
        done, total = values
        self.progress.emit(min(done, total) / max(total, 1), f"{min(done, total):,} of {total:,} {self.unit}")


@dataclass
class Source:
    """What the sub-views explain: a trained copy of the network and the data it was trained on."""

    model: nn.Module | None = None
    subject: Subject | None = None
    bundle: DataBundle | None = None
    problem: str = ""  # why nothing can be explained
    busy: str = ""  # why not now (training is running)

    def test_xy(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.bundle is not None
        split = self.bundle.test if len(self.bundle.test) else self.bundle.validation
        return split.x.numpy(), split.y.numpy()

    def reason(self) -> str:
        if self.problem:
            return self.problem
        if self.busy:
            return self.busy
        if self.model is None or self.subject is None or self.bundle is None:
            return "No trained weights yet: train the network on the Training tab first."
        return ""

    def label_text(self, y: Any) -> str:
        if self.subject is not None and self.subject.task == CLASSIFICATION:
            return self.subject.class_name(int(y))
        return f"{float(np.asarray(y).reshape(-1)[0]):.3g}"


class JobView(QWidget):
    """A sub-view with settings on top, a result below and a Run / Cancel / progress row."""

    run_text = "Run"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = Source()
        self.runner = JobRunner(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.completed.connect(self._on_completed)
        self.run_button = QPushButton(self.run_text)
        self.run_button.setObjectName("runButton")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip("Stop this computation after its current batch")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.run_row = QHBoxLayout()
        self.run_row.addWidget(self.run_button)
        self.run_row.addWidget(self.cancel_button)
        self.run_row.addWidget(self.progress, 1)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(6, 6, 6, 6)

    # ------------------------------------------------------------------ for subclasses
    def set_source(self, source: Source) -> None:
        self.source = source
        self.source_changed()
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        if not self.blocked_reason():
            self.status.setText(f"Press <b>{self.run_text}</b> to compute it for the current network.")
        self.update_actions()

    def source_changed(self) -> None:
        """Refill the choices (features, layers, classes) from ``self.source``."""

    def make_job(self) -> Job:
        raise NotImplementedError

    def show_result(self, result: Any) -> None:
        raise NotImplementedError

    def extra_reason(self) -> str:
        return ""

    def job_model(self) -> nn.Module:
        """A private copy for the worker: the GUI thread keeps using the shared one meanwhile, and hooks a job
        puts on its copy never see another view's passes."""
        return copy.deepcopy(self.source.model)

    unit = "steps"

    # ------------------------------------------------------------------ running
    def blocked_reason(self) -> str:
        return self.source.reason() or self.extra_reason()

    def update_actions(self) -> None:
        running = self.runner.running
        reason = self.blocked_reason()
        self.run_button.setEnabled(not running and not reason)
        self.run_button.setToolTip(reason)
        self.cancel_button.setEnabled(running)
        if reason and not running:
            self.status.setText(reason)

    @Slot()
    def run(self) -> None:
        if self.runner.running:
            return
        reason = self.blocked_reason()
        if reason:
            self.status.setText(reason)
            return
        try:
            job = self.make_job()
        except NNStudioError as exc:
            show_error(self, "Cannot compute", exc)
            return
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self.status.setText("Computing…")
        self.runner.start(job, self.unit)
        self.update_actions()

    @Slot()
    def cancel(self) -> None:
        if self.runner.running:
            self.runner.cancel()
            self.progress.setFormat("Cancelling…")

    @Slot(float, str)
    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(text)

    @Slot(object)
    def _on_completed(self, outcome: Completion) -> None:
        self.update_actions()
        if outcome.cancelled:
            self.progress.setFormat("Cancelled")
            self.status.setText("Cancelled. Nothing was changed; press the button to run it again.")
            return
        if outcome.error:
            self.progress.setFormat("Failed")
            self.status.setText(outcome.error)
            show_error(self, "Cannot compute", outcome.error)
            return
        self.progress.setValue(1000)
        self.progress.setFormat("Done")
        self.show_result(outcome.result)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        return self.runner.shutdown(timeout_ms)
