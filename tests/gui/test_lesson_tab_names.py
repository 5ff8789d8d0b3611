"""A lesson's ``tab`` action names the window's tabs: the core's list (it cannot import the GUI) matches them."""

from nnstudio.core.lessons.format import TABS
from nnstudio.gui.main_window import TABS as WINDOW_TABS


def test_the_lesson_format_knows_exactly_the_windows_tabs():
    assert sorted(TABS) == sorted(tab.name for tab in WINDOW_TABS)
