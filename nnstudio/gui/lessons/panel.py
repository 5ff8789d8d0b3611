"""The lesson panel, docked beside the tabs: the step's text, what to notice, the predict-before-you-run question
and its reveal, the run's figures and the outcome, with Back / Do it for me / Next."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.lessons.figures import FIGURES
from nnstudio.core.lessons.format import Outcome, ShowView
from nnstudio.gui import palette
from nnstudio.gui.lessons.runner import LessonRunner
from nnstudio.gui.lessons.text import scaled_font
from nnstudio.gui.lessons.views import VIEWS
from nnstudio.gui.widgets.wrapped_label import WrappedLabel


def figure_name(key: str) -> str:
    """'Test accuracy (tanh)' for 'test_accuracy@tanh'."""
    name, run = str(key).split("@")
    return f"{FIGURES[name].title} ({run})"


def figure_text(key: str, value: float) -> str:
    shown = "not reached" if math.isnan(value) else f"{value:.3g}"
    return f"{figure_name(key)}: {shown}"


def wanted_text(outcome: Outcome) -> str:
    """The range in words: 'Test MSE (wide) at most 0.2 times Test MSE (narrow)', or with ``relative: plus``
    'Test accuracy (scaled) at least 0.05 more than Test accuracy (unscaled)'."""
    other = figure_name(str(outcome.relative_to)) if outcome.relative_to else ""
    plus = outcome.relative == "plus"

    def bound(word: str, value: float) -> str:
        if not other:
            return f"{word} {value:g}"
        if not plus and value == 1:
            return f"{word} {other}"
        return f"{word} {value:g} {'more than' if plus else 'times'} {other}"

    parts = ([bound("at least", outcome.min)] if outcome.min is not None else []) + (
        [bound("at most", outcome.max)] if outcome.max is not None else [])
    return f"{figure_name(str(outcome.figure))} {' and '.join(parts)}"


class StepLabel(WrappedLabel):
    """A WrappedLabel whose height also shrinks for a shorter text: Qt's height-for-width of a label never
    goes below its minimum height, which WrappedLabel raised for a longer text or a narrower dock."""

    def _fit(self) -> None:
        self.setMinimumHeight(0)
        super()._fit()


class ChoiceLabel(WrappedLabel):
    """An answer's text beside its radio button; a click on the text picks it."""

    def __init__(self, text: str, button: QRadioButton) -> None:
        super().__init__(text)
        self.button = button
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.button.isEnabled():
            self.button.click()


