"""The latent space: the test set as the network sees it at one layer, squashed to 2-D, one dot per example.

Colour is the true class; a dot with a dark ring is one the network gets wrong. Hovering a dot shows the
example it stands for (its picture, or its values). A VAE (a network with a GaussianLatent layer) shows its
own latent plane and decoder instead (vae_view.VaePane).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.interpret import internals
from nnstudio.core.interpret.internals import Latent
from nnstudio.gui.palette import color  # the app's one palette
from nnstudio.gui.panels.interpret.jobs import Job, JobView
from nnstudio.gui.panels.interpret.vae_view import VaePane
from nnstudio.gui.widgets.image_grid import to_pixmap

MAX_POINTS = 2000  # t-SNE on more takes minutes; the first ones are a fair sample of the shuffled test split
PREVIEW = 140


class LatentView(JobView):
    run_text = "Map the test set"
    unit = "steps"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latentView")
        self.layer = QComboBox()
        self.layer.setObjectName("latentLayer")
        self.layer.setToolTip("The layer whose output is the representation (the last hidden layer is the usual choice)")
        self.method = QComboBox()
        self.method.setObjectName("latentMethod")
        self.method.setToolTip("How the hidden layer's many numbers are flattened to two for the plot")
        for key, title in internals.PROJECTIONS.items():
            self.method.addItem(title, key)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Layer:", self.layer)
        form.addRow("Projection:", self.method)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("latentPlot")
        self.plot.setBackground("w")
        self.plot.setMenuEnabled(False)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.scatter = pg.ScatterPlotItem(size=9, hoverable=True, hoverSize=14, tip=None)
        self.scatter.sigHovered.connect(self._hovered)
        self.plot.addItem(self.scatter)
        self.marker = pg.ScatterPlotItem(size=20, brush=pg.mkBrush(None), pen=pg.mkPen("#000", width=2.5))
        self.plot.addItem(self.marker)  # rings the example shown on the right
        self.legend = self.plot.addLegend(offset=(8, 8))
        self.preview = QLabel()
        self.preview.setObjectName("latentPreview")
        self.preview.setFixedSize(PREVIEW, PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #f4f4f4; border: 1px solid #d0d0d0;")
        self.preview_text = QLabel("Hover a dot to see its example.")
        self.preview_text.setObjectName("latentPreviewText")
        self.preview_text.setWordWrap(True)
        self.preview_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.preview_text.setMinimumHeight(280)  # room for a dozen feature values without re-layout
        side = QVBoxLayout()
        side.addWidget(self.preview)
        side.addWidget(self.preview_text)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(PREVIEW + 60)
        body = QHBoxLayout()
        body.addWidget(self.plot, 1)
        body.addWidget(side_widget)
        # The generic map (any layer, projected to 2-D) or, for a VAE, its own latent plane and decoder.
        self.generic = QWidget()
        generic = QVBoxLayout(self.generic)
        generic.setContentsMargins(0, 0, 0, 0)
        generic.addLayout(form)
        generic.addLayout(self.run_row)
        generic.addWidget(self.status)
        generic.addLayout(body, 1)
        self.vae = VaePane()
        self.vae.hide()
        self.layout_.addWidget(self.generic, 1)
        self.layout_.addWidget(self.vae, 1)
        self.result: Latent | None = None
        self.xs: np.ndarray = np.zeros((0,))
        self.hovered: int | None = None
        self._titles: dict[str, str] = {}

    def set_layer_titles(self, titles: dict[str, str]) -> None:
        self._titles = dict(titles)

    def source_changed(self) -> None:
        self.layer.clear()
        model = self.source.model
        names = internals.layer_choices(model) if model is not None else []
        for name in names:
            self.layer.addItem(self._titles.get(name, f"Layer {name}"), name)
        if len(names) >= 2:
            self.layer.setCurrentIndex(len(names) - 2)  # the layer before the output
        self.scatter.clear()
        self.marker.clear()
        self.result = None
        is_vae = self.vae.set_source(self.source)
        self.vae.setVisible(is_vae)
        self.generic.setVisible(not is_vae)

    def extra_reason(self) -> str:
        subject = self.source.subject
        if subject is not None and subject.input_kind == "tokens":
            return "The latent space view needs numeric inputs; this network reads whole-number tokens."
        return ""

    def make_job(self) -> Job:
        model, subject = self.job_model(), self.source.subject
        x, y = self.source.test_xy()
        x, y = x[:MAX_POINTS], y[:MAX_POINTS]
        self.xs, self._ys = x, y
        layer, method = self.layer.currentData(), self.method.currentData()

        def job(control: Any) -> Latent:
            return internals.latent_space(model, subject, x, y, layer, method, control=control)

        return job

    def show_result(self, result: Latent) -> None:
        self.result = result
        subject = self.source.subject
        self.scatter.clear()
        self.marker.clear()
        self.legend.clear()
        classify = subject.task == CLASSIFICATION and subject.class_names
        if classify:
            labels = result.labels.astype(int)
            brushes = [pg.mkBrush(color(c)) for c in labels]
            wrong = result.predicted.astype(int) != labels
            pens = [pg.mkPen("#222", width=2) if w else pg.mkPen(None) for w in wrong]
        else:
            values = result.labels.reshape(len(result.labels), -1)[:, 0].astype(float)
            from nnstudio.core.interpret import render

            t = (values - values.min()) / ((values.max() - values.min()) or 1.0)
            rgb = render.heat_rgb(t, "viridis")
            brushes = [pg.mkBrush(*(int(255 * c) for c in row)) for row in rgb]
            pens = [pg.mkPen(None)] * len(values)
            wrong = np.zeros(len(values), bool)
        self.scatter.setData(
            pos=result.points, brush=brushes, pen=pens, data=list(range(len(result.points))),
        )
        if classify:
            for c, name in enumerate(subject.class_names):
                self.legend.addItem(pg.ScatterPlotItem(brush=pg.mkBrush(color(c)), pen=None, size=9), name)
        self.plot.autoRange()
        how = internals.PROJECTIONS[result.method].split(" (")[0]
        kept = f", keeping {internals.kept_share_text(result.explained)} of the variance" if result.explained is not None else ""
        ring = f" Dark rings: the {int(wrong.sum())} examples the network gets wrong." if classify else ""
        self.status.setText(
            f"{len(result.points)} test examples at {self._titles.get(result.layer, result.layer)} "
            f"({result.dimensions} numbers each), drawn in 2-D by {how}{kept}.{internals.dead_units_text(result)} "
            f"Colour: true class.{ring}"
        )

    def _hovered(self, _item: Any, points: Any, _event: Any) -> None:
        if points is None or not len(points):
            return
        self.show_example(int(points[0].data()))

    def show_example(self, i: int) -> None:
        """Show test example ``i`` beside the map (what hovering its dot does)."""
        if self.result is None or not 0 <= i < len(self.xs):
            return
        self.hovered = i
        self.marker.setData(pos=self.result.points[i : i + 1])
        subject = self.source.subject
        x = self.xs[i]
        label = self.source.label_text(self.result.labels[i])
        predicted = self.source.label_text(self.result.predicted[i])
        if subject.spatial:
            self.preview.setPixmap(to_pixmap(x, PREVIEW - 4))
            self.preview.show()
            values = ""
        else:
            self.preview.hide()
            flat = x.reshape(-1)
            values = "<br>" + "<br>".join(f"{subject.feature_name(j)} = {flat[j]:.3g}" for j in range(min(12, flat.size)))
            if flat.size > 12:
                values += "<br>…"
        self.preview_text.setText(f"<b>Test example {i}</b><br>label {label}<br>network says {predicted}{values}")
