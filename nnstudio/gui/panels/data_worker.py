"""Loading, splitting and fitting the preprocessing off the GUI thread, for the Data tab.

Unlike the source widget's loader, the result keeps the raw examples and split indices (``Prepared``) so the
previews can show the data before preprocessing and before/after each step.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nnstudio.core.data import files
from nnstudio.core.data.assemble import Prepared, bundle_from, load_raw, prepare
from nnstudio.core.data.bundle import DataBundle, RawDataset
from nnstudio.core.data.spec import DataSpec


@dataclass
class PrepareResult:
    spec: DataSpec
    prepared: Prepared
    bundle: DataBundle | None  # None for a preview-only job (the document already holds the bundle)


# The last source loaded, so that editing steps or the split does not read a large file again.
_RAW_CACHE: dict[str, RawDataset] = {}
_RAW_LOCK = threading.Lock()


def _raw_key(spec: DataSpec, base_dir: Path | None) -> str:
    return json.dumps([spec.source, spec.params, spec.seed, str(base_dir)], sort_keys=True, default=str)


def load_raw_cached(spec: DataSpec, base_dir: Path | None, fresh: bool) -> RawDataset:
    """``fresh``: read the source again (the data was (re)loaded elsewhere, perhaps from a changed file)."""
    key = _raw_key(spec, base_dir)
    with _RAW_LOCK:
        raw = None if fresh else _RAW_CACHE.get(key)
    if raw is None:
        raw = load_raw(spec, base_dir)
        with _RAW_LOCK:
            _RAW_CACHE.clear()
            _RAW_CACHE[key] = raw
    return raw


class _Worker(QObject):
    finished = Signal(object)  # PrepareResult or BaseException

    def __init__(self, spec: DataSpec, base_dir: Path | None, with_bundle: bool, cancel: threading.Event) -> None:
        super().__init__()
        self.spec, self.base_dir, self.with_bundle, self.cancel = spec, base_dir, with_bundle, cancel

    @Slot()
    def run(self) -> None:
        try:
            with files.progress_reporting(lambda done, total: None, self.cancel):
                prepared = prepare(self.spec, self.base_dir, load_raw_cached(self.spec, self.base_dir, fresh=not self.with_bundle))
                result: object = PrepareResult(self.spec, prepared, bundle_from(prepared) if self.with_bundle else None)
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which shows it
            result = exc
        self.finished.emit(result)


# Threads live here, not as children of a panel, until they have finished: a window (or a test) that goes away
# while a job runs must not destroy a running QThread, which would abort the process.
_THREADS: list[tuple[QThread, QObject]] = []


def _prune() -> None:
    _THREADS[:] = [(t, w) for t, w in _THREADS if not t.isFinished()]


class PrepareLoader(QObject):
    """One job at a time; a job asked for while one runs waits, and only the newest waiting job is kept."""

    finished = Signal(object, bool)  # (PrepareResult or BaseException, with_bundle)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._cancel = threading.Event()
        self._queued: tuple[DataSpec, Path | None, bool] | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, spec: DataSpec, base_dir: Path | None, with_bundle: bool) -> None:
        if self.running:
            self._queued = (spec.copy(), base_dir, with_bundle)
            return
        self._cancel = threading.Event()
        _prune()
        worker = _Worker(spec.copy(), base_dir, with_bundle, self._cancel)
        thread = QThread()
        thread.setObjectName("nnstudio-data-prepare")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(self._on_finished)
        # Direct: the thread's loop ends right after the job, even if this loader is gone by then.
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        _THREADS.append((thread, worker))
        self._thread, self._worker = thread, worker
        self.busy_changed.emit(True)
        thread.start()

    def cancel(self) -> None:
        self._queued = None
        self._cancel.set()

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        with_bundle = self._worker.with_bundle if self._worker is not None else False
        self._join()
        queued, self._queued = self._queued, None
        if queued is not None:
            # A newer request came in meanwhile: this result is already out of date.
            self.start(*queued)
            return
        self.busy_changed.emit(False)
        self.finished.emit(result, with_bundle)

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = self._worker = None
            _prune()

    def shutdown(self) -> None:
        self._queued = None
        if self._thread is not None:
            self._cancel.set()
            self._thread.quit()  # the loop ends as soon as the running job returns
            self._thread.wait()
            self._join()
