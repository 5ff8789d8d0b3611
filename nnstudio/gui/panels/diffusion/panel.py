"""The Diffusion tab: the forward process on a slider through the noise steps (the data cloud getting noisier),
and the trained network's reverse walk (samples moving from noise back onto the data), on a slider or played."""

from __future__ import annotations

import pyqtgraph as pg
import torch
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.generative.diffusion import Schedule, forward_cloud, sample, split_diffusion
from nnstudio.gui import palette
from nnstudio.gui.context import AppContext
from nnstudio.gui.panels.protocol import RevisionWatch

MAX_POINTS = 1000  # of the training data on the forward plot
SAMPLES = 500  # walked back by the sampler
FRAME_MS = 60  # one reverse step per frame while playing
NOT_DIFFUSION = ("This project is no diffusion model (its first layer is no DiffusionNoise layer). Open the example "
                 "'Diffusion on a spiral' (File > New from template) to watch the noise steps and the reverse walk.")


def _plot(title: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(title=title)
    plot.setAspectLocked(True)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setXRange(-3, 3)
    plot.setYRange(-3, 3)
    return plot


def _slider(name: str, tip: str) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setObjectName(name)
    slider.setToolTip(tip)
    slider.setEnabled(False)
    return slider


class DiffusionPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diffusion")
        self.ctx = ctx
        self.schedule: Schedule | None = None
        self.data: torch.Tensor | None = None  # x_0: the training points shown (at most MAX_POINTS)
        self.walk: torch.Tensor | None = None  # (steps + 1, SAMPLES, 2): the reverse walk, row 0 the noise
        self.seed = 0

        self.status = QLabel(NOT_DIFFUSION)
        self.status.setObjectName("diffusionStatus")
        self.status.setWordWrap(True)

        self.forward_plot = _plot("Forward process: the data getting noisier")
        self.forward_points = pg.ScatterPlotItem(size=palette.marker_size(4), pen=None, brush=palette.color(0))
        self.forward_plot.addItem(self.forward_points)
        self.noise_step = _slider("noiseStepSlider", "Move through the noise steps: 0 is the data, the last step is "
                                  "(almost) pure Gaussian noise")
        self.noise_step.valueChanged.connect(self.show_noise_step)
        self.noise_label = QLabel()
        self.noise_label.setObjectName("noiseStepLabel")
        # as wide as its longest text, so the slider does not jump while it moves
        self.noise_label.setMinimumWidth(self.noise_label.fontMetrics().horizontalAdvance("00 of 000: x = 0.00·data + 0.00·noise"))

        self.reverse_plot = _plot("Reverse process: samples walking back from noise")
        self.data_behind = pg.ScatterPlotItem(size=palette.marker_size(3), pen=None, brush=pg.mkBrush(170, 170, 170, 120))
        self.reverse_points = pg.ScatterPlotItem(size=palette.marker_size(4), pen=None, brush=palette.color(1))
        self.reverse_plot.addItem(self.data_behind)
        self.reverse_plot.addItem(self.reverse_points)
        self.reverse_step = _slider("reverseStepSlider", "Move through the reverse steps: 0 is the noise the samples "
                                    "start from, the last step the finished samples")
        self.reverse_step.valueChanged.connect(self.show_reverse_step)
        self.reverse_label = QLabel()
        self.reverse_label.setObjectName("reverseStepLabel")
        self.reverse_label.setMinimumWidth(self.reverse_label.fontMetrics().horizontalAdvance("000 of 000: 000 steps to go"))
        self.play = QPushButton("Play")
        self.play.setObjectName("playReverse")
        self.play.setToolTip("Walk the samples from noise back onto the data, one step per frame")
        self.play.setEnabled(False)
        self.play.clicked.connect(self._play)
        self.resample = QPushButton("New samples")
        self.resample.setObjectName("newSamples")
        self.resample.setToolTip("Start the reverse walk again from fresh noise")
        self.resample.setEnabled(False)
        self.resample.clicked.connect(self._new_samples)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._next_frame)

        grid = QGridLayout()
        grid.addWidget(self.forward_plot, 0, 0)
        grid.addWidget(self.reverse_plot, 0, 1)
        left = QHBoxLayout()
        left.addWidget(QLabel("Noise step"))
        left.addWidget(self.noise_step, 1)
        left.addWidget(self.noise_label)
        right = QHBoxLayout()
        right.addWidget(QLabel("Reverse step"))
        right.addWidget(self.reverse_step, 1)
        right.addWidget(self.reverse_label)
        right.addWidget(self.play)
        right.addWidget(self.resample)
        grid.addLayout(left, 1, 0)
        grid.addLayout(right, 1, 1)
        grid.setRowStretch(0, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(grid, 1)

        doc = ctx.document
        changes = (doc.weights_changed, doc.project_replaced, doc.data_changed, doc.architecture_changed)
        self.watch = RevisionWatch(self, doc, self.refresh, changes)

    # ------------------------------------------------------------------ reading the project
    def refresh(self) -> None:
        """Read the schedule, the data and (once trained) the reverse walk from the project."""
        self.timer.stop()
        doc = self.ctx.document
        try:
            split = split_diffusion(doc.built().module)
            data = doc.bundle().train.x if split is not None else None
        except NNStudioError as exc:
            split, data = None, None
            self.status.setText(f"The diffusion views need the project's data and network: {exc}")
        else:
            if split is None:
                self.status.setText(NOT_DIFFUSION)
        self.schedule = split[0].schedule if split is not None else None
        self.data = data[:MAX_POINTS].double() if data is not None else None
        self.walk = None
        on = self.schedule is not None
        self.noise_step.setEnabled(on)
        if on:
            self.noise_step.setRange(0, self.schedule.steps)
            self._sample()
        else:
            self.forward_points.clear()
            self.reverse_points.clear()
            self.data_behind.clear()
        self.show_noise_step(self.noise_step.value())

    def _sample(self) -> None:
        model = self.ctx.document.trained_model()
        trained = model is not None and not self.ctx.training_active
        for widget in (self.reverse_step, self.play, self.resample):
            widget.setEnabled(trained)
        steps = self.schedule.steps if self.schedule else 0
        if not trained:
            self.status.setText(f"The forward process over {steps} noise steps. Train (Training tab) to watch the "
                                "network walk samples from noise back onto the data.")
            self.reverse_points.clear()
            return
        self.walk = sample(model, SAMPLES, self.seed)
        self.data_behind.setData(pos=self.data.numpy())
        self.reverse_step.setRange(0, steps)
        self.status.setText(f"The forward process over {steps} noise steps (left) and {SAMPLES} samples the trained "
                            "network walks from pure noise back onto the data (right, the data in grey).")
        self.reverse_step.setValue(steps)
        self.show_reverse_step(steps)

    # ------------------------------------------------------------------ the sliders
    def cloud_at(self, value: int) -> torch.Tensor | None:
        """The points the forward plot shows at slider ``value`` (0: the data; k: after k noise steps)."""
        if self.schedule is None or self.data is None:
            return None
        return forward_cloud(self.schedule, self.data, value - 1, seed=0)

    def show_noise_step(self, value: int) -> None:
        cloud = self.cloud_at(value)
        if cloud is None:
            self.noise_label.setText("")
            return
        self.forward_points.setData(pos=cloud.numpy())
        if value == 0:
            self.noise_label.setText(f"0 of {self.schedule.steps}: the data")
        else:
            keep, spread = self.schedule.closed_form(value - 1)
            self.noise_label.setText(f"{value} of {self.schedule.steps}: x = {keep:.2f}·data + {spread:.2f}·noise")

    def show_reverse_step(self, value: int) -> None:
        if self.walk is None:
            self.reverse_label.setText("")
            return
        value = min(value, len(self.walk) - 1)
        self.reverse_points.setData(pos=self.walk[value].numpy())
        last = len(self.walk) - 1
        where = "pure noise" if value == 0 else "the samples" if value == last else f"{last - value} steps to go"
        self.reverse_label.setText(f"{value} of {last}: {where}")

    def _play(self) -> None:
        if self.walk is None:
            return
        self.reverse_step.setValue(0)
        self.timer.start()

    def _next_frame(self) -> None:
        if self.reverse_step.value() >= self.reverse_step.maximum():
            self.timer.stop()
            return
        self.reverse_step.setValue(self.reverse_step.value() + 1)

    def _new_samples(self) -> None:
        self.seed += 1
        self._sample()

    def shutdown(self, timeout_ms: int | None = 30_000) -> bool:
        self.timer.stop()
        return True
