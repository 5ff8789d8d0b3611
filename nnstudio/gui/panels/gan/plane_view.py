"""A 2-D GAN as GAN Lab shows it: the real points, the generated points moving at each step, the
discriminator's verdict as a heatmap over the plane, the generator's push as arrows; Step D and Step G make
one update of one network, Train epoch a whole epoch; both losses and the coverage of the modes are live."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnstudio.core.generative.gan import one_thread
from nnstudio.core.workspace.gan_session import GanSession
from nnstudio.gui import palette
from nnstudio.gui.panels.gan.plane import GanPlane
from nnstudio.gui.widgets.plot_defaults import configure_plots


class GanPlaneView(QWidget):
    """One GAN session on the plane. ``stepped`` is emitted after every update with its kind ('d', 'g', 'epoch')."""

    stepped = Signal(str)

    def __init__(self, session: GanSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure_plots()  # white plots, as the app's, also when the view is built alone
        self.session = session
        self.trainer = session.trainer
        self.plot = GanPlane(self.trainer.real.numpy())
        self.heatmap, self.fake_points = self.plot.heatmap, self.plot.fake_points
        self.curves = pg.PlotWidget(title="Losses and coverage per epoch")
        self.curves.addLegend(offset=(-10, 10))
        self.d_curve = self.curves.plot(pen=palette.pen(0), name="D loss")
        self.g_curve = self.curves.plot(pen=palette.pen(1), name="G loss")
        self.cover_curve = self.curves.plot(pen=palette.pen(2), name="coverage")
        self.step_d = QPushButton("Step D")
        self.step_d.setObjectName("ganStepD")
        self.step_d.setToolTip("One discriminator update: real points towards 'real', generated ones towards 'fake'")
        self.step_g = QPushButton("Step G")
        self.step_g.setObjectName("ganStepG")
        self.step_g.setToolTip("One generator update: move the generated points where the discriminator says 'real'")
        self.epoch = QPushButton("Train epoch")
        self.epoch.setObjectName("ganEpoch")
        self.figures = QLabel()
        self.figures.setObjectName("ganFigures")
        self.figures.setWordWrap(True)
        self.step_d.clicked.connect(lambda: self._update("d"))
        self.step_g.clicked.connect(lambda: self._update("g"))
        self.epoch.clicked.connect(lambda: self._update("epoch"))
        buttons = QHBoxLayout()
        for b in (self.step_d, self.step_g, self.epoch):
            buttons.addWidget(b)
        buttons.addStretch(1)
        side = QVBoxLayout()
        side.addLayout(buttons)
        side.addWidget(self.figures)
        side.addWidget(self.curves, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.plot, 3)
        layout.addLayout(side, 2)
        self.refresh()

    def _update(self, kind: str) -> None:
        with one_thread():
            if kind == "d":
                self.trainer.step_d()
            elif kind == "g":
                self.trainer.step_g()
            else:
                self.trainer.train_epoch()
        self.refresh()
        self.stepped.emit(kind)

    def refresh(self) -> None:
        self.plot.show_snapshot(self.plot.snapshot(self.trainer))
        losses, measured = self.trainer.losses(), self.trainer.measure()
        self.figures.setText(
            f"D loss {losses['d_loss']:.3f}   G loss {losses['g_loss']:.3f}   coverage {measured['coverage']:.3f}   "
            f"distance {measured['distance']:.3f}\nD steps {self.trainer.d_steps_done}   G steps "
            f"{self.trainer.g_steps_done}   epochs {self.trainer.epochs_done}")
        history = self.trainer.history
        epochs = np.arange(1, len(history["d_loss"]) + 1)
        self.d_curve.setData(epochs, history["d_loss"])
        self.g_curve.setData(epochs, history["g_loss"])
        self.cover_curve.setData(epochs, history["coverage"])
