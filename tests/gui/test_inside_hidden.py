"""A hidden Inside tab keeps collecting but draws only what is current when it is shown (or the run ends)."""

from PySide6.QtCore import Qt


def test_hidden_inside_tab_draws_once_at_the_end_of_a_run(main_window, qtbot, monkeypatch):
    inside = main_window.inside_panel
    assert not inside.isVisible()  # the window opens on the Architecture tab
    drawn = []
    original = inside.show_snapshot
    monkeypatch.setattr(inside, "show_snapshot", lambda snap: (drawn.append(snap.step), original(snap)))
    main_window.document.project.training.epochs = 8  # under a second: looks at full speed come ten a second
    panel = main_window.training_panel
    panel._sync_from_document()
    with qtbot.waitSignal(panel.run_finished, timeout=120_000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not main_window.ctx.training_active)
    assert len(drawn) == 1  # the run's last snapshot, drawn when the run ended
    assert inside.layer_choice.count() > 0  # with the run's last histograms (they come only every 0.25 s)
    _, counts = inside.weight_hist.curve.getData()
    assert counts is not None and counts.sum() > 0
    xs, _ = inside.grad_plot.curve_data(inside.grad_plot.curve_names()[0])
    assert len(xs) > len(drawn) and xs[-1] >= drawn[0]  # every collection reached the curve, drawn or not
    main_window.show_tab("inside")
    assert len(drawn) == 1  # nothing newer was waiting
