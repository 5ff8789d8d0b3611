"""Inside the network: one example's feature maps, the first layer's filters, layer conductance, attention weights."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QComboBox, QFormLayout, QScrollArea, QStackedWidget, QWidget

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.interpret import internals
from nnstudio.core.interpret.internals import _batch
from nnstudio.core.interpret.subject import conv_layers
from nnstudio.core.lessons.model_figures import attention_maps, has_attention
from nnstudio.gui.panels.interpret.example_picker import ExamplePicker
from nnstudio.gui.panels.interpret.jobs import Job, JobView
from nnstudio.gui.widgets.attention_heatmap import AttentionHeatmap
from nnstudio.gui.widgets.feature_bars import FeatureBars
from nnstudio.gui.widgets.image_grid import ImageGrid

MAPS, FILTERS, CONDUCTANCE, ATTENTION = "maps", "filters", "conductance", "attention"
WHAT = {
    MAPS: "Feature maps of a convolutional layer",
    FILTERS: "Filters of the first convolutional layer",
    CONDUCTANCE: "Layer conductance (which units carry the decision)",
    ATTENTION: "Attention weights (where each step looks)",
}
MAX_TILES = 64
MAX_UNITS = 40


class InternalsView(JobView):
    run_text = "Show"
    unit = "steps"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("internalsView")
        self.what = QComboBox()
        self.what.setObjectName("internalsWhat")
        self.what.setToolTip("What to look at inside the network: feature maps, first-layer filters or layer conductance")
        for key, title in WHAT.items():
            self.what.addItem(title, key)
        self.what.currentIndexChanged.connect(self._what_changed)
        self.layer = QComboBox()
        self.layer.setObjectName("internalsLayer")
        self.layer.setToolTip("The layer to look inside")
        self.picker = ExamplePicker()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Show:", self.what)
        form.addRow("Layer:", self.layer)
        form.addRow(self.picker)
        self.grid = ImageGrid(columns=8, cell=84)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        self.bars = FeatureBars()
        self.bars.setObjectName("conductanceBars")
        self.bars.setLabel("bottom", "conductance (share of the score)")
        self.pages = QStackedWidget()
        self.pages.addWidget(scroll)
        self.pages.addWidget(self.bars)
        self.attention = AttentionHeatmap()
        self.pages.addWidget(self.attention)
        self.layout_.addLayout(form)
        self.layout_.addLayout(self.run_row)
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(self.pages, 1)
        self.result: Any = None
        self._titles: dict[str, str] = {}

    def set_layer_titles(self, titles: dict[str, str]) -> None:
        self._titles = dict(titles)

    def source_changed(self) -> None:
        self.picker.set_source(self.source)
        self.grid.set_images([], [])  # pictures of the previous network would mislead
        self.bars.clear_values("")
        self._what_changed()

    def _what_changed(self, *_: object) -> None:
        what = self.what.currentData()
        model = self.source.model
        names = [] if model is None else (conv_layers(model) if what == MAPS else internals.layer_choices(model) if what == CONDUCTANCE else [])
        self.layer.clear()
        for name in names:
            self.layer.addItem(self._titles.get(name, f"Layer {name}"), name)
        self.layer.setEnabled(what not in (FILTERS, ATTENTION))  # attention: the first attention layer
        self.picker.setEnabled(what != FILTERS)
        self.update_actions()

    def extra_reason(self) -> str:
        what, model, subject = self.what.currentData(), self.source.model, self.source.subject
        if model is None or subject is None:
            return ""
        if what == ATTENTION and not has_attention(model):
            return "The network has no attention layer; add a Self-attention or Transformer encoder layer."
        if subject.input_kind == "tokens" and what not in (FILTERS, ATTENTION):
            return "This network reads whole-number tokens; its insides are not shown here."
        if what in (MAPS, FILTERS) and not conv_layers(model):
            return "The network has no convolutional layer, so it has no feature maps or filters; add a Conv2d layer, or choose Layer conductance."
        return ""

    def make_job(self) -> Job:
        what, model, subject = self.what.currentData(), self.job_model(), self.source.subject
        layer, x = self.layer.currentData(), self.picker.x()
        if what == ATTENTION and x is None:
            raise NNStudioError("Choose a test example")
        if what not in (FILTERS, ATTENTION) and (layer is None or x is None):
            raise NNStudioError("Choose a layer and a test example")

        def job(control: Any) -> tuple[str, Any]:
            control.start(1)
            control.check()
            if what == MAPS:
                return what, (layer, internals.feature_maps(model, x, layer, subject))
            if what == FILTERS:
                return what, internals.first_conv_filters(model)
            if what == ATTENTION:  # heads x query x key, for the one example
                batch = _batch(x, subject)
                batch = batch.long() if subject.input_kind == "tokens" else batch
                return what, attention_maps(model, batch)[0].double().numpy()
            return what, internals.layer_conductance(model, subject, x, layer, control=control)

        return job

    def show_result(self, result: tuple[str, Any]) -> None:
        what, value = result
        self.result = result
        if what == MAPS:
            layer, maps = value
            shown = maps[:MAX_TILES]
            self.grid.cell = 150 if len(shown) <= 8 else 110 if len(shown) <= 24 else 84
            strength = maps.reshape(len(maps), -1).mean(1)
            self.grid.set_images(shown, [f"#{i} mean {strength[i]:.2g}" for i in range(len(shown))])
            self.pages.setCurrentIndex(0)
            quiet = int((maps.reshape(len(maps), -1).max(1) <= 0).sum())
            self.status.setText(
                f"{len(maps)} feature maps of {self._titles.get(layer, layer)}, each {maps.shape[1]}×{maps.shape[2]}: bright where "
                f"that filter found its pattern. {quiet} map(s) are dark everywhere for this example."
            )
        elif what == FILTERS:
            filters = value
            tiles = filters[:MAX_TILES]
            images = [f if f.shape[0] == 3 else f.mean(0) for f in tiles]
            self.grid.cell = 150 if len(images) <= 8 else 110 if len(images) <= 24 else 84
            self.grid.set_images(images, [f"filter {i}" for i in range(len(images))])
            self.pages.setCurrentIndex(0)
            self.status.setText(
                f"The first layer's {len(filters)} filters ({filters.shape[2]}×{filters.shape[3]} weights each, "
                "bright = positive): the small patterns it looks for, such as edges and spots."
            )
        elif what == ATTENTION:
            self.attention.set_weights(value)
            self.pages.setCurrentWidget(self.attention)
            heads, q, k = value.shape
            self.status.setText(
                f"The first attention layer's weights for this example, {heads} head(s) of {q}×{k}: row q shows how much "
                "step q draws on each step (white 0, dark 1). Each row adds up to 1."
            )
        else:
            cond = value
            units = cond.per_unit
            order = np.argsort(-np.abs(units))[:MAX_UNITS]
            kind = "channel" if cond.values.ndim > 1 else "neuron"
            self.bars.set_values([f"{kind} {i}" for i in order], units[order], f"Conductance of {self._titles.get(cond.layer, cond.layer)}")
            self.pages.setCurrentIndex(1)
            self.status.setText(
                f"How much of the score for <b>{self.source.subject.class_name(cond.target)}</b> flows through each "
                f"{kind} (red for, blue against; the {len(order)} largest of {len(units)}). Convergence delta {cond.delta:.2g}."
            )
