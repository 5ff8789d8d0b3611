"""A big table's scatter on the Data tab draws a seeded sample and says so (a million points took ~10 s to draw
on the GUI thread); the table page and the statistics still count every training row."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnstudio.gui.panels.data import preview as preview_module
from nnstudio.gui.panels.data.source import DataSourceWidget


def test_a_big_table_scatter_shows_a_sample_and_says_how_big(qtbot, main_window, monkeypatch, tmp_path):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(preview_module, "SCATTER_POINTS", 50)
    csv = tmp_path / "big.csv"
    csv.write_text("a,b,kind\n" + "".join(f"{i * 0.5},{(i * 7) % 13},{['x', 'y'][i % 2]}\n" for i in range(1200)), encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(csv), ""))
    main_window.tabs.setCurrentWidget(main_window.data_panel)
    widget = main_window.data_panel.findChild(DataSourceWidget)
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        widget.open_actions["csv"].trigger()
    preview = main_window.data_panel.preview
    qtbot.waitUntil(lambda: preview.prepared is not None and preview.prepared.raw.x.shape == (1200, 2), timeout=20_000)
    xy, labels = preview.canvas.points()
    assert len(xy) == 50 and set(labels.tolist()) == {0, 1}
    assert preview.canvas.plotItem.titleLabel.text == "All examples as loaded: 50 of 1,200 points"
    assert "the first 200 of 840 training examples" in preview.rows_label.text()
    assert "big.csv: 1,200 rows, 2 features" in widget.summary.text()
