"""The numbers: every split side by side, one split's classes, and the notes on the gaps between them."""

from __future__ import annotations

import html
import math
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.evaluate.gaps import ALERT, WARNING, Gap
from nnstudio.core.evaluate.report import ClassificationMetrics, EvaluationReport

Row = tuple[str, str, Callable[[object], float], bool, str]  # key, title, getter, as percent, help

CLASSIFICATION_ROWS: list[Row] = [
    ("n", "Examples", lambda m: m.n, False, "How many examples the split holds."),
    ("accuracy", "Accuracy", lambda m: m.accuracy, True, "Share of examples whose predicted class is the true one."),
    ("majority_baseline", "Majority-class baseline", lambda m: m.majority_baseline, True,
     "Accuracy of always answering the most common training class. A model must beat this to have learned anything."),
    ("balanced_accuracy", "Balanced accuracy", lambda m: m.balanced_accuracy, True,
     "The average recall over classes: every class counts the same, however rare."),
    ("precision_macro", "Precision (macro)", lambda m: m.macro["precision"], False,
     "Of the examples predicted as a class, the share that really are; averaged over classes."),
    ("recall_macro", "Recall (macro)", lambda m: m.macro["recall"], False,
     "Of the examples of a class, the share the model finds; averaged over classes."),
    ("f1_macro", "F1 (macro)", lambda m: m.macro["f1"], False, "Harmonic mean of precision and recall, averaged over classes equally."),
    ("f1_weighted", "F1 (weighted)", lambda m: m.weighted["f1"], False, "F1 averaged over classes, weighted by how many examples each has."),
    ("log_loss", "Log loss", lambda m: m.log_loss, False,
     "Average surprise at the true class (lower is better). Punishes confident wrong answers hard."),
    ("roc_auc", "ROC AUC", lambda m: m.roc_auc, False,
     "Chance that a random positive example scores above a random negative one (one class vs the rest, averaged)."),
]
MEAN_HELP = ("The same figure for always predicting the training split's mean, whatever the input. A model must beat "
             "this to have learned anything from its inputs.")
REGRESSION_ROWS: list[Row] = [
    ("n", "Examples", lambda m: m.n, False, "How many examples the split holds."),
    ("mse", "MSE", lambda m: m.mse, False, "Mean squared error: large errors count quadratically."),
    ("baseline_mse", "MSE of always the mean", lambda m: m.baseline_mse, False, MEAN_HELP),
    ("rmse", "RMSE", lambda m: m.rmse, False, "Root of the MSE, in the target's own units: a typical error size."),
    ("baseline_rmse", "RMSE of always the mean", lambda m: m.baseline_rmse, False, MEAN_HELP),
    ("mae", "MAE", lambda m: m.mae, False, "Mean absolute error: the average distance from the truth."),
    ("baseline_mae", "MAE of always the mean", lambda m: m.baseline_mae, False, MEAN_HELP),
    ("r2", "R²", lambda m: m.r2, False, "Share of the target's variation the model explains: 1 is perfect, 0 is no better than the mean."),
    ("baseline_r2", "R² of always the mean", lambda m: m.baseline_r2, False, MEAN_HELP),
    ("spread_ratio", "Prediction spread", lambda m: m.spread_ratio, True,
     "Standard deviation of the predictions as a share of the targets'. Far under 100%: the predictions are squeezed "
     "into a narrow band and the network does not follow its inputs yet."),
]
BASELINE_KEYS = {"majority_baseline", "baseline_mse", "baseline_rmse", "baseline_mae", "baseline_r2"}
ALERT_BG, WARNING_BG = QColor("#fde2e1"), QColor("#fff1d6")


