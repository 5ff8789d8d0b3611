"""The Runs tab: every run kept and compared (as in TensorBoard and MATLAB's Experiment Manager).

The runs table with its actions (restore a run's final or best weights, CSV and TensorBoard export, delete)
above four pages: compare curves, scrub epochs, LR finder, sweep. The panel records the Training tab's runs,
keeps the store, and runs the one background task (LR finder or sweep) at a time.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.arch.builder import build
from nnstudio.core.arch.weights import apply_weights
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.insight.grid import Plane
from nnstudio.core.project.file_format import format_size
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import Trainer
from nnstudio.core.workspace.lr_finder import LRFinderResult
from nnstudio.core.workspace.runs import Run, RunRecorder, RunsError, RunStore, export_history_csv
from nnstudio.core.workspace.tensorboard_export import write_runs
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.runs.compare import CompareCurvesPage, runs_text
from nnstudio.gui.panels.runs.lr_finder import LRFinderPage
from nnstudio.gui.panels.runs.scrub import ScrubPage
from nnstudio.gui.panels.runs.sweep import SweepPage
from nnstudio.gui.panels.runs.table import RunsTable
from nnstudio.gui.panels.runs.tasks import BackgroundTask, TaskPage
from nnstudio.gui.threads import Completion


def _button(text: str, name: str, tip: str, slot: Callable[[], None]) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    b.clicked.connect(slot)
    return b


class RunsPanel(QWidget):
    runs_changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runs")
        self.ctx = ctx
        self.store = RunStore()
        self.current_run: Run | None = None  # the latest run of the Training tab (scrubbing)
        self.best_run: Run | None = None
        self._trainer: Trainer | None = None  # the run being recorded: a Continue of it extends the same run
        self._recorder: RunRecorder | None = None
        self.task = BackgroundTask(self)
        self.task.progress.connect(self._on_task_progress)
        self.task.item.connect(self._on_task_item)
        self.task.completed.connect(self._on_task_completed)
        self._task_page: TaskPage | None = None  # the page whose task runs

        # ---------------------------------------------------------------- table and actions
        self.table = RunsTable()
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.restore_final_button = _button("Restore final weights", "restoreFinal",
                                            "Put the selected run's last weights (and its settings) into the project", self.restore_final)
        self.restore_best_button = _button("Restore best weights", "restoreBest",
                                           "Put the selected run's best-epoch weights (and its settings) into the project", self.restore_best)
        self.csv_button = _button("Export CSV…", "exportCsv", "Save the selected run's per-epoch history as a CSV table", self.export_csv)
        self.tb_button = _button("Write TensorBoard…", "writeTensorBoard",
                                 "Write the selected runs (all, if none is selected) as TensorBoard event files", self.write_tensorboard)
        self.delete_button = _button("Delete", "deleteRuns", "Forget the selected runs", self.delete_selected)
        actions = QHBoxLayout()
        for b in (self.restore_final_button, self.restore_best_button, self.csv_button, self.tb_button, self.delete_button):
            actions.addWidget(b)
        actions.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("runsSummary")
        actions.addWidget(self.summary)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.table, 1)
        tl.addLayout(actions)

        # ---------------------------------------------------------------- pages
        self.compare = CompareCurvesPage()
        self.scrub = ScrubPage(ctx.document)
        self.scrub.use_epoch.connect(self.use_epoch)
        self.lr_finder = LRFinderPage(ctx)
        self.lr_finder.start_button.clicked.connect(self.start_lr_finder)
        self.sweep = SweepPage(ctx.document, self.store)
        self.sweep.start_button.clicked.connect(self.start_sweep)
        for page in (self.lr_finder, self.sweep):
            page.cancel_button.clicked.connect(self.cancel_task)
        self.pages = QTabWidget()
        self.pages.setObjectName("runsPages")
        self.pages.addTab(self.compare, "Compare curves")
        self.pages.addTab(self.scrub, "Scrub epochs")
        self.pages.addTab(self.lr_finder, "LR finder")
        self.pages.addTab(self.sweep, "Sweep")

        # The pages' widgets under the panel's own names, which tests and scripts drive.
        self.curve_choice = self.compare.curve_choice
        self.scrub_slider, self.scrub_metrics = self.scrub.slider, self.scrub.metrics
        self.scrub_boundary, self.scrub_use, self.snapshot_use = self.scrub.boundary, self.scrub.use_button, self.scrub.snapshot_use
        self.lr_steps, self.lr_start, self.lr_apply = self.lr_finder.steps, self.lr_finder.start_button, self.lr_finder.apply_button
        self.lr_curve = self.lr_finder.curve
        self.sweep_lrs, self.sweep_layer, self.sweep_widths = self.sweep.lrs, self.sweep.layer, self.sweep.widths
        self.sweep_epochs, self.sweep_status = self.sweep.epochs, self.sweep.status
        self.sweep_start, self.sweep_cancel = self.sweep.start_button, self.sweep.cancel_button

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.pages)
        splitter.setSizes([260, 460])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

        ctx.run_callback_factories.append(self.callbacks_for_run)
        ctx.run_finished.connect(self.record_outcome)
        doc = ctx.document
        doc.project_replaced.connect(self._project_replaced)
        doc.data_changed.connect(self._data_changed)
        ctx.training_active_changed.connect(self._update_buttons)
        self._project_replaced()

    @property
    def scrub_epochs(self) -> list[int]:
        return self.scrub.epochs

    @property
    def lr_result(self) -> LRFinderResult | None:
        return self.lr_finder.result

    def plane(self) -> Plane | None:
        return self.scrub.plane()

    def overlay_curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return self.compare.curves()

    # ================================================================== document
    @Slot()
    def _project_replaced(self) -> None:
        doc = self.ctx.document
        self.store.attach(doc.project, doc.project.architecture)
        self.current_run = self.store.runs[-1] if self.store.runs else None
        self._trainer = self._recorder = None
        self._data_changed()
        self.sweep.fill_layers()
        self.refresh()

    @Slot()
    def _data_changed(self) -> None:
        self.scrub.forget_plane()

    # ================================================================== recording
    def _keep_unrecorded(self, outcome: Any) -> None:
        """A run no recorder followed (a GAN's: two networks, no Trainer): listed now, as the file keeps it (one
        run per Train or Continue), rather than only once the project is reopened."""
        if outcome.result is None or not outcome.history:
            return
        project = self.ctx.document.project
        if project.runs and project.runs[-1].history == outcome.history:  # the file kept it first: the same run
            run = Run.from_record(project.runs[-1], copy.deepcopy(project.architecture))
        else:
            run = self.store.new_run(project.training, project.architecture)
            run.history = {k: list(v) for k, v in outcome.history.items()}
            run.weights = outcome.weights or None
            run.seconds = outcome.result.seconds
        run.status, run.message = outcome.result.status, outcome.result.message
        self.store.add(run)  # into project.runs too: the file's autosave then sees it kept
        self.current_run = run
        self.refresh()

    def callbacks_for_run(self, trainer: Trainer) -> list[Callback]:
        """Called by the Training tab when a run starts: record it (a Continue extends the same run)."""
        if trainer is self._trainer and self._recorder is not None:
            return [self._recorder]
        run = self.store.new_run(trainer.spec, self.ctx.document.project.architecture)
        self._trainer = trainer
        self._recorder = self.scrub.recorder(run)
        return [self._recorder]

    @Slot(object)
    def record_outcome(self, outcome: Any) -> None:
        """The Training tab's run ended (its thread is joined): keep the run."""
        recorder = self._recorder
        if recorder is None:
            self._keep_unrecorded(outcome)
            return
        run = recorder.run
        if outcome.result is None:
            run.status, run.message = "failed", outcome.error
            if not run.history:
                self._trainer = self._recorder = None
                return
        else:
            run.status, run.message = outcome.result.status, outcome.result.message
            run.history = {k: list(v) for k, v in outcome.history.items()}
            if outcome.weights:
                run.weights = outcome.weights
        self.store.add(run)
        self.current_run = run
        self.refresh()

    # ================================================================== table and pages
    def selected_runs(self) -> list[Run]:
        ids = self.table.selected_ids()
        return [r for r in self.store.runs if r.id in ids]

    def refresh(self) -> None:
        """The store changed: redraw the table, summary and pages."""
        best = self.store.best([r for r in self.store.runs if r.status != "failed"])
        self.table.show_runs(self.store.runs, best)
        self.best_run = best
        self.summary.setText(runs_text(len(self.store.runs)) + (f" · best: {best.name}" if best else "")
                             + f" · snapshots {format_size(self.store.snapshot_bytes())}")
        self._show_selection()
        self.runs_changed.emit()

    @Slot()
    def _selection_changed(self) -> None:
        self._show_selection()

    def _show_selection(self) -> None:
        self.scrub.show_run(self.scrub_run())
        self.compare.show_runs(self.selected_runs() or list(self.store.runs))
        self._update_buttons()

    def scrub_run(self) -> Run | None:
        """The one selected run when it kept snapshots, else the Training tab's latest run."""
        selected = self.selected_runs()
        if len(selected) == 1 and selected[0].snapshots:
            return selected[0]
        return self.current_run

    @Slot()
    def _update_buttons(self, *_: object) -> None:
        selected = self.selected_runs()
        busy = self.task.running
        training = self.ctx.training_active
        one = len(selected) == 1
        self.restore_final_button.setEnabled(one and selected[0].weights is not None and not training)
        self.restore_best_button.setEnabled(one and selected[0].best_weights is not None and not training)
        self.csv_button.setEnabled(one)
        self.tb_button.setEnabled(bool(self.store.runs))
        self.delete_button.setEnabled(bool(selected) and not busy)
        for page in (self.lr_finder, self.sweep):
            page.set_task_state(not busy and not training, busy and self._task_page is page)
        self.scrub.set_training(training)

    # ================================================================== restore
    def _one_selected(self) -> Run | None:
        runs = self.selected_runs()
        if len(runs) != 1:
            show_error(self, "Choose one run", "Select exactly one run in the table first")
            return None
        return runs[0]

    @Slot()
    def restore_final(self) -> None:
        run = self._one_selected()
        if run is not None:
            self.restore(run, best=False)

    @Slot()
    def restore_best(self) -> None:
        run = self._one_selected()
        if run is not None:
            self.restore(run, best=True)

    @Slot(object, int)
    def use_epoch(self, run: Run, epoch: int) -> None:
        self.restore(run, epoch=epoch)

    def restore(self, run: Run, best: bool = False, epoch: int | None = None) -> bool:
        """Put a run's weights (final, best, or of ``epoch``) and its settings and network into the project."""
        if self.ctx.training_active:
            show_error(self, "Training in progress", "Stop the current run on the Training tab before restoring weights")
            return False
        doc = self.ctx.document
        try:
            if epoch is not None:
                weights, upto = run.weights_at(epoch), epoch
            elif best:
                weights, upto = run.best_weights, run.best_epoch
            else:
                weights, upto = run.weights, run.epochs
            if weights is None:
                raise RunsError(f"{run.name} kept no weights to restore (it was loaded without them)")
            arch = run.architecture or doc.project.architecture
            module = build(arch, doc.bundle().input_shape).module
            apply_weights(module, weights)  # refuses, naming the tensor, when they do not fit
        except NNStudioError as exc:
            show_error(self, "Cannot restore this run", exc)
            return False
        if run.architecture is not None and run.architecture.to_dict() != doc.project.architecture.to_dict():
            doc.set_architecture(copy.deepcopy(run.architecture))
        doc.set_training(run.training.copy())
        history = {k: list(v[:upto]) for k, v in run.history.items()}
        doc.set_trained({k: v.clone() for k, v in weights.items()}, history)
        which = f"epoch {upto}" if epoch is not None else ("best" if best else "final")
        self.ctx.status_message.emit(f"Restored the {which} weights of {run.name} (epoch {upto})", 5000)
        return True

    # ================================================================== export and delete
    @Slot()
    def export_csv(self) -> None:
        run = self._one_selected()
        if run is None:
            return
        start = str(Path(self.ctx.settings.default_folder("exports")) / f"{run.name.replace(' ', '_')}-history.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export run history", start, "CSV table (*.csv)")
        if not path:
            return
        try:
            export_history_csv(run, path)
        except NNStudioError as exc:
            show_error(self, "Cannot export the history", exc)
            return
        self.ctx.status_message.emit(f"Saved {Path(path).name}", 4000)

    @Slot()
    def write_tensorboard(self) -> None:
        runs = self.selected_runs() or list(self.store.runs)
        if not runs:
            return
        folder = QFileDialog.getExistingDirectory(self, "TensorBoard log folder", self.ctx.settings.default_folder("exports"))
        if not folder:
            return
        try:
            written = write_runs(runs, folder)
        except NNStudioError as exc:
            show_error(self, "Cannot write TensorBoard files", exc)
            return
        self.ctx.status_message.emit(f"Wrote {len(written)} runs to {folder}; view them with: tensorboard --logdir \"{folder}\"", 8000)

    @Slot()
    def delete_selected(self) -> None:
        for run in self.selected_runs():
            self.store.remove(run)
            if run is self.current_run:
                self.current_run = None
            if self._recorder is not None and run is self._recorder.run:
                self._trainer = self._recorder = None
        self.refresh()

    # ================================================================== the background task
    @Slot()
    def start_lr_finder(self) -> None:
        self._start_task(self.lr_finder)

    @Slot()
    def start_sweep(self) -> None:
        self._start_task(self.sweep)

    def _start_task(self, page: TaskPage) -> None:
        if self.task.running or self.ctx.training_active:
            return
        task = page.prepare()
        if task is None:
            return
        self._task_page = page
        self.task.start(task)
        self._update_buttons()

    @Slot()
    def cancel_task(self) -> None:
        self.task.cancel()
        if self._task_page is not None:
            self._task_page.cancelling()

    @Slot(int, int, str)
    def _on_task_progress(self, done: int, total: int, text: str) -> None:
        if self._task_page is not None:
            self._task_page.show_progress(done, total, text)

    @Slot(object)
    def _on_task_item(self, run: Run) -> None:
        self.store.add(run)
        self.refresh()

    @Slot(object)
    def _on_task_completed(self, done: Completion) -> None:
        page, self._task_page = self._task_page, None
        if page is not None and done.exception is None:
            page.finished(done.result)
        elif page is not None:
            page.failed(done.error)
        self._update_buttons()

    def shutdown(self, timeout_ms: int | None = 30_000) -> bool:
        return self.task.shutdown(timeout_ms)
