"""One palette for every plot (distinct hues, line styles past the tenth), the ROC/PR legends beside the
curves rather than over them, and no "All-NaN slice encountered" warnings from curves holding NaN."""

from __future__ import annotations

import copy
import itertools
import math
import warnings

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMessageBox

from nnstudio.core.evaluate.report import SplitEvaluation, classification_metrics
from nnstudio.core.project.spec import default_project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.runs import Run
from nnstudio.gui import palette

MIN_DELTA_E = 20.0  # CIE76: about 2.3 is just noticeable; tab10's purple/pink pair was 27.7, our closest is 26.4


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def ten_class_split() -> SplitEvaluation:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), 30)
    logits = rng.normal(size=(300, 10))
    logits[np.arange(300), y] += rng.uniform(0.5, 3.5, 300)
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return SplitEvaluation("test", y, logits, proba.argmax(1), proba, classification_metrics(y, proba, 10))


def pen_color(item) -> str:
    return item.opts["pen"].color().name().upper()


# ---------------------------------------------------------------- the palette itself
def test_lab_conversion_matches_reference_values():
    assert palette.srgb_to_lab("#FFFFFF") == pytest.approx((100.0, 0.0, 0.0), abs=0.05)
    assert palette.srgb_to_lab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=0.05)
    assert palette.srgb_to_lab("#FF0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.1)  # the textbook sRGB red


@pytest.mark.parametrize("n", range(2, 11))
def test_the_first_n_colours_are_pairwise_distinct(n):
    colours = [palette.color(i) for i in range(n)]
    closest = min(palette.delta_e76(a, b) for a, b in itertools.combinations(colours, 2))
    assert closest > MIN_DELTA_E, f"{n} classes: two colours only ΔE {closest:.1f} apart"
    assert all(palette.delta_e76(c, "#FFFFFF") > 40 for c in colours)  # none fades into the white background


def test_classes_past_the_hue_count_get_another_line_style():
    looks = {(palette.color(i), palette.style_index(i)) for i in range(40)}
    assert len(looks) == 40
    assert palette.style_index(9) == 0 and palette.style_index(10) == 1


# ---------------------------------------------------------------- every plot uses it
def test_roc_and_pr_curves_use_the_palette_and_the_legend_stays_off_the_curves(main_window, qtbot):
    panel = main_window.evaluation_panel
    main_window.show_tab("evaluation")
    panel.pages.setCurrentIndex(panel.curves_index)
    page = panel.curves_page
    page.show_split(ten_class_split(), [f"digit {i}" for i in range(10)])
    assert [pen_color(item) for item in page.pr_items] == [palette.color(i).upper() for i in range(10)]
    assert [pen_color(item) for item in page.roc_items] == [palette.color(i).upper() for i in range(10)]
    for size in ((1600, 1000), (1280, 720)):
        main_window.resize(*size)
        qtbot.waitUntil(lambda s=size: main_window.width() == s[0])
        for plot, items in ((page.pr_plot, page.pr_items), (page.roc_plot, page.roc_items)):
            plot_item = plot.getPlotItem()
            plot_item.layout.activate()
            legend = plot_item.legend
            assert len(legend.items) == 10
            legend_rect = legend.sceneBoundingRect()
            view = plot_item.getViewBox()
            assert legend_rect.width() > 50 and not legend_rect.intersects(view.sceneBoundingRect()), size
            for item in items:  # no curve point lies under the legend
                xs, ys = item.getData()
                assert not any(legend_rect.contains(view.mapViewToScene(QPointF(x, y))) for x, y in zip(xs, ys, strict=True))


def test_compare_curves_colour_runs_from_the_palette_and_skip_nan(qapp):
    from nnstudio.gui.panels.runs.compare import CompareCurvesPage

    page = CompareCurvesPage()
    runs = [Run(i, f"run {i}", TrainSpec(), history={"epoch": [1.0, 2.0, 3.0], "val_loss": [1.0, 0.5, 0.4]}) for i in range(1, 13)]
    runs.append(Run(13, "diverged", TrainSpec(), history={"epoch": [1.0, 2.0], "val_loss": [math.nan, math.nan]}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        page.resize(800, 500)
        page.show()
        page.show_runs(runs)
        page.grab()  # paints: the bounds of every item are asked for
    assert not [w for w in caught if "All-NaN" in str(w.message)]
    items = page.overlay_items
    assert [pen_color(items[f"run {i}"]) for i in range(1, 11)] == [c.upper() for c in palette.PALETTE]
    assert pen_color(items["run 11"]) == palette.color(0).upper()  # the hue again, dashed
    assert items["run 11"].opts["pen"].style() == palette.line_style(10) != items["run 1"].opts["pen"].style()
    assert len(items["diverged"].getData()[0] or []) == 0  # drawn as nothing
    page.close()


def test_live_plots_and_class_views_share_the_palette(qapp):
    from nnstudio.gui.panels import inside
    from nnstudio.gui.panels.data import preview as data_preview
    from nnstudio.gui.panels.interpret import latent_view
    from nnstudio.gui.widgets import draw_2d
    from nnstudio.gui.widgets.live_plot import LivePlot

    for module in (data_preview, latent_view, draw_2d):  # no copy of the colours anywhere: the one lookup
        assert module.color is palette.color and not hasattr(module, "PALETTE"), module.__name__
    assert inside.palette is palette and not hasattr(inside, "PALETTE")
    plot = LivePlot()
    for k in range(3):
        plot.add_curve(f"c{k}")
    assert [pen_color(plot.curve(f"c{k}")) for k in range(3)] == [palette.color(k).upper() for k in range(3)]


# ---------------------------------------------------------------- no NaN warnings
@pytest.mark.parametrize("log_y", [False, True])
def test_a_curve_of_nan_or_zero_draws_nothing_and_warns_nothing(qapp, log_y):
    from nnstudio.gui.widgets.live_plot import LivePlot

    plot = LivePlot()
    plot.resize(400, 300)
    plot.show()
    plot.add_curve("validation loss", symbol="o")
    plot.add_curve("train loss", symbol="o")
    plot.set_log_y(log_y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for epoch in (1, 2, 3):
            plot.append("validation loss", epoch, math.nan if epoch < 3 else 0.0)
            plot.append("train loss", epoch, 1.0 / epoch)
            plot.redraw()
            plot.grab()
        plot.refit()
        plot.grab()
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert len(plot.curve("validation loss").getData()[0] or []) == (1 if not log_y else 0)  # the 0.0; not on a log axis
    assert list(plot.curve_data("validation loss")[0]) == [1.0, 2.0, 3.0]  # the points are kept for the readout
    plot.close()


def test_a_short_run_without_a_validation_split_prints_no_nan_warning(main_window, qtbot):
    project = default_project()
    project.data.split.validation = 0.0
    project.training.epochs = 1
    main_window.document.replace(copy.deepcopy(project))
    panel = main_window.training_panel
    main_window.tabs.setCurrentWidget(panel)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with qtbot.waitSignal(panel.run_finished, timeout=120_000):
            panel.train_button.click()
        panel.loss_plot.redraw()
        panel.metric_plot.redraw()
        panel.grab()
    assert [str(w.message) for w in caught if "NaN" in str(w.message)] == []
    assert len(panel.loss_plot.curve_data("validation loss")[0]) == 1  # one epoch, nothing to show for them
