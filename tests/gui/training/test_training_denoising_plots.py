"""A diffusion run on the Training tab: its network guesses noise, so an RMSE against the points is meaningless;
only the loss is plotted, titled the denoising loss. Another project (a GAN) and the next ordinary run show
the metric plot again."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.core.project.templates import catalogue


def _train(qtbot, window, project, epochs: int = 1):
    project.training.epochs = epochs
    window.new_from_ready_project(project)
    window.show_tab("training")
    panel = window.training_panel
    qtbot.waitUntil(panel.isVisible)
    with qtbot.waitSignal(panel.run_finished, timeout=120_000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.ctx.training_active, timeout=60_000)
    return panel


def _title(plot) -> str:
    return plot.getPlotItem().titleLabel.text


def test_a_diffusion_run_plots_only_its_denoising_loss(qtbot, main_window):
    main_window.resize(1280, 720)
    panel = _train(qtbot, main_window, catalogue()["diffusion_spiral"].project())
    qtbot.waitUntil(lambda: not panel.metric_plot.isVisible())
    alone = panel.loss_plot.width()
    assert _title(panel.loss_plot) == "Denoising loss"
    assert panel.loss_plot.getPlotItem().getAxis("left").labelText == "denoising loss"
    assert not panel.metric_plot.isVisible()  # no RMSE of noise guesses against the points
    assert len(panel.history["train_loss"]) == 1

    main_window.new_from_ready_project(catalogue()["gan_ring"].project())  # another project, before any run
    assert panel.metric_plot.isVisible() and _title(panel.loss_plot) == "Loss"
    panel = _train(qtbot, main_window, catalogue()["simple_nn_8x8"].project())  # an ordinary run: as before
    assert _title(panel.loss_plot) == "Loss" and _title(panel.metric_plot) == "Accuracy"
    assert panel.metric_plot.isVisible()
    qtbot.waitUntil(lambda: panel.metric_plot.width() > 100)
    assert alone > 1.5 * panel.loss_plot.width()  # alone, the loss plot had the metric plot's width too
