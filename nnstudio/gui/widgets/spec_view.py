"""A read-only, readable rendering of a project's specs, for tabs that only show them."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QTextBrowser, QWidget

from nnstudio.core.project import Project
from nnstudio.core.registry import DATASETS, LAYERS, LOSSES, OPTIMIZERS


def _params(params: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in params.items()) or "defaults"


def project_summary_html(project: Project) -> str:
    arch = project.architecture
    rows = "".join(
        f"<tr><td>{i}</td><td><b>{html.escape(LAYERS.get(l.kind).title)}</b></td><td>{html.escape(_params(l.params))}</td></tr>"
        for i, l in enumerate(arch.layers, start=1)
    )
    data, train = project.data, project.training
    steps = ", ".join(s.kind for s in data.preprocessing) or "none"
    return f"""
<h2>{html.escape(project.name)}</h2>
<h3>Architecture: {html.escape(arch.name)}</h3>
<table cellspacing="6"><tr><th align="left">#</th><th align="left">Layer</th><th align="left">Parameters</th></tr>{rows}</table>
<h3>Data</h3>
<p>{html.escape(DATASETS.get(data.source).title)} ({html.escape(_params(data.params))}); preprocessing: {html.escape(steps)};
validation {data.split.validation:.0%}, test {data.split.test:.0%}, seed {data.seed}</p>
<h3>Training</h3>
<p>{html.escape(LOSSES.get(train.loss).title)} loss, {html.escape(OPTIMIZERS.get(train.optimizer).title)} at learning rate {train.lr:g},
batch size {train.batch_size}, {train.epochs} epochs, seed {train.seed}, device {train.device}</p>
"""


class SpecView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("specView")
        self.setOpenLinks(False)

    def show_project(self, project: Project) -> None:
        self.setHtml(project_summary_html(project))
