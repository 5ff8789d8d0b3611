"""No visible text is cut: every tab at 1280x720 in presentation mode and at 1600x1000 normally, checked by
``nnstudio.gui.clipping`` (each label, button, check box, combo box, group-box and tab title measured in its
font against the room it has); and the checker itself catches planted cut text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui import palette
from nnstudio.gui.clipping import clipped_texts, describe
from nnstudio.gui.widgets.elide_combo import narrow_combo

LONG = "a test-only sentence far too long for the narrow box it is planted in"


@pytest.fixture(autouse=True)
def normal_palette_after():
    yield
    palette.set_presentation(False)


def _walk_every_tab(window, qtbot) -> dict[str, str]:
    found = {}
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        panel = window.tabs.widget(i)
        qtbot.waitUntil(panel.isVisible)
        qtbot.wait(30)  # its layout settles
        clips = clipped_texts(window)
        if clips:
            found[window.tabs.tabText(i)] = describe(clips)
    return found


def test_no_text_is_cut_on_any_tab_at_1600x1000_or_in_presentation_mode_at_1280x720(main_window, qtbot):
    main_window.resize(1600, 1000)
    qtbot.waitUntil(lambda: main_window.width() == 1600)
    assert _walk_every_tab(main_window, qtbot) == {}
    # The tabs were built at the normal size: switching to presentation mode rescales what is there.
    main_window.presentation.set_active(True)
    main_window.setWindowState(Qt.WindowState.WindowNoState)  # a 1280x720 projector, not the test screen
    main_window.resize(1280, 720)
    qtbot.waitUntil(lambda: main_window.width() == 1280 and main_window.height() == 720)
    assert main_window.font().pointSizeF() > 0 and palette.presenting()
    assert _walk_every_tab(main_window, qtbot) == {}


# ---------------------------------------------------------------- the checker finds what is cut
def _host(qtbot, width: int, *widgets: QWidget) -> QWidget:
    host = QWidget()
    layout = QVBoxLayout(host)
    for w in widgets:
        layout.addWidget(w)
    host.setFixedWidth(width)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    return host


def test_a_planted_long_label_in_a_narrow_box_is_named_with_its_sizes(qtbot):
    label = QLabel(LONG)
    label.setObjectName("plantedLabel")
    fits = QLabel("short")
    host = _host(qtbot, 160, label, fits)
    clips = clipped_texts(host)
    assert [c.where.split(" > ")[-1] for c in clips] == ["plantedLabel"]
    assert clips[0].text == LONG and clips[0].need == label.fontMetrics().horizontalAdvance(LONG)
    assert clips[0].room < 160
    assert "plantedLabel: 'a test-only sentence" in describe(clips) and "px of width" in describe(clips)


def test_a_word_wrapped_label_too_short_for_its_lines_is_cut_by_height(qtbot):
    label = QLabel(" ".join([LONG] * 4))
    label.setObjectName("squeezedLabel")
    label.setWordWrap(True)
    label.setFixedHeight(label.fontMetrics().height() + 2)  # room for one line of several
    host = _host(qtbot, 200, label)
    (clip,) = clipped_texts(host)
    assert clip.what == "height" and clip.need == label.heightForWidth(label.width()) > clip.room == label.height()


def test_buttons_check_boxes_combos_and_group_titles_that_do_not_fit(qtbot):
    button = QPushButton(LONG)
    button.setObjectName("plantedButton")
    check = QCheckBox(LONG)
    check.setObjectName("plantedCheck")
    combo = QComboBox()
    combo.setObjectName("plantedCombo")
    combo.addItem(LONG)
    elided = narrow_combo(QComboBox(), 4)  # eliding on purpose: its open list shows the item whole
    elided.addItem(LONG)
    box = QGroupBox(LONG)
    box.setObjectName("plantedBox")
    QHBoxLayout(box).addWidget(QLabel("x"))
    for w in (button, check, combo, elided):
        w.setMinimumWidth(0)
        w.setSizePolicy(w.sizePolicy().Policy.Ignored, w.sizePolicy().verticalPolicy())
    box.setSizePolicy(box.sizePolicy().Policy.Ignored, box.sizePolicy().verticalPolicy())
    host = _host(qtbot, 150, button, check, combo, elided, box)
    names = {c.where.split(" > ")[-1] for c in clipped_texts(host)}
    assert names == {"plantedButton", "plantedCheck", "plantedCombo", "plantedBox (title)"}


def test_a_pane_squeezed_under_its_minimum_and_a_scroll_area_that_cannot_scroll_across(qtbot):
    """The two ways a projector cut text whose own widget was wide enough: a splitter pane given less than
    the pane's width (the next pane covers the rest), and content wider than a vertical-only scroll area."""
    inner = QLabel("a label that fits its pane's minimum")
    inner.setObjectName("underThePane")
    splitter = QSplitter()
    left = QWidget()
    QVBoxLayout(left).addWidget(inner)
    left.setMinimumWidth(inner.sizeHint().width() + 30)
    right = QLabel("right")
    right.setMinimumWidth(300)
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setChildrenCollapsible(False)
    host = _host(qtbot, left.minimumWidth() + 340, splitter)
    assert clipped_texts(host) == []
    host.setFixedWidth(left.minimumWidth() + 200)  # both minimums cannot be met: the left pane is squeezed
    qtbot.waitUntil(lambda: splitter.sizes()[0] < left.width())
    assert [c.where.split(" > ")[-1] for c in clipped_texts(host)] == ["underThePane"]

    scrolled = QLabel(LONG)
    scrolled.setObjectName("inTheScroll")
    area = QScrollArea()
    area.setWidgetResizable(True)
    content = QWidget()
    QVBoxLayout(content).addWidget(scrolled)
    area.setWidget(content)
    area.setFixedWidth(160)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    assert clipped_texts(area) == []  # a horizontal scroll bar reaches the rest
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    qtbot.wait(20)
    assert [c.where.split(" > ")[-1] for c in clipped_texts(area)] == ["inTheScroll"]


