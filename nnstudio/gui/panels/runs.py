"""The Runs tab: every run kept and compared (as in TensorBoard and MATLAB's Experiment Manager).

A sortable table of runs (settings and results side by side, the best by validation highlighted), the
selected runs' curves overlaid, restoring a run's final or best weights, scrubbing back through the
current run's per-epoch snapshots (boundary and metrics of that epoch), the LR finder with one-click
apply, a small sweep, CSV and TensorBoard export. LR finder and sweep run in a worker thread.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.arch.builder import build
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.errors import NNStudioError
from nnstudio.core.insight.grid import Plane, boundary_grid
from nnstudio.core.lr_finder import LRFinderResult, lr_range_test
from nnstudio.core.project_io import format_size
from nnstudio.core.runs import (
    DEFAULT_SNAPSHOT_CAP_MB,
    Run,
    RunRecorder,
    RunsError,
    RunStore,
    export_history_csv,
)
from nnstudio.core.session import apply_weights
from nnstudio.core.sweep import SweepSpec, hidden_linear_layers, run_sweep
from nnstudio.core.tensorboard_export import write_runs
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import Trainer, new_model
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.inside import current_plane
from nnstudio.gui.panels.runs_tasks import BackgroundTask, TaskContext
from nnstudio.gui.widgets.boundary_view import BoundaryView
from nnstudio.gui.widgets.live_plot import PALETTE

COLUMNS = ("Run", "Status", "Epochs", "Learning rate", "Batch", "Optimizer", "Hidden widths", "Train loss",
           "Val loss", "Val acc./RMSE", "Best epoch", "Best val", "Time (s)")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RUN_ROLE = Qt.ItemDataRole.UserRole
BEST_BACKGROUND = QColor("#dcf3dc")
CURVE_KEYS = ("val_loss", "train_loss", "val_accuracy", "train_accuracy", "val_rmse", "train_rmse", "lr")


class SortItem(QTableWidgetItem):
    """Sorts by a number (or text) stored beside the shown text, so 10 comes after 9."""

    def __init__(self, text: str, key: float | str) -> None:
        super().__init__(text)
        self.setData(SORT_ROLE, key)

    def __lt__(self, other: QTableWidgetItem) -> bool:  # type: ignore[override]
        a, b = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if isinstance(a, float | int) and isinstance(b, float | int):
            # NaN (no value) sorts last whichever way the column is sorted ascending
            return (math.isnan(a), a) < (math.isnan(b), b) if not (math.isnan(a) and math.isnan(b)) else False
        return str(a) < str(b)


def _num(value: float, fmt: str = "{:.4f}") -> tuple[str, float]:
    return ("—", math.nan) if value is None or not math.isfinite(value) else (fmt.format(value), float(value))


def parse_numbers(text: str, kind: type, what: str) -> list:
    values = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = kind(float(part)) if kind is int else float(part)
        except ValueError:
            raise RunsError(f"{what}: '{part}' is not a number; list values separated by commas, e.g. 0.001, 0.01") from None
        if value <= 0:
            raise RunsError(f"{what}: {part} must be greater than 0")
        values.append(value)
    return values


class RunsPanel(QWidget):
    runs_changed = Signal()

    def __init__(self, ctx: AppContext, run_finished: Signal | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runs")
        self.ctx = ctx
        self.store = RunStore()
        self.current_run: Run | None = None  # the latest run of the Training tab (scrubbing)
        self._trainer: Trainer | None = None
        self._recorder: RunRecorder | None = None
        self._plane: Plane | None = None
        self._plane_ready = False
        self.lr_result: LRFinderResult | None = None
        self.task = BackgroundTask(self)
        self.task.progress.connect(self._on_task_progress)
        self.task.item.connect(self._on_task_item)
        self.task.done.connect(self._on_task_done)
        self.task.failed.connect(self._on_task_failed)
        self._task_kind = ""

        # ---------------------------------------------------------------- table and actions
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("runsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Click a column header to sort. Select runs (Ctrl/Shift-click) to overlay their curves.")
        self.table.itemSelectionChanged.connect(self._selection_changed)

        def button(text: str, name: str, tip: str, slot) -> QPushButton:
            b = QPushButton(text)
            b.setObjectName(name)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            return b

        self.restore_final_button = button("Restore final weights", "restoreFinal",
                                           "Put the selected run's last weights (and its settings) into the project", self.restore_final)
        self.restore_best_button = button("Restore best weights", "restoreBest",
                                          "Put the selected run's best-epoch weights (and its settings) into the project", self.restore_best)
        self.csv_button = button("Export CSV…", "exportCsv", "Save the selected run's per-epoch history as a CSV table", self.export_csv)
        self.tb_button = button("Write TensorBoard…", "writeTensorBoard",
                                "Write the selected runs (all, if none is selected) as TensorBoard event files", self.write_tensorboard)
        self.delete_button = button("Delete", "deleteRuns", "Forget the selected runs", self.delete_selected)
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
        self.pages = QTabWidget()
        self.pages.setObjectName("runsPages")
        self.pages.addTab(self._build_compare(), "Compare curves")
        self.pages.addTab(self._build_scrub(), "Scrub epochs")
        self.pages.addTab(self._build_lr_finder(), "LR finder")
        self.pages.addTab(self._build_sweep(), "Sweep")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.pages)
        splitter.setSizes([260, 460])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

        ctx.run_callback_factories.append(self.callbacks_for_run)
        if run_finished is not None:
            run_finished.connect(self.record_outcome)
        doc = ctx.document
        doc.project_replaced.connect(self._project_replaced)
        doc.data_changed.connect(self._data_changed)
        doc.architecture_changed.connect(self._fill_sweep_layers)
        ctx.training_active_changed.connect(self._update_buttons)
        self._project_replaced()

    # ================================================================== pages
    def _build_compare(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Curve:"))
        self.curve_choice = QComboBox()
        self.curve_choice.setObjectName("overlayMetric")
        self.curve_choice.addItems(list(CURVE_KEYS))
        self.curve_choice.currentTextChanged.connect(self.update_overlay)
        row.addWidget(self.curve_choice)
        row.addWidget(QLabel("Select runs in the table to overlay them (none selected: all runs)."))
        row.addStretch(1)
        lay.addLayout(row)
        self.overlay = pg.PlotWidget()
        self.overlay.setObjectName("overlayPlot")
        self.overlay.setBackground("w")
        self.overlay.showGrid(x=True, y=True, alpha=0.25)
        self.overlay.setLabel("bottom", "epoch")
        self.overlay.addLegend(offset=(-10, 10))
        for side in ("left", "bottom"):
            self.overlay.getAxis(side).enableAutoSIPrefix(False)
        self.overlay_items: dict[str, pg.PlotDataItem] = {}
        lay.addWidget(self.overlay, 1)
        return page

    def _build_scrub(self) -> QWidget:
        page = QWidget()
        lay = QHBoxLayout(page)
        left = QVBoxLayout()
        self.scrub_title = QLabel("Train a run to scrub through its epochs.")
        self.scrub_title.setObjectName("scrubTitle")
        self.scrub_title.setWordWrap(True)
        self.scrub_slider = QSlider(Qt.Orientation.Horizontal)
        self.scrub_slider.setObjectName("scrubSlider")
        self.scrub_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.scrub_slider.setPageStep(1)
        self.scrub_slider.valueChanged.connect(self._scrub_to_index)
        self.scrub_epochs: list[int] = []
        self.scrub_metrics = QLabel()
        self.scrub_metrics.setObjectName("scrubMetrics")
        self.scrub_metrics.setWordWrap(True)
        self.scrub_metrics.setTextFormat(Qt.TextFormat.RichText)
        self.scrub_use = QPushButton("Use this epoch's weights")
        self.scrub_use.setObjectName("scrubUse")
        self.scrub_use.setToolTip("Put the weights of the shown epoch into the project (Evaluation, Interpretability, Save)")
        self.scrub_use.clicked.connect(self.use_scrubbed)
        self.keep_snapshots = QCheckBox("Keep a weight snapshot after every epoch")
        self.keep_snapshots.setObjectName("keepSnapshots")
        self.keep_snapshots.setChecked(True)
        self.snapshot_cap = QSpinBox()
        self.snapshot_cap.setObjectName("snapshotCap")
        self.snapshot_cap.setRange(1, 16_384)
        self.snapshot_cap.setValue(DEFAULT_SNAPSHOT_CAP_MB)
        self.snapshot_cap.setSuffix(" MB")
        self.snapshot_cap.setToolTip("The most memory one run's snapshots may use; later epochs are not kept beyond it")
        self.snapshot_use = QLabel()
        self.snapshot_use.setObjectName("snapshotUse")
        self.snapshot_use.setWordWrap(True)
        cap_row = QHBoxLayout()
        cap_row.addWidget(QLabel("Memory cap per run:"))
        cap_row.addWidget(self.snapshot_cap)
        cap_row.addStretch(1)
        left.addWidget(self.scrub_title)
        left.addWidget(self.scrub_slider)
        left.addWidget(self.scrub_metrics)
        left.addWidget(self.scrub_use)
        left.addStretch(1)
        left.addWidget(self.keep_snapshots)
        left.addLayout(cap_row)
        left.addWidget(self.snapshot_use)
        self.scrub_boundary = BoundaryView("Boundary at this epoch")
        self.scrub_boundary.setObjectName("scrubBoundary")
        self.scrub_boundary.setMinimumWidth(380)
        lay.addLayout(left, 1)
        lay.addWidget(self.scrub_boundary, 1)
        self.scrub_epoch = 0
        return page

    def _build_lr_finder(self) -> QWidget:
        page = QWidget()
        lay = QHBoxLayout(page)
        left = QVBoxLayout()
        explain = QLabel("The LR finder trains a copy of the network for a few hundred batches while the learning "
                         "rate grows from tiny to huge, and plots the loss against it. A good learning rate sits "
                         "where the loss falls fastest, well before it shoots up. Your network is not changed.")
        explain.setWordWrap(True)
        form = QFormLayout()
        self.lr_steps = QSpinBox()
        self.lr_steps.setObjectName("lrSteps")
        self.lr_steps.setRange(20, 2000)
        self.lr_steps.setValue(200)
        self.lr_steps.setSuffix(" batches")
        form.addRow("Length:", self.lr_steps)
        self.lr_start = QPushButton("Find learning rate")
        self.lr_start.setObjectName("lrFind")
        self.lr_start.clicked.connect(self.start_lr_finder)
        self.lr_cancel = QPushButton("Cancel")
        self.lr_cancel.setObjectName("lrCancel")
        self.lr_cancel.clicked.connect(self.cancel_task)
        self.lr_progress = QProgressBar()
        self.lr_progress.setObjectName("lrProgress")
        self.lr_suggestion = QLabel("")
        self.lr_suggestion.setObjectName("lrSuggestion")
        self.lr_suggestion.setWordWrap(True)
        self.lr_apply = QPushButton("Apply")
        self.lr_apply.setObjectName("lrApply")
        self.lr_apply.setToolTip("Use the suggested learning rate for the next run (Training tab)")
        self.lr_apply.clicked.connect(self.apply_lr)
        self.lr_apply.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.lr_start)
        buttons.addWidget(self.lr_cancel)
        left.addWidget(explain)
        left.addLayout(form)
        left.addLayout(buttons)
        left.addWidget(self.lr_progress)
        left.addWidget(self.lr_suggestion)
        left.addWidget(self.lr_apply)
        left.addStretch(1)
        self.lr_plot = pg.PlotWidget()
        self.lr_plot.setObjectName("lrPlot")
        self.lr_plot.setBackground("w")
        self.lr_plot.setTitle("Loss against learning rate", color="#333", size="11pt")
        self.lr_plot.setLabel("bottom", "learning rate (log scale)")
        self.lr_plot.setLabel("left", "loss (smoothed)")
        self.lr_plot.showGrid(x=True, y=True, alpha=0.25)
        self.lr_plot.setLogMode(x=True, y=False)
        self.lr_plot.getAxis("left").enableAutoSIPrefix(False)
        self.lr_raw_curve = self.lr_plot.plot([], [], pen=pg.mkPen("#c6dbef", width=1))
        self.lr_curve = self.lr_plot.plot([], [], pen=pg.mkPen("#1f77b4", width=2.5))
        self.lr_marker = pg.InfiniteLine(angle=90, pen=pg.mkPen("#2ca02c", width=2, style=Qt.PenStyle.DashLine),
                                         label="", labelOpts={"position": 0.9, "color": "#1a7a1a"})
        self.lr_marker.hide()
        self.lr_plot.addItem(self.lr_marker, ignoreBounds=True)
        lay.addLayout(left, 2)
        lay.addWidget(self.lr_plot, 3)
        return page

    def _build_sweep(self) -> QWidget:
        page = QWidget()
        lay = QHBoxLayout(page)
        form = QFormLayout()
        self.sweep_lrs = QLineEdit("0.001, 0.01, 0.1")
        self.sweep_lrs.setObjectName("sweepLrs")
        self.sweep_lrs.setToolTip("Learning rates to try, separated by commas")
        self.sweep_batches = QLineEdit("")
        self.sweep_batches.setObjectName("sweepBatches")
        self.sweep_batches.setPlaceholderText("the project's batch size")
        self.sweep_layer = QComboBox()
        self.sweep_layer.setObjectName("sweepLayer")
        self.sweep_layer.setToolTip("A hidden Linear layer whose width (number of neurons) the sweep varies")
        self.sweep_widths = QLineEdit("")
        self.sweep_widths.setObjectName("sweepWidths")
        self.sweep_widths.setPlaceholderText("e.g. 4, 16, 64")
        self.sweep_mode = QComboBox()
        self.sweep_mode.setObjectName("sweepMode")
        self.sweep_mode.addItems(["grid", "random"])
        self.sweep_mode.setToolTip("Grid: every combination. Random: a random sample of them (often as good, much faster).")
        self.sweep_trials = QSpinBox()
        self.sweep_trials.setObjectName("sweepTrials")
        self.sweep_trials.setRange(1, 64)
        self.sweep_trials.setValue(6)
        self.sweep_epochs = QSpinBox()
        self.sweep_epochs.setObjectName("sweepEpochs")
        self.sweep_epochs.setRange(1, 10_000)
        self.sweep_epochs.setValue(10)
        form.addRow("Learning rates:", self.sweep_lrs)
        form.addRow("Batch sizes:", self.sweep_batches)
        form.addRow("Vary the width of:", self.sweep_layer)
        form.addRow("Widths:", self.sweep_widths)
        form.addRow("Search:", self.sweep_mode)
        form.addRow("Random trials:", self.sweep_trials)
        form.addRow("Epochs per trial:", self.sweep_epochs)
        right = QVBoxLayout()
        explain = QLabel("The sweep trains one run per combination, one after another, with the project's other "
                         "settings. Each run appears in the table above as it finishes; the best by validation "
                         "is highlighted green. Restore it to continue from there.")
        explain.setWordWrap(True)
        self.sweep_start = QPushButton("Run sweep")
        self.sweep_start.setObjectName("sweepRun")
        self.sweep_start.clicked.connect(self.start_sweep)
        self.sweep_cancel = QPushButton("Cancel")
        self.sweep_cancel.setObjectName("sweepCancel")
        self.sweep_cancel.clicked.connect(self.cancel_task)
        self.sweep_progress = QProgressBar()
        self.sweep_progress.setObjectName("sweepProgress")
        self.sweep_status = QLabel("")
        self.sweep_status.setObjectName("sweepStatus")
        self.sweep_status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sweep_start)
        buttons.addWidget(self.sweep_cancel)
        buttons.addStretch(1)
        right.addWidget(explain)
        right.addLayout(buttons)
        right.addWidget(self.sweep_progress)
        right.addWidget(self.sweep_status)
        right.addStretch(1)
        lay.addLayout(form, 1)
        lay.addLayout(right, 1)
        return page

    # ================================================================== document
    @Slot()
    def _project_replaced(self) -> None:
        doc = self.ctx.document
        self.store.attach(doc.project, doc.project.architecture)
        self.current_run = self.store.runs[-1] if self.store.runs else None
        self._trainer = self._recorder = None
        self._data_changed()
        self._fill_sweep_layers()
        self.refresh()

    @Slot()
    def _data_changed(self) -> None:
        self._plane_ready = False
        self._plane = None

    def plane(self) -> Plane | None:
        if not self._plane_ready:
            self._plane = current_plane(self.ctx.document)
            self._plane_ready = True
        return self._plane

    @Slot()
    def _fill_sweep_layers(self) -> None:
        arch = self.ctx.document.project.architecture
        self.sweep_layer.clear()
        self.sweep_layer.addItem("(no layer)", -1)
        for i in hidden_linear_layers(arch):
            width = arch.layers[i].params.get("out_features", "?")
            self.sweep_layer.addItem(f"layer {i + 1}: Linear, {width} neurons", i)

    # ================================================================== recording
    def callbacks_for_run(self, trainer: Trainer) -> list[Callback]:
        """Called by the Training tab when a run starts: record it (a Continue extends the same run)."""
        if trainer is self._trainer and self._recorder is not None:
            return [self._recorder]
        run = self.store.new_run(trainer.spec, self.ctx.document.project.architecture)
        self._trainer = trainer
        self._recorder = RunRecorder(run, self.snapshot_cap.value() * 2**20, self.keep_snapshots.isChecked())
        return [self._recorder]

    @Slot(object)
    def record_outcome(self, outcome) -> None:
        """The Training tab's run ended (its thread is joined): keep the run."""
        recorder = self._recorder
        if recorder is None:
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

    # ================================================================== table
    def selected_runs(self) -> list[Run]:
        ids = {self.table.item(i.row(), 0).data(RUN_ROLE) for i in self.table.selectionModel().selectedRows()}
        return [r for r in self.store.runs if r.id in ids]

    def refresh(self) -> None:
        selected = {r.id for r in self.selected_runs()}
        best = self.store.best([r for r in self.store.runs if r.status != "failed"])
        table = self.table
        sorting = table.isSortingEnabled()
        table.setSortingEnabled(False)
        table.blockSignals(True)
        table.setRowCount(len(self.store.runs))
        for row, run in enumerate(self.store.runs):
            final = run.final_metrics()
            metric = "val_accuracy" if "val_accuracy" in run.history else "val_rmse"
            cells: list[tuple[str, float | str]] = [
                ((("★ " if run is best else "") + run.name), run.id),
                (run.status.replace("_", " "), run.status),
                (str(run.epochs), float(run.epochs)),
                (f"{run.training.lr:g}", run.training.lr),
                (str(run.training.batch_size), float(run.training.batch_size)),
                (run.training.optimizer, run.training.optimizer),
                (", ".join(map(str, run.hidden_widths())) or "—", float(sum(run.hidden_widths()))),
                _num(final.get("train_loss", math.nan)),
                _num(final.get("val_loss", math.nan)),
                _num(final.get(metric, math.nan)),
                (str(run.best_epoch) if run.best_epoch else "—", float(run.best_epoch)),
                _num(run.best_value()),
                _num(run.seconds, "{:.1f}"),
            ]
            for col, (text, key) in enumerate(cells):
                item = SortItem(text, key)
                if col == 0:
                    item.setData(RUN_ROLE, run.id)
                    item.setToolTip(run.message or run.name)
                if col == 9:
                    item.setToolTip(metric.replace("_", " "))
                if run is best:
                    item.setBackground(BEST_BACKGROUND)
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(row, col, item)
        table.setSortingEnabled(sorting)
        table.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row in range(table.rowCount()):
            if table.item(row, 0).data(RUN_ROLE) in selected:
                table.selectionModel().select(table.model().index(row, 0), flags)
        table.blockSignals(False)
        self.best_run = best
        self.summary.setText(f"{len(self.store.runs)} runs" + (f" · best: {best.name}" if best else "")
                             + f" · snapshots {format_size(self.store.snapshot_bytes())}")
        self._update_scrub()
        self.update_overlay()
        self._update_buttons()
        self.runs_changed.emit()

    @Slot()
    def _selection_changed(self) -> None:
        self.update_overlay()
        self._update_scrub()
        self._update_buttons()

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
        self.lr_start.setEnabled(not busy and not training)
        self.sweep_start.setEnabled(not busy and not training)
        self.lr_cancel.setEnabled(busy and self._task_kind == "lr")
        self.sweep_cancel.setEnabled(busy and self._task_kind == "sweep")
        self.scrub_use.setEnabled(bool(self.scrub_epochs) and not training)

    # ================================================================== overlay
    @Slot()
    def update_overlay(self, *_: object) -> None:
        key = self.curve_choice.currentText()
        runs = self.selected_runs() or list(self.store.runs)
        for item in self.overlay_items.values():
            self.overlay.removeItem(item)
        self.overlay_items = {}
        legend = self.overlay.plotItem.legend
        if legend is not None:
            legend.clear()
        for run in runs:
            values = run.history.get(key)
            if not values:
                continue
            xs = np.asarray(run.history.get("epoch", range(1, len(values) + 1)), float)[: len(values)]
            color = PALETTE[(run.id - 1) % len(PALETTE)]
            self.overlay_items[run.name] = self.overlay.plot(xs, np.asarray(values, float), name=run.name,
                                                             pen=pg.mkPen(color, width=2), symbol="o", symbolSize=5,
                                                             symbolBrush=color, symbolPen=color)
        self.overlay.setLabel("left", key.replace("_", " "))
        self.overlay.setTitle(f"{key.replace('_', ' ')} of {len(self.overlay_items)} runs", color="#333", size="11pt")

    def overlay_curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {name: item.getData() for name, item in self.overlay_items.items()}

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

    # ================================================================== scrub
    def scrub_run(self) -> Run | None:
        selected = self.selected_runs()
        if len(selected) == 1 and selected[0].snapshots:
            return selected[0]
        return self.current_run

    def _update_scrub(self) -> None:
        run = self.scrub_run()
        epochs = sorted(run.snapshots) if run is not None else []
        self.scrub_epochs = epochs
        self.scrub_slider.blockSignals(True)
        self.scrub_slider.setRange(0, max(0, len(epochs) - 1))
        self.scrub_slider.setValue(len(epochs) - 1 if epochs else 0)
        self.scrub_slider.blockSignals(False)
        self.scrub_slider.setEnabled(len(epochs) > 1)
        cap = self.snapshot_cap.value()
        if run is None:
            self.scrub_title.setText("Train a run to scrub through its epochs.")
            self.snapshot_use.setText(f"Snapshots are kept up to {cap} MB per run.")
            self.scrub_metrics.setText("")
        elif not epochs:
            self.scrub_title.setText(f"{run.name} kept no per-epoch snapshots (switched off, or the model is larger "
                                     f"than the memory cap).")
            self.snapshot_use.setText(f"Snapshots are kept up to {cap} MB per run.")
        else:
            skipped = f"; {run.snapshots_skipped} later epochs not kept (cap reached)" if run.snapshots_skipped else ""
            self.scrub_title.setText(f"<b>{run.name}</b>: drag to go back to an earlier epoch.")
            self.snapshot_use.setText(f"This run's snapshots use {format_size(run.snapshot_bytes())} of the {cap} MB "
                                      f"cap ({len(epochs)} epochs{skipped}).")
        if epochs:
            self._scrub_to_index(self.scrub_slider.value())
        self._update_buttons()

    @Slot(int)
    def _scrub_to_index(self, index: int) -> None:
        run = self.scrub_run()
        if run is None or not self.scrub_epochs:
            return
        epoch = self.scrub_epochs[max(0, min(index, len(self.scrub_epochs) - 1))]
        self.show_epoch(run, epoch)

    def show_epoch(self, run: Run, epoch: int) -> None:
        self.scrub_epoch = epoch
        metrics = run.metrics_at(epoch)
        shown = ", ".join(f"{k.replace('_', ' ')} <b>{v:.4f}</b>" for k, v in metrics.items()
                          if k not in ("seconds", "lr"))
        head = "Before training (the starting weights)" if epoch == 0 else f"Epoch {epoch} of {run.epochs}"
        self.scrub_metrics.setText(f"{head}" + (f": {shown}" if shown else ""))
        plane = self.plane()
        self.scrub_boundary.setVisible(plane is not None)
        if plane is None:
            return
        doc = self.ctx.document
        try:
            bundle = doc.bundle()
            module = new_model(build(run.architecture or doc.project.architecture, bundle.input_shape).module, 0)
            apply_weights(module, run.weights_at(epoch))
            grid = boundary_grid(module, bundle.pipeline, plane, bundle.task, 120)
        except NNStudioError as exc:
            self.scrub_metrics.setText(f"{head}: cannot draw the boundary ({exc})")
            return
        if self.scrub_boundary.plane is not plane:
            self.scrub_boundary.set_plane(plane, bundle.num_classes if bundle.task == CLASSIFICATION else 0)
        self.scrub_boundary.show_grid(grid)
        self.scrub_boundary.setTitle(f"Boundary at {'the start' if epoch == 0 else f'epoch {epoch}'}", color="#333", size="11pt")

    @Slot()
    def use_scrubbed(self) -> None:
        run = self.scrub_run()
        if run is not None and self.scrub_epochs:
            self.restore(run, epoch=self.scrub_epoch)

    # ================================================================== export
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

    # ================================================================== LR finder
    @Slot()
    def start_lr_finder(self) -> None:
        if self.task.running or self.ctx.training_active:
            return
        doc = self.ctx.document
        try:
            bundle = doc.bundle()
            spec = doc.project.training.copy()
            model = new_model(doc.built().module, spec.seed)
        except NNStudioError as exc:
            show_error(self, "Cannot run the LR finder", exc)
            return
        steps = self.lr_steps.value()

        def task(tc: TaskContext) -> LRFinderResult:
            return lr_range_test(model, bundle, spec, steps=steps, progress=lambda k, n: tc.progress(k, n, ""),
                                 cancelled=tc.cancelled)

        self._task_kind = "lr"
        self.lr_progress.setRange(0, steps)
        self.lr_progress.setValue(0)
        self.lr_suggestion.setText("Sweeping the learning rate…")
        self.lr_apply.setEnabled(False)
        self.task.start(task)
        self._update_buttons()

    def show_lr_result(self, result: LRFinderResult) -> None:
        self.lr_result = result
        finite = np.isfinite(result.smoothed)
        self.lr_raw_curve.setData(result.lrs[finite & np.isfinite(result.losses)], result.losses[finite & np.isfinite(result.losses)])
        self.lr_curve.setData(result.lrs[finite], result.smoothed[finite])
        if len(result.smoothed[finite]):
            lo, hi = float(np.min(result.smoothed[finite])), float(np.max(result.smoothed[finite][: max(1, len(finite) // 2)]))
            self.lr_plot.setYRange(lo - 0.05 * abs(lo), max(hi, lo) * 1.3 + 1e-6)
        ok = math.isfinite(result.suggestion)
        if ok:
            self.lr_marker.setValue(math.log10(result.suggestion))
            self.lr_marker.label.setFormat(f"suggested {result.suggestion:.2g}")
            self.lr_marker.show()
            self.lr_suggestion.setText(f"Suggested learning rate: <b>{result.suggestion:.2g}</b> (where the loss falls "
                                       f"fastest). Apply it, then Train." + (" (cancelled early)" if result.cancelled else ""))
            self.lr_apply.setText(f"Apply {result.suggestion:.2g}")
        else:
            self.lr_marker.hide()
            self.lr_suggestion.setText("No clear suggestion: the loss did not fall. Try more batches, or check the data.")
        self.lr_apply.setEnabled(ok)

    @Slot()
    def apply_lr(self) -> None:
        if self.lr_result is None or not math.isfinite(self.lr_result.suggestion):
            return
        spec = self.ctx.document.project.training.copy()
        spec.lr = float(f"{self.lr_result.suggestion:.2g}")
        self.ctx.document.set_training(spec)
        self.ctx.status_message.emit(f"Learning rate set to {spec.lr:g} for the next run", 4000)

    # ================================================================== sweep
    def sweep_spec(self) -> SweepSpec:
        widths: dict[int, list[int]] = {}
        layer = self.sweep_layer.currentData()
        if layer is not None and layer >= 0:
            values = parse_numbers(self.sweep_widths.text(), int, "Widths")
            if not values:
                raise RunsError("List the widths to try for the chosen layer (e.g. 4, 16, 64), or choose '(no layer)'")
            widths[int(layer)] = values
        lrs = parse_numbers(self.sweep_lrs.text(), float, "Learning rates")
        if not lrs:
            raise RunsError("List at least one learning rate, e.g. 0.001, 0.01")
        return SweepSpec(lrs=lrs, batch_sizes=parse_numbers(self.sweep_batches.text(), int, "Batch sizes"),
                         widths=widths, mode=self.sweep_mode.currentText(), trials=self.sweep_trials.value(),
                         epochs=self.sweep_epochs.value(), seed=self.ctx.document.project.training.seed)

    @Slot()
    def start_sweep(self) -> None:
        if self.task.running or self.ctx.training_active:
            return
        doc = self.ctx.document
        try:
            spec = self.sweep_spec()
            bundle = doc.bundle()
            arch = copy.deepcopy(doc.project.architecture)
            base = doc.project.training.copy()
            from nnstudio.core.sweep import trials

            total = len(trials(spec, base))
        except NNStudioError as exc:
            show_error(self, "Cannot start the sweep", exc)
            return
        store = self.store

        def task(tc: TaskContext) -> int:
            # Runs are numbered by the store (GUI thread data); new_run only reads ids, add() happens here too,
            # but the table is redrawn only from the item signal in the GUI thread.
            runs = run_sweep(spec, arch, bundle, base, store=_SweepStore(store), on_run=tc.item,
                             on_progress=tc.progress, control=tc.control)
            return len(runs)

        self._task_kind = "sweep"
        self.sweep_progress.setRange(0, total)
        self.sweep_progress.setValue(0)
        self.sweep_status.setText(f"Sweep of {total} runs started…")
        self.task.start(task)
        self._update_buttons()

    # ================================================================== task signals
    @Slot()
    def cancel_task(self) -> None:
        self.task.cancel()
        if self._task_kind == "sweep":
            self.sweep_status.setText("Cancelling: the current trial stops after its batch…")

    @Slot(int, int, str)
    def _on_task_progress(self, done: int, total: int, text: str) -> None:
        if self._task_kind == "lr":
            self.lr_progress.setValue(done)
        else:
            self.sweep_progress.setValue(done - 1)
            self.sweep_status.setText(f"Trial {done} of {total}: {text}")

    @Slot(object)
    def _on_task_item(self, run: Run) -> None:
        self.store.add(run)
        self.refresh()

    @Slot(object)
    def _on_task_done(self, result) -> None:
        kind, self._task_kind = self._task_kind, ""
        if kind == "lr":
            self.lr_progress.setValue(self.lr_progress.maximum())
            self.show_lr_result(result)
        else:
            best = self.store.best([r for r in self.store.runs if r.origin == "sweep" and r.status != "failed"])
            self.sweep_progress.setValue(result)
            self.sweep_status.setText(f"Sweep finished: {result} runs." + (f" Best: {best.name}." if best else ""))
        self._update_buttons()

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        kind, self._task_kind = self._task_kind, ""
        (self.lr_suggestion if kind == "lr" else self.sweep_status).setText(message)
        show_error(self, "The LR finder failed" if kind == "lr" else "The sweep failed", message)
        self._update_buttons()

    def shutdown(self) -> None:
        self.task.shutdown()


class _SweepStore(RunStore):
    """Numbers sweep runs after the panel's runs without touching the panel's list from the worker thread
    (the GUI thread adds each run when it arrives)."""

    def __init__(self, panel_store: RunStore) -> None:
        super().__init__()
        self._next = panel_store.next_id()

    def next_id(self) -> int:
        return self._next

    def add(self, run: Run) -> None:
        self._next = run.id + 1

