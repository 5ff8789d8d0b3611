"""The parts of a loss made of terms (the VAE's reconstruction and KL) as curves on the Training tab's loss plot."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.core.training.vae_loss import loss_terms
from nnstudio.gui import palette
from nnstudio.gui.widgets.live_plot import LivePlot

# train curves in the train loss's colour, validation in the validation loss's; the term by the line style
_STYLE = {"reconstruction": Qt.PenStyle.DashLine, "KL": Qt.PenStyle.DotLine}


def plot_loss_terms(plot: LivePlot, epoch: float, metrics: dict[str, float]) -> None:
    """Append this epoch's terms, adding each term's curve the first time it appears."""
    for name, value in loss_terms(metrics):
        if name not in plot.curve_names():
            split, term = name.split(" ", 1)
            plot.add_curve(name, palette.color(0 if split == "train" else 1), style=_STYLE[term])
        plot.append(name, epoch, value)
