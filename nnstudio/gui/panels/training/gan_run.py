"""The Training tab with a GAN project open: Train trains both networks (the GanSession that ``nnstudio train`` and
``nnstudio lesson run`` use) in the tab's one run thread, with its progress bar, Stop, Pause and Step (by whole
epochs), the speed, both losses and the coverage live; a 2-D GAN's plane (real points, the generated ones
moving, the discriminator's verdict) or an image GAN's generated digits take the left of the curves."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Slot

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.project.spec import Project
from nnstudio.core.workspace.gan_session import GanSession, is_gan
from nnstudio.gui import palette
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.gan.digits_grid import GanDigitsGrid
from nnstudio.gui.panels.gan.plane import GanPlane, PlaneSnapshot
from nnstudio.gui.widgets.live_plot import LivePlot

TrainingPanel = Any  # the Training tab (panel.py imports this module): its runner, plots, progress and status

# Per-epoch figures of a GAN run: (key, curve name, plot) with 0 the loss plot and 1 the metric plot.
GAN_CURVES = (("d_loss", "D loss", 0), ("g_loss", "G loss", 0), ("coverage", "coverage", 1),
              ("distance", "distance", 1))
ONE_NETWORK_CURVES = ("batch loss (smoothed)", "train loss", "validation loss", "train", "validation")
METRIC_TITLE = "Coverage · distance to the data"
# Two short lines: a title's width is the plot's minimum width, and the tab is narrow beside a lesson.
PLANE_TITLE = "Real points (dark), generated (orange)<br>shade: D says real (blue), fake (orange)"
# The metric plot's legend: bottom right for an accuracy that rises; top right for a GAN (its coverage stays
# at most 1 under the distance's first epochs, and the distance falls).
LEGEND_OFFSETS = {True: (-10, 10), False: (-10, -40)}


def plot_gan_figures(plots: tuple[LivePlot, LivePlot], epoch: float, metrics: dict[str, float]) -> None:
    """Append a GAN epoch's losses (loss plot) and coverage and distance (metric plot), adding their curves the
    first time they appear."""
    for i, (key, name, which) in enumerate(GAN_CURVES):
        if key not in metrics:
            continue
        plot = plots[which]
        if name not in plot.curve_names():
            plot.add_curve(name, palette.color(i), symbol="o" if which else None, style=Qt.PenStyle.SolidLine)
            plot.getPlotItem().legend.setVisible(True)
        plot.append(name, epoch, metrics[key])


def _show_curves(plot: LivePlot, names: tuple[str, ...], shown: bool) -> None:
    """Show or hide curves with their legend entries (a GAN has no batch loss, validation loss or accuracy)."""
    legend = plot.getPlotItem().legend
    for name in names:
        if name not in plot.curve_names():
            continue
        item = plot.curve(name)
        if item.isVisible() == shown:
            continue
        item.setVisible(shown)
        if shown:
            legend.addItem(item, name)
        else:
            legend.removeItem(item)
    legend.setVisible(bool(legend.items))  # no empty box before a GAN's first epoch


class GanTraining(QObject):
    """The Training tab's run of a GAN project; ``session`` is the current run (Continue trains it further)."""

    def __init__(self, panel: TrainingPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.session: GanSession | None = None
        self.view: GanPlane | GanDigitsGrid | None = None  # what the GAN makes, left of the curves
        self._target = 0
        panel.runner.gan_view.connect(self._on_view)
        panel.runner.gan_parked.connect(self._on_parked)
        panel.runner.epoch_finished.connect(self._on_epoch)
        document = panel.ctx.document
        for signal in (document.project_replaced, document.data_changed):
            signal.connect(self.arrange)
        for button, text in ((panel.pause_button, "Pausing after the current epoch…"),
                             (panel.step_button, "One more epoch of both networks, then paused.")):
            button.clicked.connect(lambda _=False, text=text: self._say_if_running(text))
        self.arrange()

    @property
    def active(self) -> bool:
        """The open project is a GAN: Train trains it here."""
        return is_gan(self.panel.ctx.document.project)

    @property
    def running(self) -> bool:
        return self.panel.runner.running and self.session is not None

    # ------------------------------------------------------------------ runs
    def train(self) -> None:
        """Train: both networks from fresh weights, on a frozen copy of the project (its settings as they are now)."""
        self._open(use_weights=False, title="Cannot start training")
        if self.session is not None:
            epochs = self.session.project.training.epochs
            self._launch(epochs, f"Training the GAN for {epochs} epochs: each epoch the discriminator learns to tell "
                         "real from generated points, then the generator learns to fool it")

    def continue_training(self, more: int) -> None:
        """Continue: more epochs of the current run, or of the weights the project keeps."""
        if self.session is None and self.panel.ctx.document.project.weights:
            self._open(use_weights=True, title="Cannot continue training")
        if self.session is not None:
            self._launch(self.session.trainer.epochs_done + more, f"Continuing the GAN for {more} more epochs")

    def forget(self) -> None:
        self.session = None
        if self.view is not None:
            self.view.clear_fakes()

    def _open(self, *, use_weights: bool, title: str) -> None:
        document, panel = self.panel.ctx.document, self.panel
        frozen = Project.from_dict(document.project.to_dict())  # edits made during the run apply to the next one
        frozen.weights = document.project.weights if use_weights else {}
        try:
            session = GanSession.open(frozen, document.base_dir, use_weights=use_weights, prepared=document.prepared())
        except NNStudioError as exc:
            show_error(panel, title, exc)
            return
        panel._forget_run()
        self.session = session
        if use_weights:
            panel._show_saved_history()

    def _launch(self, target: int, message: str) -> None:
        panel, session = self.panel, self.session
        done = session.trainer.epochs_done
        self._target = target
        panel.run_spec = session.project.training.copy()
        panel.progress.setRange(0, max(1, target))
        panel.progress.setValue(done)
        panel.progress.setFormat("Starting…")
        panel.counters.setText("")
        for plot in (panel.loss_plot, panel.metric_plot):
            plot.set_x_extent(0, target)
        panel.status.setText(message)
        view = self.view
        panel.runner.start_gan(session, target, (lambda: view.snapshot(session.trainer)) if view else None)
        panel._update_buttons()
        panel._update_frozen_note()

    # ------------------------------------------------------------------ live updates
    @Slot(dict)
    def _on_epoch(self, metrics: dict) -> None:
        if not self.running:
            return
        epoch, panel = int(metrics["epoch"]), self.panel
        panel.progress.setValue(min(epoch, panel.progress.maximum()))
        panel.progress.setFormat(f"Epoch {epoch}/{self._target}")
        trainer = self.session.trainer
        panel.counters.setText(f"D steps {trainer.d_steps_done:,} · G steps {trainer.g_steps_done:,}")

    @Slot(object)
    def _on_parked(self, snap: PlaneSnapshot | np.ndarray | None) -> None:
        """The run waits between two epochs (Pause, or a Step's epoch done) until Resume or Step."""
        if not self.running:
            return
        self._on_view(snap)
        self.panel.status.setText(f"Paused after epoch {self.session.trainer.epochs_done}. Resume, or Step one more "
                                  "epoch.")
        self.panel._update_buttons()

    @Slot(object)
    def _on_view(self, snap: PlaneSnapshot | np.ndarray | None) -> None:
        if snap is not None and self.view is not None:
            self.view.show_snapshot(snap)

    def _say_if_running(self, text: str) -> None:
        if self.running:
            self.panel.status.setText(text)

    # ------------------------------------------------------------------ layout
    @Slot()
    def arrange(self) -> None:
        """A GAN project: the GAN's curves, and left of them a 2-D GAN's plane or an image GAN's generated
        digits; any other project: the tab as it was."""
        panel, gan, grid = self.panel, self.active, self.panel.plots
        if self.view is not None and not panel.runner.running:
            self.view.hide()
            grid.removeWidget(self.view)
            self.view.deleteLater()
            self.view = None
        if gan and self.view is None:
            self.view = self._new_view()
            if self.view is not None:
                grid.addWidget(self.view, 0, 0, 2, 1)
        if self.view is not None:
            grid.addWidget(panel.loss_plot, 0, 1)
            grid.addWidget(panel.metric_plot, 1, 1)
        else:
            grid.addWidget(panel.loss_plot, 0, 0)
            grid.addWidget(panel.metric_plot, 0, 1)
        grid.setColumnStretch(0, 1)  # the plane keeps its aspect: as wide as the curves is wide enough
        grid.setColumnStretch(1, 1)
        panel.metric_plot.getPlotItem().legend.setOffset(LEGEND_OFFSETS[gan])
        for plot in (panel.loss_plot, panel.metric_plot):
            _show_curves(plot, ONE_NETWORK_CURVES, not gan)
        title, label = (METRIC_TITLE, "coverage · distance") if gan else ("Accuracy", "accuracy")
        if not panel.runner.running:  # a one-network run's Train sets its own (accuracy or RMSE)
            panel.metric_plot.setTitle(title, color="#333", size="11pt")
            panel.metric_plot.setLabel("left", label)

    def _new_view(self) -> GanPlane | GanDigitsGrid | None:
        """The plane for points in 2-D, the generated digits for images, nothing for other data (or none yet)."""
        try:
            bundle = self.panel.ctx.document.bundle()
        except NNStudioError:
            return None
        x = bundle.train.x
        if x.ndim == 2 and x.shape[1] == 2:
            plane = GanPlane(x.numpy())
            plane.setTitle(PLANE_TITLE, size="10pt")
            plane.setMinimumSize(240, 240)
            return plane
        if x.ndim in (3, 4):  # (N, H, W) or (N, C, H, W): images
            digits = GanDigitsGrid(x, bundle.train.y if bundle.task == CLASSIFICATION else None)
            digits.setMinimumWidth(240)
            return digits
        return None
