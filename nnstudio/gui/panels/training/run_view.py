"""Pieces of the Training tab's run view: the paused run's edit box, the samples/s counter, the plots' titles."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from nnstudio.core.training.config import setting
from nnstudio.core.training.engine import COMPLETED, EARLY_STOPPED, RunResult
from nnstudio.gui.panels.training.settings import editor_for
from nnstudio.gui.widgets.flow_layout import FlowLayout
from nnstudio.gui.widgets.live_plot import LivePlot
from nnstudio.gui.widgets.param_form import CheckedSpinBox

RATE_WINDOW = 3.0  # seconds of recent progress the samples/s figure averages over


class LiveEditsBox(QFrame):
    """While paused: this run's learning rate and regularization, applied from the next batch on."""

    def __init__(self, apply: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName("liveEdits")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        live = FlowLayout(self)  # wraps in a narrow tab (a lesson's dock, presentation text) rather than cut
        live.setContentsMargins(8, 2, 8, 2)
        self.lr = editor_for(setting("lr"), 1e-3)
        self.l2 = editor_for(setting("weight_decay"), 0.0)
        self.l1 = editor_for(setting("l1"), 0.0)
        self.apply_button = QPushButton("Apply to this run")
        self.apply_button.setObjectName("applyLiveButton")
        self.apply_button.setToolTip("Use these values from the next batch on")
        self.apply_button.clicked.connect(apply)
        live.addWidget(QLabel("This run (while paused):"))
        for label, w in (("learning rate", self.lr), ("L2", self.l2), ("L1", self.l1)):
            pair = QWidget()  # a label and its box stay on one line
            pair_row = QHBoxLayout(pair)
            pair_row.setContentsMargins(0, 0, 0, 0)
            pair_row.addWidget(QLabel(label))
            w.setMinimumWidth(80)
            pair_row.addWidget(w)
            live.addWidget(pair)
        live.addWidget(self.apply_button)


class RateMeter:
    """Samples per second over the last few seconds of progress, and the time left at that rate."""

    def __init__(self, window: float = RATE_WINDOW) -> None:
        self.window = window
        self.points: deque[tuple[float, int]] = deque()

    def clear(self) -> None:
        self.points.clear()

    def add(self, now: float, samples: int, samples_left: float) -> str | None:
        """Record the progress at ``now``; the counter's text, or None while there is no rate yet."""
        points = self.points
        points.append((now, samples))
        while len(points) > 2 and now - points[0][0] > self.window:
            points.popleft()
        if len(points) < 2 or points[-1][0] <= points[0][0]:
            return None
        rate = (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])
        if rate <= 0:
            return None
        return f"{rate:,.0f} samples/s · {format_duration(samples_left / rate)} left"


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{seconds:02d} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d} h"


def outcome_texts(result: RunResult) -> tuple[str, str]:
    """The progress bar's and the status line's words for a finished run."""
    epochs = f"{result.epochs} epoch{'s' if result.epochs != 1 else ''}"
    if result.status == COMPLETED:
        best = f" The best validation result was in epoch {result.best_epoch}." if result.best_epoch else ""
        return (f"Done: {epochs} in {result.seconds:.1f} s", f"Finished {epochs}.{best} Continue adds more epochs to "
                "this run." + (f" {result.warning}" if result.warning else ""))
    label = "Early stopped" if result.status == EARLY_STOPPED else result.status.capitalize()
    return f"{label} after {epochs}", result.message


def label_run_plots(loss_plot: LivePlot, metric_plot: LivePlot, metric_name: str, scores_targets: bool = True) -> None:
    """The two plots' titles for the run about to start. A run whose loss ignores the targets (diffusion: the
    network guesses the noise it was given) has no accuracy or RMSE worth reading: only its loss, named for it."""
    show_loss_and_metric(loss_plot, metric_plot)
    if not scores_targets:
        loss_plot.setTitle("Denoising loss", color="#333", size="11pt")
        loss_plot.setLabel("left", "denoising loss")
        _show_metric(loss_plot, metric_plot, False)
    metric_plot.setTitle("Accuracy" if metric_name == "accuracy" else "RMSE", color="#333", size="11pt")
    metric_plot.setLabel("left", "accuracy" if metric_name == "accuracy" else "RMSE")


def show_loss_and_metric(loss_plot: LivePlot, metric_plot: LivePlot) -> None:
    """Both plots as for an ordinary run (another project: the metric plot's title is set by its run)."""
    loss_plot.setTitle("Loss", color="#333", size="11pt")
    loss_plot.setLabel("left", "loss")
    _show_metric(loss_plot, metric_plot, True)


def _show_metric(loss_plot: LivePlot, metric_plot: LivePlot, shown: bool) -> None:
    """Show or hide the metric plot; beside the loss plot, its column's share of the width goes with it."""
    metric_plot.setVisible(shown)
    grid = _grid_of(metric_plot)
    if grid is None or grid.indexOf(loss_plot) < 0:
        return
    column = grid.getItemPosition(grid.indexOf(metric_plot))[1]
    if column != grid.getItemPosition(grid.indexOf(loss_plot))[1]:  # side by side, not stacked (a GAN's plane)
        grid.setColumnStretch(column, 1 if shown else 0)


def _grid_of(widget: QWidget) -> QGridLayout | None:
    parent = widget.parentWidget()
    layouts = [parent.layout()] if parent is not None and parent.layout() is not None else []
    while layouts:
        layout = layouts.pop()
        if isinstance(layout, QGridLayout) and layout.indexOf(widget) >= 0:
            return layout
        layouts += [item.layout() for item in (layout.itemAt(i) for i in range(layout.count())) if item.layout()]
    return None


def checkpoint_box() -> CheckedSpinBox:
    """The run's 'Checkpoint every N epochs' (0: off), beside the speed."""
    box = CheckedSpinBox("Checkpoint every")
    box.setObjectName("checkpointEvery")
    box.setRange(0, 100_000)
    box.setSpecialValueText("Checkpoints: off")
    box.setPrefix("Checkpoint every ")
    box.setSuffix(" epochs")
    box.valueChanged.connect(lambda n: box.setSuffix(" epoch" if n == 1 else " epochs"))
    box.setMaximumWidth(240)
    return box
