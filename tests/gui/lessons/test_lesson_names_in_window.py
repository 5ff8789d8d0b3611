"""What lessons name in the window exists there: the tabs of ``tab`` actions (the core keeps its own list, it
cannot import the GUI) and the controls that shipped lessons highlight or hide (by object name)."""

from PySide6.QtWidgets import QWidget

from nnstudio.core.lessons.format import TABS, Highlight, builtin_lessons
from nnstudio.gui.main_window import TABS as WINDOW_TABS


def test_the_lesson_format_knows_exactly_the_windows_tabs():
    assert sorted(TABS) == sorted(tab.name for tab in WINDOW_TABS)


def test_every_control_a_shipped_lesson_names_is_in_the_window(main_window):
    for tab in TABS:
        assert main_window.panel(tab) is not None  # built, so its controls can be found
    named = {(lesson.name, control) for lesson in builtin_lessons() for step in lesson.steps
             for control in [*step.hide, *(a.control for a in step.actions if isinstance(a, Highlight))]}
    assert named  # the check reads something
    missing = sorted((lesson, control) for lesson, control in named if main_window.findChild(QWidget, control) is None)
    assert missing == []
