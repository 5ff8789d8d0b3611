"""Heavy Runs-tab work (LR finder, sweep) in a worker thread with progress and Cancel.

See :mod:`nnstudio.gui.threads`: the task runs in a worker thread, its reports reach this runner in the GUI
thread; Cancel cancels the job's token, which the task (and its TrainingControl) checks between batches;
shutdown() joins the thread. A
:class:`TaskPage` is a page whose work is such a task: the panel runs one at a time and hands it the reports.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from nnstudio.core.base.jobs import JobToken
from nnstudio.core.training.control import TrainingControl
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.threads import Report, ThreadRunner


class TaskContext:
    """What a task function receives: the job's token (progress, Cancel), a way to hand over items, and the
    TrainingControl that holds the same token (for tasks that train: Cancel stops the run at its next batch)."""

    def __init__(self, report: Report, control: TrainingControl) -> None:
        self._report = report
        self.control = control
        self.token = control.token

    def progress(self, done: int, total: int, text: str = "") -> None:
        self.token.report(done, total, text)

    def item(self, value: Any) -> None:
        self._report("item", value)


def _run_task(fn: Callable[[TaskContext], Any], control: TrainingControl, token: JobToken, report: Report) -> Any:
    """The job, in the worker thread (grad mode is per thread)."""
    with torch.enable_grad():
        return fn(TaskContext(report, control))


class BackgroundTask(ThreadRunner):
    """One task at a time. Lives in the GUI thread and re-emits the task's reports here; ``completed`` carries
    the task's result, its failure or its cancel."""

    progress = Signal(int, int, str)
    item = Signal(object)

    what = "The task"
    thread_name = "nnstudio-runs-task"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.control = TrainingControl()

    def start(self, fn: Callable[[TaskContext], Any]) -> None:
        self.control = TrainingControl()
        self.start_job(partial(_run_task, fn, self.control), token=self.control.token)

    def _on_progress(self, values: tuple) -> None:
        if values[0] == "item":
            self.item.emit(values[1])
        else:
            self.progress.emit(*values)


Task = Callable[[TaskContext], Any]  # runs in the worker thread; its result reaches TaskPage.finished


class TaskPage(QWidget):
    """A page with Start and Cancel whose work runs as the panel's one background task.

    Subclasses build ``start_button``, ``cancel_button`` and ``status`` (where a failure is told), and implement
    :meth:`prepare` and :meth:`finished`; the panel calls the rest as the task's reports arrive.
    """

    failure_title = "The task failed"
    start_button: QPushButton
    cancel_button: QPushButton
    status: QLabel

    def prepare(self) -> Task | None:
        """Read the page and the project, reset the progress shown; None (after telling why) when it cannot start."""
        raise NotImplementedError

    def show_progress(self, done: int, total: int, text: str) -> None:
        """The task reported ``done`` of ``total`` steps."""

    def finished(self, result: Any) -> None:
        raise NotImplementedError

    def failed(self, message: str) -> None:
        self.status.setText(message)
        show_error(self, self.failure_title, message)

    def cancelling(self) -> None:
        """Cancel was pressed; the task stops at its next check."""

    def set_task_state(self, can_start: bool, running_here: bool) -> None:
        self.start_button.setEnabled(can_start)
        self.cancel_button.setEnabled(running_here)
