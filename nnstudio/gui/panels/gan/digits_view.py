"""A GAN on digits: a grid of generated digits after each epoch (the same noise each time, so a cell shows
one generated digit changing), a slider back through the epochs, both losses and the coverage of the ten
digits (collapse onto a few digits shows as coverage falling)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget

from nnstudio.core.workspace.gan_session import GanSession
from nnstudio.gui import palette
from nnstudio.gui.panels.gan.digits_grid import GRID, NearestMode
from nnstudio.gui.panels.gan.runner import GanRunner
from nnstudio.gui.threads import Completion
from nnstudio.gui.widgets.image_grid import ImageGrid
from nnstudio.gui.widgets.plot_defaults import configure_plots


class GanDigitsView(QWidget):
    def __init__(self, session: GanSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure_plots()  # white plots, as the app's, also when the view is built alone
        self.session = session
        self.trainer = session.trainer
        self.runner = GanRunner(self)
        self.grids: list[np.ndarray] = []  # epoch e's samples at index e (index 0: before training)
        self.figures_by_epoch: list[dict[str, float]] = []
        self._nearest = NearestMode(self.trainer.real, self.trainer.modes)
        self.grid = ImageGrid(columns=8, cell=80)
        self.grid.setObjectName("ganDigitGrid")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("ganEpochSlider")
        self.slider.valueChanged.connect(self._show_epoch)
        self.epoch_label = QLabel()
        self.epoch_label.setObjectName("ganEpochShown")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setValue(5)
        self.epochs.setSuffix(" epochs")
        self.train = QPushButton("Train")
        self.train.setObjectName("ganTrain")
        self.train.clicked.connect(self.start)
        self.figures = QLabel()
        self.figures.setObjectName("ganFigures")
        self.curves = pg.PlotWidget(title="Losses and coverage of the ten digits per epoch")
        self.curves.addLegend(offset=(-10, 10))
        self.d_curve = self.curves.plot(pen=palette.pen(0), name="D loss")
        self.g_curve = self.curves.plot(pen=palette.pen(1), name="G loss")
        self.cover_curve = self.curves.plot(pen=palette.pen(2), name="coverage")
        self.runner.epoch_done.connect(self._on_epoch)
        self.runner.completed.connect(self._on_completed)
        controls = QHBoxLayout()
        for w in (self.epochs, self.train, self.figures):
            controls.addWidget(w)
        controls.addStretch(1)
        left = QVBoxLayout()
        left.addLayout(controls)
        left.addWidget(self.grid, 1)
        left.addWidget(self.epoch_label)
        left.addWidget(self.slider)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(self.curves, 2)
        self._add(self.trainer.samples().numpy(), {**self.trainer.losses(), **self.trainer.measure()})

    def nearest_digit(self, samples: np.ndarray) -> list[str]:
        """Each sample's nearest digit (the closest mean image): the caption under it."""
        return self._nearest(samples)

    def _add(self, samples: np.ndarray, figures: dict[str, float]) -> None:
        self.grids.append(samples[:GRID])
        self.figures_by_epoch.append(figures)
        self.slider.setRange(0, len(self.grids) - 1)
        self.slider.setValue(len(self.grids) - 1)
        self._show_epoch(len(self.grids) - 1)

    def _show_epoch(self, epoch: int) -> None:
        if not 0 <= epoch < len(self.grids):
            return
        images = self.grids[epoch]
        self.grid.set_images(images, self.nearest_digit(images))
        f = self.figures_by_epoch[epoch]
        when = "before training" if epoch == 0 else f"after epoch {epoch}"
        self.epoch_label.setText(f"Generated digits {when} (caption: the nearest digit)")
        self.figures.setText(f"D loss {f['d_loss']:.3f}   G loss {f['g_loss']:.3f}   coverage {f['coverage']:.2f}")

    def start(self) -> None:
        if self.runner.running:
            return
        self.train.setEnabled(False)
        self.runner.start(self.trainer, self.epochs.value())

    def _on_epoch(self, epoch: int, figures: dict[str, float], samples: np.ndarray) -> None:
        self._add(samples, figures)
        history = self.trainer.history
        n = min(len(history["d_loss"]), epoch)
        xs = np.arange(1, n + 1)
        self.d_curve.setData(xs, history["d_loss"][:n])
        self.g_curve.setData(xs, history["g_loss"][:n])
        self.cover_curve.setData(xs, history["coverage"][:n])

    def _on_completed(self, completion: Completion) -> None:
        self.train.setEnabled(True)
        if completion.failed:
            self.figures.setText(completion.error)

    def shutdown(self, timeout_ms: int | None = 30_000) -> bool:
        return self.runner.shutdown(timeout_ms)
