"""The Data tab: where the examples come from, how they are split and prepared, and what they look like.

Left: the source (dataset or file) with the split and batch size. Middle: the ordered preprocessing steps with
shapes before and after each. Right: previews. Every change goes to the document through ``set_data`` (built
off the GUI thread first), so the Architecture tab re-checks its shapes; a change that cannot be built is
shown as an error and the previous data stays.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.assemble import PreparedData
from nnstudio.core.data.drawn import encode_points
from nnstudio.core.data.spec import DataSpec, SplitSpec
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.data.pipeline import PipelineEditor
from nnstudio.gui.panels.data.preview import DataPreview
from nnstudio.gui.panels.data.source import DataSourceWidget
from nnstudio.gui.panels.data.split import SplitEditor
from nnstudio.gui.panels.data.worker import DataPreparer
from nnstudio.gui.presentation import mark_side_panel
from nnstudio.gui.threads import Completion
from nnstudio.gui.widgets.elide_combo import narrow_combo
from nnstudio.gui.widgets.fit_width import fit_content_width


class DataPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("data")
        self.ctx = ctx
        self.loader = DataPreparer(self)  # edits of the steps and split; the source widget has its own
        self.loader.completed.connect(self._on_prepared)
        self.loader.busy_changed.connect(self._on_busy)

        self.source = DataSourceWidget(ctx)
        # The column is narrow: let long dataset names elide instead of widening it.
        narrow_combo(self.source.source_combo, 14)
        self.split = SplitEditor()
        self.split.split_edited.connect(self._on_split_edited)
        self.split.batch_size_edited.connect(self._on_batch_size_edited)
        left_inner = QWidget()
        left_box = QVBoxLayout(left_inner)
        left_box.addWidget(self.source)
        left_box.addWidget(self.split)
        left_box.addStretch(1)
        left = QScrollArea()
        left.setObjectName("dataSourceScroll")
        left.setWidgetResizable(True)
        left.setWidget(left_inner)
        fit_content_width(left)  # as wide as its content needs, at any font size

        self.pipeline = PipelineEditor()
        self.pipeline.steps_edited.connect(self._on_steps_edited)
        self.status = QLabel()
        self.status.setObjectName("dataStatus")
        self.status.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setObjectName("prepareProgress")
        self.busy.setRange(0, 0)
        self.busy.setFormat("Preparing the data…")
        self.busy.setTextVisible(True)
        self.busy.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelPrepareButton")
        self.cancel_button.clicked.connect(self.loader.cancel)
        self.cancel_button.hide()
        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy, 1)
        busy_row.addWidget(self.cancel_button)
        middle = QWidget()
        mid_box = QVBoxLayout(middle)
        title = QLabel("<b>Preprocessing</b> (fitted on the training split only, then applied to every split)")
        title.setWordWrap(True)
        mid_box.addWidget(title)
        mid_box.addWidget(self.pipeline, 1)
        mid_box.addLayout(busy_row)
        mid_box.addWidget(self.status)

        self.preview = DataPreview()
        self.preview.drawing_ready.connect(self._on_drawing)
        self.pipeline.step_selected.connect(self.preview.show_step)
        self.pipeline.step_clicked.connect(self.preview.show_step_page)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("dataSplitter")
        for w in (left, middle, self.preview):
            self.splitter.addWidget(w)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([320, 430, 530])
        mark_side_panel(self.splitter, 1)  # presentation mode folds the preprocessing list: the data gets the room
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

        doc = ctx.document
        for signal in (doc.project_replaced, doc.data_changed, doc.training_changed):
            signal.connect(self.refresh)
        ctx.training_active_changed.connect(self._on_training_active)
        self._on_training_active(ctx.training_active)  # the tab may first open during a run
        self.refresh()

    # ------------------------------------------------------------------ document -> views
    def refresh(self) -> None:
        """Show the document's prepared data: the very object every other view reads, never a second fit."""
        doc = self.ctx.document
        spec = doc.project.data
        self.split.set_values(spec.split, spec.seed, doc.project.training.batch_size)
        if self._preview_current():
            self._show_prepared()
            return
        self.pipeline.set_steps(spec.preprocessing, None)
        if not self.isVisible():
            return  # previews are drawn when the tab is shown (startup stays fast)
        try:
            prepared = doc.prepared()
        except NNStudioError as exc:
            self.status.setText(f"<span style='color:#b00020'>{html.escape(str(exc))}</span>")
            return
        self.preview.set_data(prepared, prepared.bundle)
        self._show_prepared()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._preview_current() and not self.loader.running:
            self.refresh()

    def _show_prepared(self) -> None:
        doc = self.ctx.document
        spec = doc.project.data
        prepared = self.preview.prepared
        bundle = prepared.bundle
        self.pipeline.set_steps(spec.preprocessing, prepared.pipeline, tuple(prepared.raw.x.shape[1:]), len(bundle.train))
        pending = self.pipeline.take_pending_selection()
        if pending >= 0:
            self.pipeline.select(pending)
        self.split.set_counts(len(bundle.train), len(bundle.validation), len(bundle.test), prepared.raw.fixed_test is not None)
        self.status.setText("")

    @Slot(object)
    def _on_prepared(self, completion: Completion) -> None:
        doc = self.ctx.document
        if completion.exception is not None:
            if not completion.cancelled:
                show_error(self, "Cannot use these data settings", completion.exception)
            self.pipeline.take_pending_selection()
            self.pipeline.set_steps(doc.project.data.preprocessing, self.preview.prepared.pipeline if self._preview_current() else None)
            self.split.set_values(doc.project.data.split, doc.project.data.seed, doc.project.training.batch_size)
            return
        prepared: PreparedData = completion.result
        # Show the new data first, so the refresh that set_data triggers finds the previews current.
        self.preview.set_data(prepared, prepared.bundle)
        try:
            doc.set_data(prepared.spec, prepared)
        except NNStudioError as exc:
            show_error(self, "Cannot use these data settings", exc)
            self.refresh()

    def _preview_current(self) -> bool:
        """Whether the previews show the document's data (the prepared object the document holds now)."""
        shown = self.preview.prepared
        return shown is not None and shown is self.ctx.document.current_prepared

    # ------------------------------------------------------------------ edits -> document
    def apply_spec(self, spec: DataSpec) -> None:
        if self.ctx.training_active:
            show_error(self, "Training in progress", "Stop the current run on the Training tab before changing the data.")
            self.refresh()
            return
        doc = self.ctx.document
        self.loader.start(spec, doc.base_dir, doc.reusable_raw(spec))  # steps or split edited: the rows stay

    def _on_steps_edited(self, steps: list) -> None:
        spec = self.ctx.document.project.data.copy()
        spec.preprocessing = steps
        self.apply_spec(spec)

    def _on_split_edited(self, split: SplitSpec, seed: int) -> None:
        try:
            split = SplitSpec.from_dict(split.to_dict(), "data.split")
        except NNStudioError as exc:
            show_error(self, "Cannot use this split", exc)
            self.refresh()
            return
        spec = self.ctx.document.project.data.copy()
        spec.split, spec.seed = split, seed
        self.apply_spec(spec)

    def _on_batch_size_edited(self, value: int) -> None:
        training = self.ctx.document.project.training.copy()
        training.batch_size = value
        self.ctx.document.set_training(training)

    def _on_drawing(self, xy: np.ndarray, labels: np.ndarray, classes: int) -> None:
        current = self.ctx.document.project.data
        steps = current.preprocessing if current.source == "drawn" else []
        params = {"classes": classes, "points": encode_points(xy, labels)}
        self.apply_spec(DataSpec("drawn", params, [s for s in steps], current.split, current.seed).copy())

    # ------------------------------------------------------------------ state
    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.cancel_button.setVisible(busy)

    def _on_training_active(self, active: bool) -> None:
        for w in (self.pipeline, self.split, self.preview.draw_button):
            w.setEnabled(not active)

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Join every data thread (the window is closing), however long the file read in progress takes."""
        return all([self.loader.shutdown(timeout_ms), self.source.shutdown(timeout_ms)])
