"""Attributions off the GUI thread (see :mod:`nnstudio.gui.threads`), with progress and Cancel.

The worker explains a list of tasks one after another on its own copy of the trained model. Cancel cancels
the job's token, which the wrapped model checks before every batch of evaluations (see
``nnstudio.core.interpret.control``), so it takes effect within one batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from torch import nn

from nnstudio.core.base.jobs import JobToken
from nnstudio.core.interpret.control import AttributionControl, ProgressCallback
from nnstudio.core.interpret.explain import Attribution, explain
from nnstudio.core.interpret.subject import Subject
from nnstudio.core.training.callbacks import Throttle
from nnstudio.gui.threads import Report, ThreadRunner


@dataclass
class Task:
    key: str  # where the result goes: "A", "B", or "grid:<n>"
    x: np.ndarray
    method: str
    params: dict[str, Any]
    target: int | None


@dataclass
class Outcome:
    results: dict[str, Attribution] = field(default_factory=dict)


def throttled(send: ProgressCallback, interval: float = 0.05) -> ProgressCallback:
    """A control's progress callback that sends at most once per ``interval`` (and always the last one)."""
    throttle = Throttle(interval)

    def progress(done: int, total: int) -> None:
        if done >= total or throttle.ready():
            send(done, total)

    return progress


def _explain_all(model: nn.Module, subject: Subject, tasks: list[Task], control: AttributionControl, report: Report) -> Outcome:
    """The job, in the worker thread: the tasks one after another (Cancel raises Cancelled)."""
    outcome = Outcome()
    current = [0]  # the task being explained, for the progress text
    control.progress = throttled(lambda done, total: report(current[0], len(tasks), done, total))
    for number, task in enumerate(tasks):
        current[0] = number
        outcome.results[task.key] = explain(model, subject, task.x, task.method, task.params, task.target, control)
    return outcome


def _controlled(job: Callable[[AttributionControl, Report], Any], control: AttributionControl, token: JobToken,
                report: Report) -> Any:
    return job(control, report)


class ControlRunner(ThreadRunner):
    """A runner whose job counts its evaluations in an :class:`AttributionControl` holding the job's token."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.control = AttributionControl()  # the current (or last) job's

    def start_controlled(self, job: Callable[[AttributionControl, Report], Any]) -> None:
        token = JobToken()
        self.control = AttributionControl(token=token)
        self.start_job(partial(_controlled, job, self.control), token=token)


class AttributionRunner(ControlRunner):
    """``completed`` carries an Outcome as its result."""

    progress = Signal(float, str)  # fraction done, text

    what = "The attribution"
    thread_name = "nnstudio-attribution"

    def start(self, model: nn.Module, subject: Subject, tasks: list[Task]) -> None:
        self.start_controlled(partial(_explain_all, model, subject, tasks))

    def _on_progress(self, values: tuple) -> None:
        task, tasks, done, total = values
        fraction = (task + min(done, total) / max(total, 1)) / max(tasks, 1)
        text = f"{done:,} of {total:,} network evaluations"
        if tasks > 1:
            text = f"Example {task + 1} of {tasks}: {text}"
        self.progress.emit(fraction, text)
