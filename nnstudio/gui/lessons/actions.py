"""The window's lesson entries: File > Open lesson…, Help > Start page / Concepts / Keyboard shortcuts, the
start page at first launch, and the lesson dock (one lesson open at a time)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMenu, QWidget

from nnstudio.core.base.errors import NNStudioError
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.presentation import KEEP_DOCK
from nnstudio.gui.widgets.help_link import HELP_REQUESTS

if TYPE_CHECKING:  # the lesson code (figures, run sessions) loads with the first lesson, not at start-up
    from nnstudio.core.lessons.format import Lesson
    from nnstudio.gui.lessons.panel import LessonPanel
    from nnstudio.gui.lessons.runner import LessonRunner

# ``window`` is nnstudio's MainWindow: a WindowHost (gui/window_host.py) and the QMainWindow the dock goes in.
MainWindow = QMainWindow

START_PAGE_SHOWN_KEY = "start_page/shown"
LESSON_FILTER = "Lessons (*.json);;All files (*)"


class _AfterPaint(QObject):
    """Calls ``then`` once, in the event-loop turn after ``widget`` first paints."""

    def __init__(self, widget: QWidget, then) -> None:
        super().__init__(widget)
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self.then)
            self.deleteLater()
        return False


class LessonDock(QDockWidget):
    """The dock's own close button ends the lesson (its hidden controls come back)."""

    closed = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        super().closeEvent(event)
        self.closed.emit()


class LessonActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.runner: LessonRunner | None = None
        self.panel: LessonPanel | None = None
        self.dock: QDockWidget | None = None
        self.start_page = None
        self.concepts = None
        self.shortcuts = None

        def action(text: str, slot, tip: str, name: str) -> QAction:
            a = QAction(text, window)
            a.setObjectName(name)
            a.setStatusTip(tip)
            a.setToolTip(tip)
            a.triggered.connect(slot)
            return a

        self.open_lesson_action = action("Open &lesson\u2026", self.open_lesson_dialog,
                                         "Open a lesson file a teacher wrote (.json)", "openLessonAction")
        self.start_page_action = action("&Start page", self.show_start_page,
                                        "Lessons, templates, recent projects and your own data", "startPageAction")
        self.concepts_action = action("&Concepts", self.show_concepts,
                                      "A glossary of every layer, loss, optimizer and idea, with a lesson to try it",
                                      "conceptsAction")
        self.shortcuts_action = action("&Keyboard shortcuts", self.show_shortcuts, "Every key the window knows",
                                       "shortcutsAction")

        HELP_REQUESTS.requested.connect(self._help_requested)  # the forms' "?" buttons

    @Slot(str, str, QWidget)
    def _help_requested(self, name: str, title: str, window: QWidget) -> None:
        from nnstudio.gui.lessons.glossary import entry_for

        entry = entry_for(name, title) if window is self.window else None
        if entry is not None:
            self.show_concepts(entry.key)

    def populate_file(self, menu: QMenu) -> None:
        menu.addAction(self.open_lesson_action)

    def populate_help(self, menu: QMenu) -> None:
        menu.addActions([self.start_page_action, self.concepts_action, self.shortcuts_action])
        menu.addSeparator()

    # ------------------------------------------------------------------ lessons
    @Slot()
    def open_lesson_dialog(self) -> None:
        settings = self.window.settings
        path, _ = QFileDialog.getOpenFileName(self.window, "Open lesson", settings.last_folder(), LESSON_FILTER)
        if path:
            self.open_lesson_file(Path(path))

    def open_lesson_file(self, path: Path) -> bool:
        """A teacher's lesson file: a malformed one is refused naming the field and the reason; the project the
        user has open stays as it is."""
        from nnstudio.core.lessons.format import load_lesson

        try:
            lesson = load_lesson(path)
        except NNStudioError as exc:
            show_error(self.window, "Cannot open the lesson", exc)
            return False
        return self.open_lesson(lesson)

    def open_lesson(self, lesson: Lesson) -> bool:
        """Open ``lesson``'s starting project and its panel beside the tabs (closing a lesson already open)."""
        from nnstudio.gui.lessons.panel import LessonPanel
        from nnstudio.gui.lessons.runner import LessonRunner

        runner = LessonRunner(self.window, lesson)
        try:
            opened = runner.open_project()
        except NNStudioError as exc:
            opened = False
            show_error(self.window, "Cannot open the lesson", exc)
        if not opened:  # unsaved changes kept, a run in progress, or the project refused
            runner.close()
            runner.deleteLater()
            return False
        self.close_lesson()
        self.runner = runner
        self.panel = LessonPanel(runner)
        self.panel.closed.connect(self.close_lesson)
        if self.dock is None:
            self.dock = LessonDock("Lesson", self.window)
            self.dock.closed.connect(self.close_lesson)
            self.dock.setProperty(KEEP_DOCK, True)  # presenting folds docks away, but the lesson is what is projected
            self.dock.setObjectName("lessonDock")
            self.dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
            self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.setWidget(self.panel)
        self.dock.setMinimumWidth(self.panel.fontMetrics().averageCharWidth() * 36)
        self.dock.show()
        # a third of the window: the step's text reads in full lines, the tab keeps the rest
        self.window.resizeDocks([self.dock], [max(self.dock.minimumWidth(), self.window.width() // 3)],
                                Qt.Orientation.Horizontal)
        runner.go(0)
        self.window.show_status(f"Lesson: {lesson.title}", 4000)
        return True

    @Slot()
    def close_lesson(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner.deleteLater()
            self.runner = None
        if self.panel is not None:
            self.panel.deleteLater()
            self.panel = None
        if self.dock is not None and self.dock.isVisible():
            self.dock.hide()

    # ------------------------------------------------------------------ help
    def start_page_at_first_launch(self, after_first_paint: bool = False) -> bool:
        """The start page, once: the first launch remembers that it was shown. ``after_first_paint``: wait for
        the window's first paint (reading every lesson must not delay the window's appearance)."""
        settings = self.window.settings
        if settings.value(START_PAGE_SHOWN_KEY, False) in (True, "true"):
            return False
        settings.set_value(START_PAGE_SHOWN_KEY, True)
        if after_first_paint:
            _AfterPaint(self.window, self.show_start_page)
        else:
            self.show_start_page()
        return True

    @Slot()
    def show_start_page(self) -> None:
        from nnstudio.gui.start_page import StartPage

        if self.start_page is not None:  # built afresh: the lessons, recent files and text size of now
            self.start_page.close()
            self.start_page.deleteLater()
        self.start_page = StartPage(self.window)
        self.start_page.lesson_chosen.connect(self.open_lesson)
        self.start_page.refresh()
        self.start_page.show_over_window()

    @Slot()
    def show_concepts(self, entry: str = "") -> None:
        from nnstudio.gui.lessons.concepts import ConceptsDialog

        if self.concepts is None:
            self.concepts = ConceptsDialog(self.window)
            self.concepts.try_lesson.connect(self.open_lesson)
            self.concepts.try_template.connect(self.window.new_from_template)
            self.concepts.tab_requested.connect(self.window.show_tab)
        if entry:
            self.concepts.select(entry)
        self.concepts.show_over(self.window)

    @Slot()
    def show_shortcuts(self) -> None:
        from nnstudio.gui.lessons.shortcuts_dialog import ShortcutsDialog

        if self.shortcuts is None:
            self.shortcuts = ShortcutsDialog(self.window)
        self.shortcuts.refresh()
        frame = self.window.geometry()
        self.shortcuts.resize(int(frame.width() * 0.6), int(frame.height() * 0.8))
        self.shortcuts.show()
        self.shortcuts.raise_()
