"""A lesson walked in the real window: which step is showing, its actions performed through the window's own
widgets and document ("Do it for me"), each run's figures read off the Training tab's finished run.

The figures come from the same code as ``nnstudio lesson run``: a :class:`GradientRecorder` rides along with
every run started while a lesson is open, and the finished run's trainer is scored by ``FIGURES``.
"""

from __future__ import annotations

import math
from collections import deque

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QMainWindow, QWidget

from nnstudio.core.arch.commands import ReplaceArchitecture
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.files import rebase_paths
from nnstudio.core.lessons.experiments import Check
from nnstudio.core.lessons.figures import FIGURES, FinishedRun, GradientRecorder
from nnstudio.core.lessons.format import (
    TABS,
    Action,
    Highlight,
    Lesson,
    SetField,
    ShowView,
    Step,
    SwapActivation,
    SwitchTab,
    Train,
    WaitForRun,
    apply_action,
)
from nnstudio.core.training.engine import Trainer
from nnstudio.gui import palette
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.lessons.views import show_view

# ``window`` is nnstudio's MainWindow, used through its WindowHost members (gui/window_host.py) and findChild.
MainWindow = QMainWindow

HIGHLIGHT_PROPERTY = "lessonHighlight"


class LessonRunner(QObject):
    """One open lesson. ``step_changed(index)`` when another step shows; ``run_done(run)`` once a run's figures
    are in; ``busy_changed(bool)`` while "Do it for me" is working through the step's actions."""

    step_changed = Signal(int)
    run_done = Signal(str)
    busy_changed = Signal(bool)
    stopped = Signal(str)  # "Do it for me" could not go on: why, in words

    def __init__(self, window: MainWindow, lesson: Lesson) -> None:
        super().__init__(window)
        self.window, self.lesson = window, lesson
        self.index = 0
        self.figures: dict[str, float] = {}  # figure@run -> value, for the runs finished so far
        self.finished_runs: set[str] = set()
        self._queue: deque[Action] = deque()
        self._pending_run: str | None = None  # the run the next Train press belongs to
        self._recorder: GradientRecorder | None = None
        self._waiting = False  # the queue waits for the running run to finish
        self._hidden: list[QWidget] = []
        self._highlighted: list[tuple[QWidget, str]] = []
        window.ctx.run_callback_factories.append(self._callbacks)
        window.ctx.run_finished.connect(self._on_run_finished)

    # ------------------------------------------------------------------ opening and closing
    def open_project(self) -> bool:
        """Replace the window's project with the lesson's starting project (asks about unsaved changes)."""
        project = self.lesson.start_project()
        if self.lesson.base_dir is not None:  # the lesson's data files: absolute, the project has no file yet
            project.data = rebase_paths(project.data, self.lesson.base_dir, None)
        self.window.new_from_ready_project(project)
        return self.window.document.project is project

    def close(self) -> None:
        self._restore_controls()
        self._queue.clear()
        ctx = self.window.ctx
        if self._callbacks in ctx.run_callback_factories:
            ctx.run_callback_factories.remove(self._callbacks)
        ctx.run_finished.disconnect(self._on_run_finished)

    # ------------------------------------------------------------------ steps
    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    def go(self, index: int) -> None:
        if not 0 <= index < len(self.lesson.steps) or self.busy:
            return
        self._restore_controls()
        self.index = index
        self._hide_controls()
        self.step_changed.emit(index)

    def step_runs(self, step: Step | None = None) -> list[str]:
        return [a.run for a in (step or self.step).actions if isinstance(a, Train)]

    def step_done(self) -> bool:
        """Every run this step trains has finished (a step without runs is done at once)."""
        return all(run in self.finished_runs for run in self.step_runs())

    def check(self) -> Check | None:
        """The step's outcome against the figures, once they are all in."""
        outcome = self.step.outcome
        if outcome is None or any(str(r) not in self.figures for r in outcome.refs()):
            return None
        return Check.of(outcome, self.figures)

    # ------------------------------------------------------------------ do it for me
    @property
    def busy(self) -> bool:
        return bool(self._queue) or self._waiting

    def do_it(self) -> None:
        """Perform the step's actions one after another; a Train waits for its run before the next action."""
        if self.busy:
            return
        self._queue = deque(self.step.actions)
        self.busy_changed.emit(True)
        self._continue()

    def _continue(self) -> None:
        while self._queue and not self._waiting:
            action = self._queue.popleft()
            try:
                self.perform(action)
            except NNStudioError as exc:
                self._queue.clear()
                self.stopped.emit(f"This step cannot be done: {exc}")
                show_error(self.window, "The lesson's step cannot be done", exc)
        if not self.busy:
            self.busy_changed.emit(False)

    def perform(self, action: Action) -> None:
        """One action, through the window: the document (with undo for the network), its tabs and buttons."""
        window, document = self.window, self.window.document
        if isinstance(action, (SetField, SwapActivation)):
            changed = apply_action(document.project, action)
            if changed.architecture.to_dict() != document.project.architecture.to_dict():
                from nnstudio.gui.panels.architecture.undo import ArchitectureUndoCommand

                label = f"Lesson: {getattr(action, 'field', None) or action.kind}"
                window.ctx.undo_stack.push(ArchitectureUndoCommand(document, ReplaceArchitecture(changed.architecture, label)))
            if changed.training.to_dict() != document.project.training.to_dict():
                document.set_training(changed.training)
            if changed.data.to_dict() != document.project.data.to_dict():
                document.set_data(changed.data)
        elif isinstance(action, SwitchTab):
            window.show_tab(action.tab)
        elif isinstance(action, Highlight):
            self._highlight(action.control)
        elif isinstance(action, Train):
            panel = window.panel("training")
            self._pending_run = action.run
            self._waiting = True
            window.show_tab("training")
            panel.train_button.click()
            if not panel.runner.running:  # refused: the step stops here, saying why
                self._waiting, self._pending_run = False, None
                self._queue.clear()
                reason = panel.settings_problem() or panel.status.text() or "see the Training tab"
                self.stopped.emit(f"Train could not start the run {action.run!r}: {reason}")
        elif isinstance(action, WaitForRun):
            self._waiting = self.window.ctx.training_active
        elif isinstance(action, ShowView):
            show_view(self.window, action.view)

    # ------------------------------------------------------------------ runs
    def _callbacks(self, trainer: Trainer) -> list:
        self._recorder = GradientRecorder()
        if self._pending_run is None:  # Train pressed by hand: it is the step's next run not trained yet
            self._pending_run = self._next_run()
        return [self._recorder]

    def _next_run(self) -> str | None:
        return next((r for r in self.step_runs() if r not in self.finished_runs), None)

    def _finished_run(self, outcome) -> FinishedRun | None:
        """What FIGURES read off the Training tab's finished run: its trainer, or a GAN's two networks (as
        ``train_run`` hands them headless), or None when the run failed."""
        panel = self.window.panel("training")
        if outcome.result is None:
            return None
        if panel.gan.session is not None:  # a GAN's run has no one-network trainer and no gradient recorder
            return FinishedRun(None, outcome.result, gan=panel.gan.session.trainer)
        if panel.trainer is None:
            return None
        return FinishedRun(panel.trainer, outcome.result, self._recorder.norms() if self._recorder else [])

    @Slot(object)
    def _on_run_finished(self, outcome) -> None:
        # A GAN's run adds no callbacks, so Train pressed by hand names its run only now.
        run, self._pending_run = self._pending_run or self._next_run(), None
        finished = self._finished_run(outcome)
        if run is not None and finished is not None:
            for ref in self.lesson.reported():
                if ref.run == run:
                    try:
                        self.figures[str(ref)] = FIGURES[ref.figure].compute(finished)
                    except NNStudioError:
                        self.figures[str(ref)] = math.nan
            self.finished_runs.add(run)
            self.run_done.emit(run)
        if self._waiting:
            self._waiting = False
            if outcome.result is None:
                self._queue.clear()
                self.stopped.emit(f"The run {run!r} failed: {outcome.error}")
            QTimer.singleShot(0, self, self._continue)  # after every tab has shown the finished run

    # ------------------------------------------------------------------ controls
    def _find(self, name: str) -> QWidget | None:
        return self.window.findChild(QWidget, name)

    def _hide_controls(self) -> None:
        names = [name for name in self.step.hide if self._find(name) is None]
        if names:  # a control of a tab not built yet: build the tabs, then it can be found
            for tab in TABS:
                self.window.panel(tab)
        for name in self.step.hide:
            widget = self._find(name)
            if widget is not None and widget not in self._hidden and not widget.isHidden():
                widget.hide()
                self._hidden.append(widget)

    def _highlight(self, name: str) -> None:
        widget = self._find(name)
        if widget is None:
            return
        colour = palette.role("highlight")
        self._highlighted.append((widget, widget.styleSheet()))
        widget.setProperty(HIGHLIGHT_PROPERTY, True)
        widget.setStyleSheet(widget.styleSheet() + f"\n#{name} {{ border: 3px solid {colour}; }}")

    def highlighted(self) -> list[QWidget]:
        return [w for w, _ in self._highlighted if shiboken6.isValid(w)]

    def _restore_controls(self) -> None:
        for widget in self._hidden:
            if shiboken6.isValid(widget):
                widget.show()
        for widget, sheet in self._highlighted:
            if shiboken6.isValid(widget):
                widget.setStyleSheet(sheet)
                widget.setProperty(HIGHLIGHT_PROPERTY, False)
        self._hidden, self._highlighted = [], []
