"""The Architecture tab: the layer stack with each layer's output shape and parameter count."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from nnstudio.core.errors import NNStudioError, ShapeError, format_shape
from nnstudio.core.registry import LAYERS
from nnstudio.gui.context import AppContext

COLUMNS = ["#", "Layer", "Settings", "Output shape", "Parameters"]


class ArchitecturePanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("architecture")
        self.ctx = ctx
        self.input_label = QLabel()
        self.input_label.setObjectName("inputShapeLabel")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("layerTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.totals = QLabel()
        self.totals.setObjectName("totalsLabel")
        self.error = QLabel()
        self.error.setObjectName("shapeErrorLabel")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.input_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.totals)
        doc = ctx.document
        for signal in (doc.project_replaced, doc.architecture_changed, doc.data_changed):
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        doc = self.ctx.document
        layers = doc.project.architecture.layers
        self.table.setRowCount(len(layers))
        for row, spec in enumerate(layers):
            entry = LAYERS.get(spec.kind)
            for col, text in enumerate([str(row + 1), entry.title, entry.obj.summary(spec.params), "", ""]):
                item = QTableWidgetItem(text)
                item.setToolTip(entry.help)
                self.table.setItem(row, col, item)
        self.error.clear()
        try:
            bundle = doc.bundle()
            self.input_label.setText(f"Input: {format_shape(bundle.input_shape)} from {bundle.description}")
            built = doc.built()
        except ShapeError as exc:
            self._mark_error(exc)
            return
        except NNStudioError as exc:
            self.error.setText(str(exc))
            self.totals.clear()
            return
        top = [info for info in built.layers if info.depth == 0]
        for row, info in enumerate(top):
            self.table.item(row, 3).setText(format_shape(info.out_shape))
            self.table.item(row, 4).setText(f"{info.params:,}")
            for col in (3, 4):
                self.table.item(row, col).setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.totals.setText(
            f"<b>{built.total_params:,}</b> parameters ({built.trainable_params:,} trainable) · "
            f"{built.size_kb:,.1f} KB · {built.macs:,} multiply-accumulates per example · output {format_shape(built.output_shape)}"
        )

    def _mark_error(self, exc: ShapeError) -> None:
        self.error.setText(str(exc))
        self.totals.setText("The network does not fit the data yet.")
        row = int(exc.index.split(".")[0]) - 1
        if 0 <= row < self.table.rowCount():
            for col in range(self.table.columnCount()):
                self.table.item(row, col).setBackground(QColor("#ffd7d7"))
