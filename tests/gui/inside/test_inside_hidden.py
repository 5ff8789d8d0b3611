"""A hidden Inside tab keeps collecting but draws only what is current when it is shown (or the run ends)."""

import math

from helpers_clock import FakeClock, counted_stats
from PySide6.QtCore import Qt

from nnstudio.core.insight.stats import DEFAULT_EVERY


def test_hidden_inside_tab_draws_once_at_the_end_of_a_run(main_window, qtbot, monkeypatch):
    inside = main_window.inside_panel
    assert not inside.isVisible()  # the window opens on the Architecture tab
    drawn = []
    original = inside.show_snapshot
    monkeypatch.setattr(inside, "show_snapshot", lambda snap: (drawn.append(snap.step), original(snap)))
    # A clock that moves a second at every read: the time budget never holds a look back, however fast or
    # slow the machine runs, so the run collects at every tenth batch.
    collected: list[float] = []
    monkeypatch.setattr("nnstudio.gui.panels.inside.StatsCallback", counted_stats(FakeClock(wall_step=1.0), collected))
    main_window.document.project.training.epochs = 8
    panel = main_window.training_panel
    panel._sync_from_document()
    with qtbot.waitSignal(panel.run_finished, timeout=120_000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not main_window.ctx.training_active, timeout=60_000)
    per_epoch = math.ceil(1257 / main_window.document.project.training.batch_size)  # 70% of the 1,797 digits
    assert len(collected) == 1 + 8 * per_epoch // DEFAULT_EVERY  # the first batch, then every tenth batch
    assert drawn == [collected[-1]] == [8.0]  # the run's last snapshot, drawn once, when the run ended
    assert inside.layer_choice.count() > 0  # with the run's last histograms
    _, counts = inside.weight_hist.curve.getData()
    assert counts is not None and counts.sum() > 0
    xs, _ = inside.grad_plot.curve_data(inside.grad_plot.curve_names()[0])
    assert xs.tolist() == collected  # every collection reached the curve, drawn or not
    main_window.show_tab("inside")
    assert len(drawn) == 1  # nothing newer was waiting
