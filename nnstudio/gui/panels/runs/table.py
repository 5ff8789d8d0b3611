"""The runs table: settings and results side by side, sortable, the best run by validation highlighted."""

from __future__ import annotations

import math

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QWidget

from nnstudio.core.workspace.runs import Run
from nnstudio.gui.widgets.fit_width import stretch_while_room

COLUMNS = ("Run", "Status", "Epochs", "Learning rate", "Batch", "Optimizer", "Hidden widths", "Train loss",
           "Val loss", "Val acc./RMSE", "Best epoch", "Best val", "Time (s)")
METRIC_COLUMN = COLUMNS.index("Val acc./RMSE")
RUN_ROLE = Qt.ItemDataRole.UserRole  # the run's id, on the first cell of its row
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
BEST_BACKGROUND = QColor("#dcf3dc")
STATUS_COLUMN = COLUMNS.index("Status")
REASON_CHARS = 60  # of a failed run's reason shown beside its status; the whole reason is the tooltip


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


def _num(value: float | None, fmt: str = "{:.4f}") -> tuple[str, float]:
    return ("—", math.nan) if value is None or not math.isfinite(value) else (fmt.format(value), float(value))


def _status_text(run: Run) -> str:
    """'failed' alone says nothing: a run that failed or diverged shows the start of its reason."""
    shown = run.status.replace("_", " ")
    if run.status in ("failed", "diverged") and run.message:
        reason = run.message
        if len(reason) > REASON_CHARS:
            reason = reason[: REASON_CHARS - 1].rstrip() + "…"
        shown += f": {reason}"
    return shown


def _cells(run: Run, best: bool, metric: str) -> list[tuple[str, float | str]]:
    """One row: the shown text and the sort key of each column."""
    final = run.final_metrics()
    return [
        ((("★ " if best else "") + run.name), run.id),
        (_status_text(run), run.status),
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


class RunsTable(QTableWidget):
    """Shows runs; which of them are selected is read back as run ids (rows move when sorted)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("runsTable")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        stretch_while_room(self, 0)  # the Run column takes the spare width, never less than it needs
        self.setToolTip("Click a column header to sort. Select runs (Ctrl/Shift-click) to overlay their curves.")

    def selected_ids(self) -> set[int]:
        return {self.item(i.row(), 0).data(RUN_ROLE) for i in self.selectionModel().selectedRows()}

    def show_runs(self, runs: list[Run], best: Run | None) -> None:
        """Redraw every row, keeping the selection; emits no selection signal (the caller updates the rest)."""
        selected = self.selected_ids()
        sorting = self.isSortingEnabled()
        self.setSortingEnabled(False)  # rows would move while they are filled
        self.blockSignals(True)
        self.setRowCount(len(runs))
        for row, run in enumerate(runs):
            metric = "val_accuracy" if "val_accuracy" in run.history else "val_rmse"
            for col, (text, key) in enumerate(_cells(run, run is best, metric)):
                item = SortItem(text, key)
                if col == 0:
                    item.setData(RUN_ROLE, run.id)
                    item.setToolTip(run.message or run.name)
                if col == STATUS_COLUMN:
                    item.setToolTip(run.message or text)
                if col == METRIC_COLUMN:
                    item.setToolTip(metric.replace("_", " "))
                if run is best:
                    item.setBackground(BEST_BACKGROUND)
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(row, col, item)
        self.setSortingEnabled(sorting)
        self.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row in range(self.rowCount()):
            if self.item(row, 0).data(RUN_ROLE) in selected:
                self.selectionModel().select(self.model().index(row, 0), flags)
        self.blockSignals(False)