class LessonPanel(QWidget):
    closed = Signal()

    def __init__(self, runner: LessonRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonPanel")
        self.runner = runner
        self._answers: dict[int, int] = {}  # step index -> the choice picked
        self._revealed: set[int] = set()
        self._choice_rows: list[QWidget] = []

        self.title = WrappedLabel(runner.lesson.title)
        self.title.setObjectName("lessonTitle")
        self.title.setFont(scaled_font(self.title, 1.35, bold=True))
        self.counter = QLabel()
        self.counter.setObjectName("lessonStepCounter")
        self.text = StepLabel()
        self.text.setObjectName("lessonText")
        self.text.setFont(scaled_font(self.text, 1.1))
        self.notice = StepLabel()
        self.notice.setObjectName("lessonNotice")

        self.question_box = QGroupBox("Predict before you run")
        self.question_box.setObjectName("lessonQuestion")
        self.prompt = StepLabel()
        self.prompt.setObjectName("lessonPrompt")
        self.choices = QVBoxLayout()
        self.choice_group = QButtonGroup(self)
        self.choice_group.idClicked.connect(self._picked)
        self.reveal_button = QPushButton("Show the answer")
        self.reveal_button.setObjectName("lessonRevealButton")
        self.reveal_button.clicked.connect(self.reveal)
        self.reveal_label = StepLabel()
        self.reveal_label.setObjectName("lessonReveal")
        q = QVBoxLayout(self.question_box)
        q.addWidget(self.prompt)
        q.addLayout(self.choices)
        q.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignLeft)
        q.addWidget(self.reveal_label)

        self.figures = StepLabel()
        self.figures.setObjectName("lessonFigures")
        self.outcome = StepLabel()
        self.outcome.setObjectName("lessonOutcome")
        self.status = StepLabel()
        self.status.setObjectName("lessonStatus")
        # The step's view of its run (a "show" action), for a class that pressed Train by hand too.
        self.view_button = QPushButton()
        self.view_button.setObjectName("lessonShowView")
        self.view_button.clicked.connect(self.show_view)

        body = QWidget()
        layout = QVBoxLayout(body)
        for w in (self.title, self.counter, self.text, self.notice, self.question_box, self.figures, self.outcome):
            layout.addWidget(w)
        layout.addWidget(self.view_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("lessonScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)

        self.back_button = QPushButton("Back")
        self.back_button.setObjectName("lessonBack")
        self.back_button.clicked.connect(lambda: runner.go(runner.index - 1))
        self.do_button = QPushButton("Do it for me")
        self.do_button.setObjectName("lessonDoIt")
        self.do_button.setToolTip("Perform this step's actions in the window: set the fields, switch the tab, press Train")
        self.do_button.clicked.connect(runner.do_it)
        self.next_button = QPushButton("Next")
        self.next_button.setObjectName("lessonNext")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(lambda: runner.go(runner.index + 1))
        self.close_button = QPushButton("Close lesson")
        self.close_button.setObjectName("lessonClose")
        self.close_button.clicked.connect(self.closed)
        buttons = QHBoxLayout()
        for b in (self.back_button, self.do_button, self.next_button):
            buttons.addWidget(b)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addLayout(buttons)
        outer.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)

        runner.step_changed.connect(self.show_step)
        runner.run_done.connect(self._run_done)
        runner.busy_changed.connect(self._update_buttons)
        runner.stopped.connect(self._stopped)
        self.show_step(runner.index)

    # ------------------------------------------------------------------ showing
    @Slot(int)
    def show_step(self, index: int) -> None:
        runner, step = self.runner, self.runner.step
        self.counter.setText(f"Step {index + 1} of {len(runner.lesson.steps)}")
        self.text.setText(step.text)
        self.notice.setText(f"What to notice: {step.notice}" if step.notice else "")
        self.notice.setVisible(bool(step.notice))
        self._show_question()
        self._show_results()
        self.status.setText("")
        self._update_buttons()
        self._show_view_button()

    def _step_view(self) -> ShowView | None:
        return next((a for a in self.runner.step.actions if isinstance(a, ShowView)), None)

    def _show_view_button(self) -> None:
        view = self._step_view()
        self.view_button.setVisible(view is not None)
        if view is not None:
            self.view_button.setText(VIEWS[view.view])
            ready = bool(self.runner.finished_runs)
            self.view_button.setEnabled(ready)
            self.view_button.setToolTip("" if ready else "Train first: it shows the run that finished last")

    @Slot()
    def show_view(self) -> None:
        view = self._step_view()
        if view is None:
            return
        try:
            self.runner.perform(view)
        except NNStudioError as exc:
            self.status.setText(f"Cannot show it: {exc}")
            self.status.setStyleSheet(f"color: {palette.role('negative')};")

    def _show_question(self) -> None:
        question, index = self.runner.step.question, self.runner.index
        self.question_box.setVisible(question is not None)
        for button in self.choice_group.buttons():
            self.choice_group.removeButton(button)
        for row in self._choice_rows:  # gone now, not at the next event-loop turn (deleteLater alone)
            self.choices.removeWidget(row)
            row.hide()
            row.setParent(None)
            row.deleteLater()
        self._choice_rows = []
        if question is None:
            return
        self.prompt.setText(question.prompt)
        for i, choice in enumerate(question.choices):
            # The radio button holds no text: a long answer wraps in its label (a radio button's text cannot)
            button = QRadioButton()
            button.setObjectName(f"lessonChoice{i}")
            button.setAccessibleName(choice)
            button.setChecked(self._answers.get(index) == i)
            label = ChoiceLabel(choice, button)
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(label, 1)
            self.choice_group.addButton(button, i)
            self.choices.addWidget(row)
            self._choice_rows.append(row)
        if self.runner.step_done() and self.runner.step_runs():
            self._revealed.add(index)  # its runs finished on an earlier visit
        self._show_reveal()

    def _show_reveal(self) -> None:
        question, index = self.runner.step.question, self.runner.index
        if question is None:
            return
        revealed = index in self._revealed
        has_runs = bool(self.runner.step_runs())
        self.reveal_button.setVisible(not revealed and not has_runs)
        for button in self.choice_group.buttons():
            button.setEnabled(not revealed)
        if not revealed:
            self.reveal_label.setText("Pick the answer you expect; it is revealed after the run." if has_runs else "")
            self.reveal_label.setStyleSheet("")
            return
        picked = self._answers.get(index)
        right = question.choices[question.answer]
        if picked is None:
            lead = f"The answer: {right}."
        elif picked == question.answer:
            lead = f"You predicted it: {right}."
        else:
            lead = f"You predicted \u201c{question.choices[picked]}\u201d; the answer is: {right}."
        self.reveal_label.setText(f"{lead} {question.explanation}")
        self.reveal_label.setStyleSheet(f"color: {palette.role('ink')};")

    def _show_results(self) -> None:
        runs = set(self.runner.step_runs())
        outcome = self.runner.step.outcome
        keys = [str(r) for r in self.runner.lesson.reported()
                if r.run in runs or (outcome is not None and r in outcome.refs())]
        shown = [figure_text(k, self.runner.figures[k]) for k in keys if k in self.runner.figures]
        self.figures.setText("\n".join(shown))
        self.figures.setVisible(bool(shown))
        check = self.runner.check()
        if check is None:
            self.outcome.setText("")
            self.outcome.setVisible(False)
            return
        value = "not reached" if math.isnan(check.value) else f"{check.value:.3g}"
        wanted = wanted_text(check.outcome)
        if check.met:
            text, colour = f"As expected: {wanted} (got {value}).", palette.role("good_text")
        else:
            text = (f"Not this time: {wanted}, but the run got {value}. Here is why that can happen: "
                    f"{check.outcome.why_it_can_differ}")
            colour = palette.role("negative")
        self.outcome.setText(text)
        self.outcome.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.outcome.setVisible(True)

    @Slot(bool)
    def _update_buttons(self, busy: bool | None = None) -> None:
        runner = self.runner
        busy = runner.busy if busy is None else busy
        self.back_button.setEnabled(not busy and runner.index > 0)
        self.next_button.setEnabled(not busy and runner.index < len(runner.lesson.steps) - 1)
        self.do_button.setEnabled(not busy and bool(runner.step.actions))
        if busy:
            self.status.setText("Working through the step\u2026")
        elif self.status.text() == "Working through the step\u2026":
            self.status.setText("")

    @Slot(str)
    def _stopped(self, message: str) -> None:
        self.status.setText(message)
        self.status.setStyleSheet(f"color: {palette.role('negative')};")

    # ------------------------------------------------------------------ answering
    @Slot(int)
    def _picked(self, choice: int) -> None:
        self._answers[self.runner.index] = choice

    def pick(self, choice: int) -> None:
        self.choice_group.button(choice).click()

    @Slot()
    def reveal(self) -> None:
        self._revealed.add(self.runner.index)
        self._show_reveal()

    @Slot(str)
    def _run_done(self, run: str) -> None:
        if run in self.runner.step_runs():
            if self.runner.step.question is not None and self.runner.step_done():
                self._revealed.add(self.runner.index)
                self._show_reveal()
            self._show_results()
            self.status.setText(f"The run {run!r} has finished.")
            self.status.setStyleSheet("")
        self._show_view_button()
