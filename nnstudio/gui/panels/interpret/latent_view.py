"""The latent space: the test set as the network sees it at one layer, squashed to 2-D, one dot per example.

Colour is the true class; a dot with a dark ring is one the network gets wrong. Hovering a dot shows the
example it stands for (its picture, or its values). A VAE (a network with a GaussianLatent layer) shows its
own latent plane and decoder instead (vae_view.VaePane). A plain autoencoder whose code is two numbers wide
is drawn at its codes themselves (no projection) on that layer, and a click anywhere on the plane shows
what its decoder draws there (the network cut in two as vae_views.split_autoencoder does).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.interpret import internals, vae_views
from nnstudio.core.interpret.internals import Latent
from nnstudio.gui import palette
from nnstudio.gui.palette import color  # the app's one palette
from nnstudio.gui.panels.interpret.jobs import Job, JobView
from nnstudio.gui.panels.interpret.vae_view import VaePane, class_brushes, shown_classes
from nnstudio.gui.widgets.image_grid import to_pixmap

MAX_POINTS = 2000  # t-SNE on more takes minutes; the first ones are a fair sample of the shuffled test split
PREVIEW = 140
CODES = "codes"  # Latent.method of an autoencoder's 2-number code drawn as it is


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
        self.layer.currentIndexChanged.connect(self._layer_changed)
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
        # An autoencoder's code plane: what the decoder draws at the point last clicked.
        self.decoded_text = QLabel()
        self.decoded_text.setObjectName("latentDecodedText")
        self.decoded_text.setWordWrap(True)
        self.decoded = QLabel()
        self.decoded.setObjectName("latentDecoded")
        self.decoded.setFixedSize(PREVIEW, PREVIEW)
        self.decoded.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.decoded.setStyleSheet("background: #f4f4f4; border: 1px solid #d0d0d0;")
        self.probe = pg.ScatterPlotItem(size=22, symbol="+", brush=pg.mkBrush("#000"), pen=pg.mkPen("#fff", width=1))
        self.plot.addItem(self.probe)
        self.plot.scene().sigMouseClicked.connect(self._plot_clicked)
        side = QVBoxLayout()
        side.addWidget(self.preview)
        side.addWidget(self.preview_text)
        side.addWidget(self.decoded_text)
        side.addWidget(self.decoded)
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
        self.codec: tuple[Any, Any] | None = None  # a plain autoencoder's (encoder, decoder), cut at its code
        self.code_layer = ""
        self.decoded_at: tuple[float, float] | None = None
        self.decoded_output: np.ndarray | None = None  # the decoder's output there, shaped as an input
        self._show_decoder(False)
        palette.subscribe(self._recolour)  # presentation mode: each class in its own projector colour

    def _recolour(self) -> None:
        if self.result is None:
            return
        decoded, hovered = self.decoded_at, self.hovered
        self.show_result(self.result)  # the same map, drawn in the palette of the moment
        if decoded is not None:
            self.decode_at(*decoded)
        if hovered is not None:
            self.show_example(hovered)

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
        self._find_code(model if not is_vae else None)

    def _find_code(self, model: Any) -> None:
        """A plain autoencoder with a 2-number code: remember its two halves, and start on the code's layer."""
        self.codec, self.code_layer = None, ""
        self._show_decoder(False)
        spatial = self.source.subject is not None and self.source.subject.spatial
        self.preview_text.setMinimumHeight(60 if spatial else 280)  # a picture's caption, or a dozen values
        if model is None or self.source.reason() or self.extra_reason():
            return
        x, _ = self.source.test_xy()
        if not len(x):
            return
        self.codec = vae_views.split_autoencoder(model, torch.as_tensor(x[:1], dtype=torch.float32))
        if self.codec is not None:
            self.code_layer = list(model.named_children())[len(self.codec[0]) - 1][0]
            at = self.layer.findData(self.code_layer)
            if at >= 0:
                self.layer.setCurrentIndex(at)
        self._layer_changed()

    def _layer_changed(self, *_: Any) -> None:
        at_code = self.codec is not None and self.layer.currentData() == self.code_layer
        self.method.setEnabled(not at_code)
        self.method.setToolTip("The code is two numbers: it is drawn as it is, with no projection" if at_code else
                               "How the hidden layer's many numbers are flattened to two for the plot")

    def _show_decoder(self, shown: bool) -> None:
        for widget in (self.decoded_text, self.decoded):
            widget.setVisible(shown)
        if not shown:
            self.probe.clear()
            self.decoded_at = self.decoded_output = None

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
        if self.codec is not None and layer == self.code_layer:
            encoder = self.codec[0]

            def codes(control: Any) -> Latent:  # two numbers need no projection: the plane is the code itself
                points = vae_views.run_part(encoder, x).astype(np.float64)
                return Latent(layer, CODES, points, y, y, 2, None, int(np.all(points == 0, axis=0).sum()))

            return codes

        def job(control: Any) -> Latent:
            return internals.latent_space(model, subject, x, y, layer, method, control=control)

        return job

    def show_result(self, result: Latent) -> None:
        self.result = result
        subject = self.source.subject
        self.scatter.clear()
        self.marker.clear()
        self.legend.clear()
        self._show_decoder(False)
        for axis in ("bottom", "left"):  # a projection's axes mean nothing; a code's are its two numbers
            self.plot.hideAxis(axis)
        classify = subject.task == CLASSIFICATION and subject.class_names
        classes, names = shown_classes(self.source)
        if not classify and classes is not None:  # a reconstruction: coloured by the class each example shows
            brushes = class_brushes(self.legend, classes[: len(result.points)], names)
            pens = [pg.mkPen(None)] * len(result.points)
            wrong = np.zeros(len(result.points), bool)
        elif classify:
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
        if result.method == CODES:
            self._show_codes_caption(result, classes is not None)
            return
        how = internals.PROJECTIONS[result.method].split(" (")[0]
        kept = f", keeping {internals.kept_share_text(result.explained)} of the variance" if result.explained is not None else ""
        ring = f" Dark rings: the {int(wrong.sum())} examples the network gets wrong." if classify else ""
        colour = ("Colour: true class." if classify else "Colour: the class each example shows." if classes is not None
                  else "Colour: the target's first value.")
        self.status.setText(
            f"{len(result.points)} test examples at {self._titles.get(result.layer, result.layer)} "
            f"({result.dimensions} numbers each), drawn in 2-D by {how}{kept}.{internals.dead_units_text(result)} "
            f"{colour}{ring}"
        )

    def _show_codes_caption(self, result: Latent, classes: bool) -> None:
        title = self._titles.get(result.layer, result.layer)
        for axis, number in (("bottom", 1), ("left", 2)):
            self.plot.showAxis(axis)
            self.plot.setLabel(axis, f"code {number} ({title.split(':')[0]}, neuron {number})")
        colour = "the class each example shows" if classes else "the target's first value"
        self.status.setText(
            f"{len(result.points)} test examples at their codes: the 2 numbers of {title}, drawn as they are "
            f"(no projection). Colour: {colour}. <b>Click anywhere on the plane</b> to see what the decoder draws "
            "there.")
        self.decoded_text.setText("Click the plane: the decoder's drawing of that code appears here.")
        self.decoded_text.show()

    def _plot_clicked(self, event: Any) -> None:
        if self.result is None or self.result.method != CODES or self.codec is None:
            return
        box = self.plot.plotItem.vb
        if not box.sceneBoundingRect().contains(event.scenePos()):
            return
        point = box.mapSceneToView(event.scenePos())
        self.decode_at(point.x(), point.y())

    def decode_at(self, z1: float, z2: float) -> None:
        """Show what the decoder draws at the code (z1, z2), with a cross on the plane where it is."""
        if self.codec is None:
            return
        out = vae_views.run_part(self.codec[1], np.array([[z1, z2]], dtype=np.float32))[0]
        self.decoded_at = (float(z1), float(z2))
        self.decoded_output = out.reshape(self.xs.shape[1:]) if out.size == self.xs[0].size else out
        self.probe.setData(pos=[self.decoded_at])
        where = f"({z1:.2f}, {z2:.2f})"
        if self.source.subject is not None and self.source.subject.spatial:
            self.decoded.setPixmap(to_pixmap(self.decoded_output, PREVIEW - 4))
            self.decoded.show()
            self.decoded_text.setText(f"<b>The decoder at {where}</b>")
        else:
            self.decoded.hide()
            flat = out.reshape(-1)
            values = "<br>".join(f"{self.source.subject.feature_name(j)} = {flat[j]:.3g}" for j in range(min(12, flat.size)))
            self.decoded_text.setText(f"<b>The decoder at {where}</b><br>{values}")
        self.decoded_text.show()

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
        classes, names = shown_classes(self.source)
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
        if classes is not None and subject.task != CLASSIFICATION:  # a reconstruction: say what it shows
            shows = names[int(classes[i])] if int(classes[i]) < len(names) else str(int(classes[i]))
            self.preview_text.setText(f"<b>Test example {i}</b><br>shows {shows}{values}")
            return
        self.preview_text.setText(f"<b>Test example {i}</b><br>label {label}<br>network says {predicted}{values}")
