"""Live attributions: watch the network's attention form, one map per epoch, while it trains.

When a run starts, the Training tab calls :meth:`LiveView.callbacks_for_run`; the callback it returns runs
in the training thread and explains the chosen test example on a CPU copy of the weights at each epoch's
end. The numpy map crosses to this view through a queued signal; the slider replays earlier epochs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.registry import ATTRIBUTIONS
from nnstudio.core.interpret.live import LIVE_METHODS, LiveAttributionCallback, LiveFrame
from nnstudio.core.interpret.subject import FEATURES, Subject, conv_layers
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import Trainer
from nnstudio.gui.panels.interpret.example_picker import ExamplePicker
from nnstudio.gui.panels.interpret.jobs import Source
from nnstudio.gui.widgets.feature_bars import FeatureBars
from nnstudio.gui.widgets.heatmap_overlay import HeatmapOverlay
from nnstudio.gui.widgets.help_link import ChoiceHelpButton


class LiveBridge(QObject):
    """Emitted from the training thread; the receiving view lives in the GUI thread, so delivery is queued."""

    frame = Signal(object)  # LiveFrame (numpy arrays and floats only)

    def send(self, frame: LiveFrame) -> None:
        self.frame.emit(frame)


class LiveView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveView")
        self.ctx = ctx
        self.source = Source()
        self.enabled = QCheckBox("Explain this example at the end of every epoch while training")
        self.enabled.setObjectName("liveEnabled")
        self.enabled.setToolTip("Recompute the attribution at the end of each epoch of the next run (slows training a little)")
        self.enabled.setChecked(True)
        self.enabled.toggled.connect(self._toggled)
        self.method = QComboBox()
        self.method.setObjectName("liveMethod")
        self.method.setToolTip("The attribution method redrawn at every epoch")
        for key, title in LIVE_METHODS.items():
            self.method.addItem(title, key)
        self.picker = ExamplePicker()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.enabled)
        form.addRow("Method:", self.method)
        form.addRow("", ChoiceHelpButton(self.method, ATTRIBUTIONS))  # "?": the method's entry in Help > Concepts
        form.addRow(self.picker)
        self.epoch_label = QLabel("Start training on the Training tab; the map appears after the first epoch.")
        self.epoch_label.setObjectName("liveEpoch")
        self.epoch_label.setWordWrap(True)
        self.epoch_label.setTextFormat(Qt.TextFormat.RichText)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("liveSlider")
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.slider.setToolTip("Replay the maps of earlier epochs")
        self.slider.valueChanged.connect(self._show_frame)
        self.overlay = HeatmapOverlay()
        self.overlay.setObjectName("liveOverlay")
        self.bars = FeatureBars()
        self.bars.setObjectName("liveBars")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.overlay)
        self.pages.addWidget(self.bars)
        replay = QHBoxLayout()
        replay.addWidget(QLabel("Epoch:"))
        replay.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addWidget(self.epoch_label)
        layout.addLayout(replay)
        layout.addWidget(self.pages, 1)
        self.frames: list[LiveFrame] = []
        self.example: np.ndarray | None = None
        self.subject: Subject | None = None
        self._live: list[LiveAttributionCallback] = []
        self._bridge: LiveBridge | None = None
        ctx.run_callback_factories.append(self.callbacks_for_run)

    def set_source(self, source: Source) -> None:
        self.source = source
        self.picker.set_source(source)
        subject = source.subject
        if subject is not None:
            index = self.method.findData("gradcam")
            item = self.method.model().item(index)
            usable = subject.layout == "image" and bool(subject.conv_layers)
            item.setEnabled(usable)
            item.setToolTip("" if usable else "Grad-CAM needs an image and a convolutional layer")
            if not usable and self.method.currentData() == "gradcam":
                self.method.setCurrentIndex(self.method.findData("ig"))

    @Slot(bool)
    def _toggled(self, on: bool) -> None:
        for cb in self._live:  # a plain attribute: the training thread reads it at the next epoch end
            cb.enabled = on

    # ------------------------------------------------------------------ the run (GUI thread)
    def callbacks_for_run(self, trainer: Trainer) -> list[Callback]:
        """Called by the Training tab when a run starts; the returned callback runs in the training thread."""
        self._live = []
        if not self.enabled.isChecked():
            return []
        bundle = trainer.bundle
        if bundle.input_kind == "tokens":
            return []
        split = bundle.test if len(bundle.test) else bundle.validation
        if not len(split):
            return []
        # No training mean: the live map uses the zeros baseline, and averaging a large set would delay the start.
        subject = Subject(tuple(bundle.input_shape), bundle.task, bundle.input_kind, list(bundle.class_names),
                          list(bundle.feature_names), conv_layers(trainer.model))
        method = self.method.currentData()
        if method == "gradcam" and not (subject.layout == "image" and subject.conv_layers):
            method = "ig"
        index = min(self.picker.index(), len(split) - 1)
        self.example = split.x[index].numpy().copy()
        self.subject = subject
        self.frames = []
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.epoch_label.setText(f"Watching test example {index} ({LIVE_METHODS[method]}); the map appears after the first epoch.")
        self._clear_map()  # the last run's map would contradict the reset slider and the hint above
        if self._bridge is not None:
            self._bridge.frame.disconnect(self._on_frame)
            self._bridge.deleteLater()
        self._bridge = LiveBridge(self)
        self._bridge.frame.connect(self._on_frame)
        # Import Captum here, in the GUI thread: a first import inside the training thread allocates heavily
        # (matplotlib comes with it), and a garbage collection it triggers there can finalize Qt wrappers
        # owned by this thread while this thread waits for the GIL, which deadlocks both.
        import captum.attr  # noqa: F401

        callback = LiveAttributionCallback(subject, self.example, self._bridge.send, method)
        self._live.append(callback)
        return [callback]

    @Slot(object)
    def _on_frame(self, frame: LiveFrame) -> None:
        self.frames.append(frame)
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(self.frames) - 1)
        self.slider.setValue(len(self.frames) - 1)
        self.slider.setEnabled(len(self.frames) > 1)
        self.slider.blockSignals(False)
        self._show_frame(len(self.frames) - 1)

    def _clear_map(self) -> None:
        self.overlay.title.setText("")
        self.overlay.clear()
        self.bars.clear_values()

    def _show_frame(self, i: int) -> None:
        if not 0 <= i < len(self.frames) or self.subject is None or self.example is None:
            return
        frame = self.frames[i]
        if frame.error:
            self.epoch_label.setText(f"Epoch {frame.epoch}: {frame.error}")
            self._clear_map()  # not an earlier epoch's map under this epoch's label
            return
        metric = "  ".join(f"{k.replace('_', ' ')} {v:.3g}" for k, v in frame.metrics.items() if k != "epoch")
        p = f" ({frame.probability:.0%})" if frame.probability is not None else ""
        self.epoch_label.setText(
            f"<b>Epoch {frame.epoch}</b>: {LIVE_METHODS.get(frame.method, frame.method)} for <b>{frame.target_name}</b>{p}. {metric}"
        )
        if self.subject.layout == FEATURES:
            self.pages.setCurrentWidget(self.bars)
            names = [self.subject.feature_name(j) for j in range(frame.heat.size)]
            self.bars.set_values(names, frame.heat, f"Epoch {frame.epoch}")
        else:
            self.pages.setCurrentWidget(self.overlay)
            self.overlay.title.setText(f"Epoch {frame.epoch}")
            self.overlay.set_attribution(self.example, frame.heat)
