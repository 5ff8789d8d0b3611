"""Tabs whose tools are not built yet show the project's specs and results, read-only."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.gui.context import AppContext
from nnstudio.gui.widgets.spec_view import SpecView


class SummaryPanel(QWidget):
    def __init__(self, ctx: AppContext, name: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.ctx = ctx
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.results = QLabel()
        self.results.setObjectName(f"{name}Results")
        self.results.setWordWrap(True)
        self.view = SpecView()
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.results)
        layout.addWidget(self.view, 1)
        doc = ctx.document
        for signal in (doc.project_replaced, doc.architecture_changed, doc.data_changed, doc.training_changed, doc.weights_changed):
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        project = self.ctx.document.project
        self.view.show_project(project)
        history = project.history
        if not history.get("epoch"):
            self.results.setText("<i>No trained weights yet: train the network on the Training tab.</i>")
            return
        last = {k: v[-1] for k, v in history.items() if v}
        shown = " · ".join(
            f"{k.replace('_', ' ')} <b>{v:.4f}</b>" for k, v in last.items() if k not in ("epoch", "seconds", "lr") and math.isfinite(v)
        )
        self.results.setText(f"After {int(last['epoch'])} epochs: {shown}")