def fmt(value: float, percent: bool = False, integer: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if integer:
        return f"{int(value):,}"
    return f"{value:.1%}" if percent else f"{value:.4f}"


class SplitMetricsTable(QTableWidget):
    """Rows: metrics; columns: splits. Cells named by a gap are tinted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("splitMetricsTable")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rows: list[Row] = []
        self.split_names: list[str] = []

    def show_report(self, report: EvaluationReport) -> None:
        self.rows = CLASSIFICATION_ROWS if report.is_classification else REGRESSION_ROWS
        self.split_names = list(report.splits)
        self.clear()
        self.setRowCount(len(self.rows))
        self.setColumnCount(len(self.split_names))
        self.setHorizontalHeaderLabels(self.split_names)
        for r, (_key, title, _, _, help_text) in enumerate(self.rows):
            header = QTableWidgetItem(title)
            header.setToolTip(help_text)
            if _key in BASELINE_KEYS:  # baselines read as the yardstick beside the metric above them
                header.setForeground(QBrush(QColor("#666")))
            self.setVerticalHeaderItem(r, header)
        marks = _gap_marks(report.gaps)
        for c, name in enumerate(self.split_names):
            m = report.splits[name].metrics
            for r, (key, _, get, percent, help_text) in enumerate(self.rows):
                item = QTableWidgetItem(fmt(get(m), percent, integer=key == "n"))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(help_text)
                if key in BASELINE_KEYS:
                    item.setForeground(QBrush(QColor("#666")))
                severity = marks.get((name, key))
                if severity:
                    item.setBackground(QBrush(ALERT_BG if severity == ALERT else WARNING_BG))
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(r, c, item)

    def value_text(self, split: str, key: str) -> str:
        r = [row[0] for row in self.rows].index(key)
        return self.item(r, self.split_names.index(split)).text()


def _gap_marks(gaps: list[Gap]) -> dict[tuple[str, str], str]:
    """(split, metric) cells to tint for each gap."""
    marks: dict[tuple[str, str], str] = {}
    for gap in gaps:
        keys = {"imbalance": ("accuracy", "majority_baseline"),
                "baseline": ("accuracy", "majority_baseline", "mse", "baseline_mse", "r2"),
                "spread": ("spread_ratio",)}.get(gap.kind, ("accuracy", "rmse"))
        for split in gap.splits:
            for key in keys:
                marks[(split, key)] = gap.severity
    return marks


class ClassTable(QTableWidget):
    """One split's precision, recall, F1, support and AUC per class, with the macro and weighted averages."""

    COLUMNS = ("Precision", "Recall", "F1", "Support", "ROC AUC")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classTable")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

    def show_metrics(self, m: ClassificationMetrics, class_names: list[str]) -> None:
        self.clear()
        binary = len(class_names) == 2
        rows: list[tuple[str, list[str]]] = []
        for c, cls in enumerate(class_names):
            curve = m.roc[0] if binary else m.roc[c]
            auc = (m.roc_auc if binary else curve.area) if curve is not None else math.nan
            rows.append((cls, [fmt(m.precision[c]), fmt(m.recall[c]), fmt(m.f1[c]), f"{int(m.support[c]):,}", fmt(auc)]))
        for title, avg, auc in (("macro average", m.macro, m.roc_auc), ("weighted average", m.weighted, math.nan)):
            rows.append((title, [fmt(avg["precision"]), fmt(avg["recall"]), fmt(avg["f1"]), f"{m.n:,}", fmt(auc)]))
        self.setColumnCount(len(self.COLUMNS))
        self.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.setRowCount(len(rows))
        self.setVerticalHeaderLabels([r[0] for r in rows])
        for r, (_, cells) in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r >= len(class_names):
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(r, c, item)


class GapNotes(QWidget):
    """One coloured note per gap (after the report's notes on the data); a green one when nothing looks wrong."""

    STYLE = {
        ALERT: "background:#fde2e1; border-left:5px solid #c62828;",
        WARNING: "background:#fff1d6; border-left:5px solid #ef8f00;",
        "info": "background:#e3f0fb; border-left:5px solid #1f77b4;",
        "ok": "background:#e6f4ea; border-left:5px solid #2e7d32;",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gapNotes")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addStretch(1)  # notes stay at the top
        self.labels: list[QLabel] = []

    def show_gaps(self, gaps: list[Gap], report: EvaluationReport) -> None:
        for label in self.labels:
            label.deleteLater()
        self.labels = []
        notes = [("info", "Note", note) for note in report.notes] + [(g.severity, g.title, g.message) for g in gaps]
        if not notes:
            main = report.main_split
            notes = [("ok", "No warning signs", f"Training and {main} scores are close, and no split the model never saw "
                      "falls behind. Still look at the " + ("per-class figures and the mistakes." if report.is_classification else "worst predictions."))]
        for severity, title, message in notes:
            label = QLabel(f"<b>{html.escape(title)}</b><br>{html.escape(message)}")
            label.setObjectName(f"gap_{severity}")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setStyleSheet(f"QLabel {{{self.STYLE.get(severity, self.STYLE['info'])} padding:6px 8px; color:#222;}}")
            self._layout.insertWidget(len(self.labels), label)
            self.labels.append(label)

    def texts(self) -> list[str]:
        return [label.text() for label in self.labels]