def test_tabs_first_opened_while_presenting_and_a_side_panel_dragged_open_again(main_window, qtbot):
    """Tabs built after F11 (the idle builder, or a first click) get the large font from the start; and the
    folded layer palette of the Architecture tab, dragged open by the teacher, fits its pane at that size."""
    main_window.presentation.set_active(True)
    main_window.setWindowState(Qt.WindowState.WindowNoState)
    main_window.resize(1280, 720)
    qtbot.waitUntil(lambda: main_window.width() == 1280 and main_window.height() == 720)
    assert _walk_every_tab(main_window, qtbot) == {}
    main_window.show_tab("architecture")
    splitter = main_window.architecture_panel.findChild(QSplitter, "architectureSplitter")
    assert splitter.sizes()[0] == 0  # folded by presentation mode
    sizes = splitter.sizes()
    splitter.setSizes([1, sizes[1] - 1, sizes[2]])  # dragged open: the pane takes at least what its palette needs
    qtbot.wait(30)
    assert splitter.sizes()[0] >= splitter.widget(0).minimumSizeHint().width() > 1  # its minimum, not a sliver
    assert describe(clipped_texts(main_window)) == ""


def test_a_two_feature_project_on_the_inside_and_playground_tabs_while_presenting(main_window, qtbot):
    """The neuron maps' side panel (enlarged map, legend, incoming weights) and layer combo at 1.5x text:
    the legend ran under the map, the weights heading and the layer title were cut."""
    from nnstudio.core.arch.spec import ArchitectureSpec, layer
    from nnstudio.core.data.spec import DataSpec
    from nnstudio.core.project.spec import Project

    main_window.document.replace(Project(
        name="moons", data=DataSpec("moons", {"n_samples": 120, "noise": 0.2}),
        architecture=ArchitectureSpec([layer("linear", in_features=0, out_features=4), layer("tanh"),
                                       layer("linear", in_features=0, out_features=2)])))
    main_window.presentation.set_active(True)
    main_window.setWindowState(Qt.WindowState.WindowNoState)
    main_window.resize(1280, 720)
    qtbot.waitUntil(lambda: main_window.width() == 1280 and main_window.height() == 720)
    main_window.show_tab("inside")
    inside = main_window.inside_panel
    qtbot.waitUntil(lambda: [len(row) for row in inside.tiles] == [4] and inside.tiles[0][1].isVisible())
    qtbot.wait(50)
    qtbot.mouseMove(inside.tiles[0][0])
    qtbot.mouseMove(inside.tiles[0][1])
    detail = inside.neuron_maps.detail
    qtbot.waitUntil(lambda: detail.unit == 1)
    qtbot.wait(30)
    assert describe(clipped_texts(main_window)) == ""
    assert detail.legend.geometry().top() >= detail.big.geometry().bottom()  # under the map, not over it
    main_window.show_tab("playground")
    qtbot.wait(50)
    assert describe(clipped_texts(main_window)) == ""


def test_a_table_column_narrower_than_its_title(qtbot):
    from PySide6.QtWidgets import QTableWidget

    table = QTableWidget(1, 2)
    table.setObjectName("plantedTable")
    table.setHorizontalHeaderLabels(["a long column title", "b"])
    table.setColumnWidth(0, 30)
    host = _host(qtbot, 300, table)
    (clip,) = clipped_texts(host)
    assert clip.where.endswith("plantedTable (column 0)") and clip.text == "a long column title"
    table.resizeColumnToContents(0)
    assert clipped_texts(host) == []


def test_ten_class_roc_and_pr_curves_with_their_legends_while_presenting(main_window, qtbot):
    """At 1.5x text the long titles ('Precision-recall, each class vs the rest · mean AP 0.984') made each plot
    wider than its half of the window: the PR legend fell outside and the ROC legend was cut."""
    import numpy as np

    from nnstudio.core.evaluate.report import SplitEvaluation, classification_metrics

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), 30)
    logits = rng.normal(size=(300, 10))
    logits[np.arange(300), y] += rng.uniform(0.5, 3.5, 300)
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    split = SplitEvaluation("test", y, logits, proba.argmax(1), proba, classification_metrics(y, proba, 10))
    panel = main_window.evaluation_panel
    main_window.show_tab("evaluation")
    panel.pages.setCurrentIndex(panel.curves_index)
    panel.curves_page.show_split(split, [f"digit {i}" for i in range(10)])
    main_window.presentation.set_active(True)
    main_window.setWindowState(Qt.WindowState.WindowNoState)
    main_window.resize(1280, 720)
    qtbot.waitUntil(lambda: main_window.width() == 1280 and main_window.height() == 720)
    qtbot.wait(50)
    assert describe(clipped_texts(main_window)) == ""
    for plot in (panel.curves_page.roc_plot, panel.curves_page.pr_plot):
        legend = plot.getPlotItem().legend
        assert len(legend.items) == 10
        right = plot.mapFromScene(legend.mapToScene(legend.boundingRect().topRight())).x()
        assert right <= plot.width()  # the whole legend inside the plot's widget
