"""The Data tab: what the current dataset holds."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.core.errors import NNStudioError, format_shape
from nnstudio.core.registry import DATASETS
from nnstudio.gui.context import AppContext
from nnstudio.gui.panels.data_source import DataSourceWidget


class DataPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("data")
        self.ctx = ctx
        # Placeholder embedding by the data-sources work (issue 4); the Data tab's owner reshapes this.
        self.source = DataSourceWidget(ctx)
        self.info = QLabel()
        self.info.setObjectName("dataInfo")
        self.info.setWordWrap(True)
        self.info.hide()  # the source widget shows the same facts
        layout = QVBoxLayout(self)
        layout.addWidget(self.source)
        layout.addWidget(self.info)
        layout.addStretch(1)
        for signal in (ctx.document.project_replaced, ctx.document.data_changed):
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        doc = self.ctx.document
        spec = doc.project.data
        entry = DATASETS.get(spec.source)
        try:
            b = doc.bundle()
        except NNStudioError as exc:
            self.info.setText(f"<b>{html.escape(entry.title)}</b><p style='color:#b00020'>{html.escape(str(exc))}</p>")
            return
        classes = ", ".join(b.class_names) if b.class_names else "(regression target)"
        self.info.setText(
            f"<h2>{html.escape(entry.title)}</h2><p>{html.escape(entry.help)}</p>"
            f"<p><b>Task:</b> {b.task} · <b>Input shape:</b> {format_shape(b.input_shape)} · "
            f"<b>Examples:</b> {len(b.train)} train / {len(b.validation)} validation / {len(b.test)} test</p>"
            f"<p><b>Classes:</b> {html.escape(classes)}</p>"
        )
