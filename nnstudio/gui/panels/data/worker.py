"""Loading, splitting and fitting the preprocessing off the GUI thread, for the Data tab.

Unlike the source widget's loader, the result keeps the raw examples and split indices (``Prepared``) so the
previews can show the data before preprocessing and before/after each step.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from nnstudio.core.data import files
from nnstudio.core.data.assemble import Prepared, bundle_from, load_raw, prepare
from nnstudio.core.data.bundle import DataBundle, RawDataset
from nnstudio.core.data.spec import DataSpec
from nnstudio.gui.threads import Report, ThreadRunner


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


def _prepare(spec: DataSpec, base_dir: Path | None, with_bundle: bool, cancel: threading.Event, report: Report) -> tuple[object, bool]:
    """The job, in the worker thread: (PrepareResult or the exception the GUI thread shows, with_bundle)."""
    try:
        with files.progress_reporting(lambda done, total: None, cancel):
            prepared = prepare(spec, base_dir, load_raw_cached(spec, base_dir, fresh=not with_bundle))
            return PrepareResult(spec, prepared, bundle_from(prepared) if with_bundle else None), with_bundle
    except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which shows it
        return exc, with_bundle


class PrepareLoader(ThreadRunner):
    """One job at a time; a job asked for while one runs waits, and only the newest waiting job is kept."""

    finished = Signal(object, bool)  # (PrepareResult or BaseException, with_bundle)
    busy_changed = Signal(bool)

    what = "Preparing the data"
    thread_name = "nnstudio-data-prepare"
    detached = True  # a window (or a test) may go away while a preview is prepared

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queued: tuple[DataSpec, Path | None, bool] | None = None

    def start(self, spec: DataSpec, base_dir: Path | None, with_bundle: bool) -> None:
        if self.running:
            self._queued = (spec.copy(), base_dir, with_bundle)
            return
        self.busy_changed.emit(True)
        self.start_job(partial(_prepare, spec.copy(), base_dir, with_bundle, self.cancel_event))

    def cancel(self) -> None:
        self._queued = None
        super().cancel()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Cancel and join (closing the window), however long the step in progress takes."""
        return super().shutdown(timeout_ms)

    def _deliver(self, result: tuple[object, bool]) -> None:
        queued, self._queued = self._queued, None
        if queued is not None:
            # A newer request came in meanwhile: this result is already out of date.
            self.start(*queued)
            return
        self.busy_changed.emit(False)
        self.finished.emit(*result)
