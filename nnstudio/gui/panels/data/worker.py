"""Preparing data off the GUI thread: the Data tab's one loader, for picking a dataset and for editing its steps
or split alike.

The job returns the :class:`~nnstudio.core.data.assemble.PreparedData` (raw rows, split, fitted preprocessing,
tensors) that then goes to the document with ``set_data``; every view reads it there, so nothing is read or
fitted a second time. Editing steps or the split passes the examples already read (``raw``), so a large file
is not read again.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from nnstudio.core.base.jobs import JobToken
from nnstudio.core.data.assemble import PreparedData, prepare
from nnstudio.core.data.bundle import RawDataset
from nnstudio.core.data.spec import DataSpec
from nnstudio.gui.threads import Completion, Report, ThreadRunner


def _prepare(spec: DataSpec, base_dir: Path | None, raw: RawDataset | None, token: JobToken, report: Report) -> PreparedData:
    """The job, in the worker thread: read (unless ``raw`` is given), split, fit and apply."""
    with token.active():  # file readers report progress and honour Cancel through the token
        return prepare(spec, base_dir, raw)


class DataPreparer(ThreadRunner):
    """Prepares one DataSpec at a time; a job asked for while one runs waits, and only the newest waiting one
    is kept. ``completed`` carries the PreparedData (its ``spec`` is the one asked for), or the error."""

    progress = Signal(int, int)  # (done, total) while a file is read
    busy_changed = Signal(bool)

    what = "Preparing the data"
    thread_name = "nnstudio-data-prepare"
    detached = True  # a window (or a test) may go away while data is prepared

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queued: tuple[DataSpec, Path | None, RawDataset | None] | None = None

    def start(self, spec: DataSpec, base_dir: Path | None, raw: RawDataset | None = None) -> None:
        if self.running:
            self._queued = (spec.copy(), base_dir, raw)
            return
        self.busy_changed.emit(True)
        self.start_job(partial(_prepare, spec.copy(), base_dir, raw))

    def cancel(self) -> None:
        self._queued = None
        super().cancel()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Cancel and join (closing the window), however long the read in progress takes."""
        self._queued = None
        return super().shutdown(timeout_ms)

    def _on_progress(self, values: tuple) -> None:
        self.progress.emit(int(values[0]), int(values[1]))

    def _complete(self, completion: Completion) -> None:
        queued, self._queued = self._queued, None
        if queued is not None:
            # A newer request came in meanwhile: this result is already out of date.
            self.start(*queued)
            return
        self.busy_changed.emit(False)
        self.completed.emit(completion)
