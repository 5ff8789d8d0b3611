"""The Evaluation tab: how good the trained network really is, where it fails, and trying it by hand.

The numbers come from ``nnstudio.core.evaluate`` (scikit-learn underneath), computed off the GUI thread
whenever new weights arrive and the tab is on screen.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from torch import nn

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.evaluate.report import EvaluationReport, Example, worst_examples
from nnstudio.core.evaluate.tryit import RawView, is_image
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.evaluation.plots import ConfusionPage, CurvesPage, RegressionPage
from nnstudio.gui.panels.evaluation.runner import EvaluationOutcome, EvaluationRunner
from nnstudio.gui.panels.evaluation.tables import ClassTable, GapNotes, SplitMetricsTable
from nnstudio.gui.panels.evaluation.tryit import TryItPage
from nnstudio.gui.panels.protocol import RevisionWatch
from nnstudio.gui.threads import Completion
from nnstudio.gui.widgets.elide_combo import narrow_combo
from nnstudio.gui.widgets.example_gallery import ExampleData, ExampleGallery

MISTAKES_SHOWN = 60


class EvaluationPanel(QWidget):
    evaluation_finished = Signal(object)  # EvaluationReport, or None when it failed or was cancelled

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluation")
        self.ctx = ctx
        self.report: EvaluationReport | None = None
        self.bundle: DataBundle | None = None
        self.model: nn.Module | None = None
        self.raw: RawView | None = None
        self._filtered_window: QObject | None = None
        self.runner = EvaluationRunner(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.completed.connect(self._on_completed)

        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.setToolTip("Compute every metric for the trained weights on every split")
        self.evaluate_button.clicked.connect(self.evaluate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelEvaluationButton")
        self.cancel_button.setToolTip("Stop the evaluation")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.progress = QProgressBar()
        self.progress.setObjectName("evaluationProgress")
        self.progress.setMaximumWidth(260)
        self.progress.setFormat("")
        self.split_combo = narrow_combo(QComboBox(), 12)
        self.split_combo.setObjectName("splitCombo")
        self.split_combo.setToolTip("The split the per-class table, the plots and the mistakes show")
        self.split_combo.currentTextChanged.connect(self._split_chosen)
        self.export_csv_button = QPushButton("Export metrics (CSV)…")
        self.export_csv_button.setObjectName("exportCsvButton")
        self.export_csv_button.setToolTip("Save every split's metrics as a CSV table")
        self.export_csv_button.clicked.connect(self.export_csv_dialog)
        self.export_png_button = QPushButton("Export plots (PNG)…")
        self.export_png_button.setObjectName("exportPngButton")
        self.export_png_button.setToolTip("Save the evaluation's plots as PNG images into a folder you choose")
        self.export_png_button.clicked.connect(self.export_plots_dialog)
        bar = QHBoxLayout()
        bar.addWidget(self.evaluate_button)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.progress)
        bar.addSpacing(16)
        bar.addWidget(QLabel("Details for:"))
        bar.addWidget(self.split_combo)
        bar.addStretch(1)
        bar.addWidget(self.export_csv_button)
        bar.addWidget(self.export_png_button)

        self.status = QLabel()
        self.status.setObjectName("evaluationStatus")
        self.status.setWordWrap(True)

        # Overview: every split side by side | notes on the gaps + per-class table
        self.metrics_table = SplitMetricsTable()
        self.gap_notes = GapNotes()
        self.class_title = QLabel()
        self.class_table = ClassTable()
        notes_scroll = QScrollArea()
        notes_scroll.setWidgetResizable(True)
        notes_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        notes_scroll.setWidget(self.gap_notes)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(notes_scroll, 2)
        rl.addWidget(self.class_title)
        rl.addWidget(self.class_table, 5)
        overview = QSplitter()
        overview.addWidget(self.metrics_table)
        overview.addWidget(right)
        overview.setStretchFactor(0, 5)
        overview.setStretchFactor(1, 6)

        self.confusion_page = ConfusionPage()
        self.confusion_page.example_chosen.connect(self.send_example)
        self.curves_page = CurvesPage()
        self.confusion_page.curves = self.curves_page
        self.regression_page = RegressionPage()

        self.mistakes_title = QLabel()
        self.mistakes_title.setWordWrap(True)
        self.mistakes = ExampleGallery()
        self.mistakes.setObjectName("mistakesGallery")
        self.mistakes.example_chosen.connect(self.send_example)
        self.mistakes_send = QPushButton("Explain on the Interpretability tab")
        self.mistakes_send.setObjectName("mistakesSendButton")
        self.mistakes_send.setToolTip("Ask the Interpretability tab why the network got the selected example wrong")
        self.mistakes_send.setEnabled(False)
        self.mistakes_send.clicked.connect(self._send_mistake)
        self.mistakes.currentItemChanged.connect(self._mistake_selected)
        mistakes_page = QWidget()
        ml = QVBoxLayout(mistakes_page)
        ml.addWidget(self.mistakes_title)
        ml.addWidget(self.mistakes, 1)
        ml.addWidget(self.mistakes_send, 0, Qt.AlignmentFlag.AlignLeft)

        self.try_page = TryItPage()
        self.try_page.send_requested.connect(self._send_tried)

        self.pages = QTabWidget()
        self.pages.setObjectName("evaluationPages")
        self.overview_index = self.pages.addTab(overview, "Overview")
        self.confusion_index = self.pages.addTab(self.confusion_page, "Confusion matrix")
        self.curves_index = self.pages.addTab(self.curves_page, "ROC && PR curves")
        self.regression_index = self.pages.addTab(self.regression_page, "Predicted vs actual")
        self.mistakes_index = self.pages.addTab(mistakes_page, "Mistakes")
        self.try_index = self.pages.addTab(self.try_page, "Try it")

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.pages, 1)

        doc = ctx.document
        changes = (doc.weights_changed, doc.project_replaced, doc.data_changed, doc.architecture_changed)
        self.watch = RevisionWatch(self, doc, self._evaluate_if_idle, changes)
        for signal in changes:
            signal.connect(self._document_changed)
        ctx.training_active_changed.connect(self._training_active)
        self._show_empty()

    # ------------------------------------------------------------------ state
    def _document_changed(self, *_: object) -> None:
        # The watch re-evaluates when visible (now, or once shown); what is shown meanwhile is out of date.
        if self.runner.running:
            self.runner.cancel()
        if not self.isVisible():
            self._show_empty(keep_report=False)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        window = self.window()
        if window is not self and window is not self._filtered_window:
            window.installEventFilter(self)  # join our thread before the window goes away
            self._filtered_window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._filtered_window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def _training_active(self, active: bool) -> None:
        self.evaluate_button.setEnabled(not active and self.ctx.document.project.weights is not None)
        if active:
            self.status.setText("Training is running; the evaluation updates when it finishes.")

    def _evaluate_if_idle(self) -> bool:
        """The watch's refresh: False while the cancelled evaluation is still ending (its completion checks again)."""
        if self.runner.running:
            return False
        self.evaluate()
        return True

    def _show_empty(self, message: str | None = None, keep_report: bool = False) -> None:
        has_weights = bool(self.ctx.document.project.weights)
        if message is None:
            message = ("Press Evaluate to measure the trained network." if has_weights else
                       "No trained weights yet: train the network on the Training tab, and its evaluation appears here.")
        self.status.setText(message)
        self.evaluate_button.setEnabled(has_weights and not self.ctx.training_active)
        if not keep_report:
            self.report = None
            self.model = None
            self.export_csv_button.setEnabled(False)
            self.export_png_button.setEnabled(False)
            bundle = self._safe_bundle()
            if bundle is not None:  # before any report, the pages follow the data's task
                self._show_task_pages(bundle.task == CLASSIFICATION)
            self.try_page.set_context(bundle, None, None)

    def _show_task_pages(self, classification: bool) -> None:
        """Only the pages that act on this task: no 'Predicted vs actual' for classes, no confusion matrix for numbers."""
        for index, visible in ((self.confusion_index, classification), (self.curves_index, classification),
                               (self.regression_index, not classification)):
            self.pages.setTabVisible(index, visible)

    def _safe_bundle(self) -> DataBundle | None:
        try:
            return self.ctx.document.bundle()
        except NNStudioError:
            return None

    # ------------------------------------------------------------------ evaluate
    @Slot()
    def evaluate(self) -> None:
        """Start evaluating the project's trained weights on every split (in a worker thread)."""
        if self.runner.running or self.ctx.training_active:
            return
        doc = self.ctx.document
        if not doc.project.weights:
            self.watch.mark_current()
            self._show_empty()
            self.evaluation_finished.emit(None)
            return
        try:
            bundle = doc.bundle()
            model = doc.trained_model()
        except NNStudioError as exc:
            self.watch.mark_current()
            self._show_empty(f"<span style='color:#b00020'>Cannot evaluate: {html.escape(str(exc))}</span> "
                             "Train the network again for the current architecture and data.")
            self.evaluation_finished.emit(None)
            return
        self.watch.mark_current()
        self.bundle, self.model = bundle, model
        self.evaluate_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("Predicting…")
        self.status.setText("Evaluating the trained network on every split…")
        self.runner.start(model, doc.prepared())

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, split: str) -> None:
        self.progress.setValue(int(100 * done / max(total, 1)))
        self.progress.setFormat(f"{split}: %p%")

    @Slot(object)
    def _on_completed(self, done: Completion) -> None:
        self.cancel_button.setEnabled(False)
        self.evaluate_button.setEnabled(bool(self.ctx.document.project.weights) and not self.ctx.training_active)
        if done.exception is not None:
            self.progress.setFormat("Cancelled" if done.cancelled else "Failed")
            self._show_empty(html.escape(done.error), keep_report=False)
            if not done.cancelled:
                show_error(self, "Evaluation failed", done.error)
            self.evaluation_finished.emit(None)
            self.watch.check()  # the document changed meanwhile
            return
        outcome: EvaluationOutcome = done.result
        self.progress.setValue(100)
        self.progress.setFormat("Done")
        self.raw = outcome.raw
        self.show_report(outcome.report)
        self.evaluation_finished.emit(outcome.report)

    # ------------------------------------------------------------------ show
    def show_report(self, report: EvaluationReport) -> None:
        self.report = report
        classification = report.is_classification
        self._show_task_pages(classification)
        self.class_title.setVisible(classification)
        self.class_table.setVisible(classification)
        self.metrics_table.show_report(report)
        self.gap_notes.show_gaps(report.gaps, report)
        project = self.ctx.document.project
        epochs = len(project.history.get("epoch", []))
        skipped = "".join(f" The {name} split is {why}." for name, why in report.skipped.items())
        self.status.setText(
            f"<b>{html.escape(project.architecture.name)}</b> after {epochs} epochs, on {html.escape(self.bundle.description if self.bundle else '')} "
            f"Main figures: the <b>{report.main_split}</b> split, never used for training.{skipped}"
        )
        self.export_csv_button.setEnabled(True)
        self.export_png_button.setEnabled(True)
        self.split_combo.blockSignals(True)
        self.split_combo.clear()
        self.split_combo.addItems(list(report.splits))
        self.split_combo.setCurrentText(report.main_split)
        self.split_combo.blockSignals(False)
        self._split_chosen(report.main_split)
        self.try_page.set_context(self.bundle, self.model, self.raw)

    def example_data(self, split: str) -> ExampleData:
        assert self.bundle is not None
        x = self.bundle.splits()[split].x.numpy()
        raw = self.raw.splits.get(split) if self.raw is not None else None
        return ExampleData(
            x, raw, list(self.bundle.class_names), list(self.bundle.feature_names), is_image(self.bundle),
            self.raw.value_range if self.raw is not None else None,
        )

    def _split_chosen(self, name: str) -> None:
        if self.report is None or name not in self.report.splits:
            return
        split = self.report.splits[name]
        data = self.example_data(name)
        if self.report.is_classification:
            self.class_title.setText(f"<b>Per class on {html.escape(name)}</b> (hover the table headers for what each means)")
            self.class_table.show_metrics(split.metrics, self.report.class_names)
            self.curves_page.show_split(split, self.report.class_names)
            self.confusion_page.show_split(split, data, self.report.class_names)
            wrong = int(np.sum(split.y_pred != split.y_true))
            shown = worst_examples(split, MISTAKES_SHOWN)
            self.mistakes_title.setText(
                f"<b>{wrong} of {len(split)} {html.escape(name)} examples are misclassified.</b> The most confidently wrong "
                f"come first{f' ({len(shown)} shown)' if len(shown) < wrong else ''}: true label → predicted label "
                "(confidence). Select one and explain it."
                if wrong else
                f"<b>Every one of the {len(split)} {html.escape(name)} examples is classified correctly.</b> Try a harder "
                "split, or list the right answers from the confusion matrix's diagonal cells."
            )
        else:
            self.regression_page.show_split(split)
            shown = worst_examples(split, MISTAKES_SHOWN)
            self.mistakes_title.setText(f"<b>The {len(shown)} worst-predicted {html.escape(name)} examples</b>, largest error first.")
        self.mistakes.show_examples(shown, data, regression=not self.report.is_classification)
        self.mistakes_send.setEnabled(False)

    def _mistake_selected(self, *_: object) -> None:
        self.mistakes_send.setEnabled(self.mistakes.currentItem() is not None)

    # ------------------------------------------------------------------ send to Interpretability
    def _send_mistake(self) -> None:
        example = self.mistakes.current_example()
        if example is not None:
            self.send_example(example)

    def send_example(self, example: Example) -> None:
        if self.bundle is None or self.report is None:
            return
        x = self.bundle.splits()[example.split].x[example.index].numpy().copy()
        if self.report.is_classification:
            names = self.report.class_names
            label: int | None = int(example.true)
            description = (f"{example.split.capitalize()} example {example.index}: true {names[example.true]}, "
                           f"predicted {names[example.predicted]} ({example.confidence:.0%} sure)")
        else:
            label = None
            description = f"{example.split.capitalize()} example {example.index}: actual {example.true}, predicted {example.predicted}"
        self._emit_example(x, label, description)

    def _send_tried(self, x: np.ndarray, description: str) -> None:
        self._emit_example(x, None, description)

    def _emit_example(self, x: np.ndarray, label: int | None, description: str) -> None:
        self.ctx.example_sent.emit({"x": x, "label": label, "source": "evaluation", "description": description})
        self.ctx.show_tab_requested.emit("interpret")

    # ------------------------------------------------------------------ export
    def export_csv_dialog(self) -> None:
        if self.report is None:
            return
        start = str(Path(self.ctx.settings.last_folder()) / f"{self.ctx.document.project.name} metrics.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics", start, "CSV table (*.csv)")
        if path:
            target = Path(path) if Path(path).suffix.lower() == ".csv" else Path(path).with_suffix(".csv")
            try:
                self.report.write_csv(target)
            except NNStudioError as exc:
                show_error(self, "Cannot export metrics", exc)
                return
            self.ctx.status_message.emit(f"Metrics written to {target.name}", 4000)

    def export_plots_dialog(self) -> None:
        if self.report is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Export plots into folder", self.ctx.settings.last_folder())
        if folder:
            try:
                written = self.export_plots(Path(folder))
            except NNStudioError as exc:
                show_error(self, "Cannot export plots", exc)
                return
            self.ctx.status_message.emit(f"{len(written)} plots written to {folder}", 4000)

    def export_plots(self, folder: Path) -> list[Path]:
        """Save every plot of the current split as a PNG in ``folder``; returns the files written."""
        if self.report is None:
            return []
        split = self.split_combo.currentText() or self.report.main_split
        widgets: list[tuple[str, QWidget]]
        if self.report.is_classification:
            widgets = [("confusion_matrix", self.confusion_page.heatmap), ("roc", self.curves_page.roc_plot),
                       ("precision_recall", self.curves_page.pr_plot)]
        else:
            widgets = [("predicted_vs_actual", self.regression_page.scatter_plot), ("residuals", self.regression_page.residual_plot)]
        if self.try_page.output is not None and self.report.is_classification:
            widgets.append(("try_it_probabilities", self.try_page.bars_plot))
        written = []
        for name, widget in widgets:
            if widget.width() < 300 or widget.height() < 250:  # never laid out on screen yet
                widget.resize(max(widget.width(), 640), max(widget.height(), 480))
            path = folder / f"{split} {name}.png".replace(" ", "_")
            if not widget.grab().save(str(path), "PNG"):
                raise NNStudioError(f"Cannot write {path}; choose a folder you can write to")
            written.append(path)
        return written

    # ------------------------------------------------------------------ closing
    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        return self.runner.shutdown(timeout_ms)
