"""The Inside tab's activation table shows its column titles whole at 1280x720 (a projector's size):
'Activation layer' was cut to 'ctivation laye'."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication


def test_activation_table_headers_fit_at_1280x720(qtbot, main_window):
    main_window.resize(1280, 720)
    main_window.show_tab("inside")
    QApplication.processEvents()
    table = main_window.inside_panel.act_table
    header = table.horizontalHeader()
    metrics = header.fontMetrics()
    cut = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())
           if metrics.horizontalAdvance(table.horizontalHeaderItem(c).text()) + 8 > header.sectionSize(c)]
    assert not cut, f"cut column titles: {cut}"
