"""The lesson panel walked as a teacher would: Next, "Do it for me" (fields set, tab switched, a control
highlighted, Train pressed, the run waited for), the question answered and revealed after the run, the
outcome in words; a malformed lesson file refused naming the field and the reason, the user's work kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QRadioButton, QWidget

from nnstudio.core.lessons.format import LESSONS_DIR

RUN_TIMEOUT_MS = 60_000
WHY = "Five epochs are few; train longer."
IMPOSSIBLE = "No network scores above 1."


def short_lesson(folder: Path) -> Path:
    shutil.copy(LESSONS_DIR / "projects" / "moons_one_hidden.json", folder / "start.json")
    lesson = {
        "title": "A short walk", "summary": "Two moons, two runs.", "minutes": 2, "starts_from": "start.json",
        "steps": [
            {"text": "Look at the network.", "notice": "Three layers.", "hide": ["resetButton"],
             "actions": [{"do": "tab", "tab": "architecture"}, {"do": "highlight", "control": "layerStack"}]},
            {"text": "Train it for five epochs.",
             "actions": [{"do": "set", "field": "training.epochs", "value": 5}, {"do": "tab", "tab": "training"},
                         {"do": "train", "run": "quick"}, {"do": "wait"}],
             "question": {"prompt": "Will it separate the moons?", "choices": ["No", "Mostly", "Perfectly"],
                          "answer": 1, "explanation": "Five epochs bend the boundary most of the way."},
             "outcome": {"figure": "test_accuracy@quick", "min": 0.5, "why_it_can_differ": WHY}},
            {"text": "Once more.", "actions": [{"do": "train", "run": "again"}, {"do": "wait"}],
             "outcome": {"figure": "test_accuracy@again", "min": 1.5, "why_it_can_differ": IMPOSSIBLE}},
        ],
    }
    path = folder / "short.json"
    path.write_text(json.dumps(lesson), encoding="utf-8")
    return path


def do_it_and_wait(qtbot, window) -> None:
    runner = window.lessons.runner
    with qtbot.waitSignal(runner.busy_changed, timeout=RUN_TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(window.lessons.panel.do_button, Qt.MouseButton.LeftButton)


def test_walk_a_short_lesson(qtbot, main_window, tmp_path):
    window = main_window
    assert window.lessons.open_lesson_file(short_lesson(tmp_path))
    panel, runner = window.lessons.panel, window.lessons.runner
    assert window.lessons.dock.isVisible()
    assert window.document.project.name == "Moons, one hidden layer of 8"
    assert panel.counter.text() == "Step 1 of 3"
    assert panel.notice.text() == "What to notice: Three layers."
    reset = window.training_panel.reset_button
    assert reset.isHidden()  # hidden for this step

    do_it_and_wait(qtbot, window)
    assert window.tabs.currentWidget().objectName() == "architecture"
    stack = window.findChild(QWidget, "layerStack")
    assert stack in runner.highlighted() and "border: 3px" in stack.styleSheet()

    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert panel.counter.text() == "Step 2 of 3"
    assert not reset.isHidden() and "border: 3px" not in stack.styleSheet()  # both restored
    assert panel.question_box.isVisibleTo(panel) and panel.prompt.text() == "Will it separate the moons?"
    choice = panel.findChild(QWidget, "lessonChoice2")
    qtbot.waitUntil(lambda: choice.isVisible() and choice.width() < 100)  # laid out beside its text
    qtbot.mouseClick(choice, Qt.MouseButton.LeftButton)
    assert panel.reveal_label.text() == "Pick the answer you expect; it is revealed after the run."

    do_it_and_wait(qtbot, window)
    assert window.document.project.training.epochs == 5  # set through the document
    assert window.tabs.currentWidget().objectName() == "training"
    assert window.document.project.history["train_loss"] and len(window.document.project.history["train_loss"]) == 5
    assert panel.reveal_label.text() == (
        "You predicted \u201cPerfectly\u201d; the answer is: Mostly. Five epochs bend the boundary most of the way.")
    assert not panel.findChild(QWidget, "lessonChoice0").isEnabled()  # answered
    accuracy = runner.figures["test_accuracy@quick"]
    assert 0.5 <= accuracy <= 1.0
    assert panel.outcome.text() == f"As expected: Test accuracy (quick) at least 0.5 (got {accuracy:.3g})."
    assert panel.figures.text() == f"Test accuracy (quick): {accuracy:.3g}"

    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert not panel.next_button.isEnabled()  # the last step
    do_it_and_wait(qtbot, window)
    again = runner.figures["test_accuracy@again"]
    assert panel.outcome.text() == (f"Not this time: Test accuracy (again) at least 1.5, but the run got {again:.3g}. "
                                    f"Here is why that can happen: {IMPOSSIBLE}")

    qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    assert panel.counter.text() == "Step 2 of 3"
    assert panel.reveal_label.text().startswith("You predicted \u201cPerfectly\u201d")  # remembered
    def shown():
        return [b.accessibleName() for b in panel.findChildren(QRadioButton) if b.isVisibleTo(panel)]

    qtbot.waitUntil(lambda: len(shown()) >= 3)
    assert shown() == ["No", "Mostly", "Perfectly"]  # this step's answers only, not the last visit's too


@pytest.mark.parametrize("change, field, reason", [
    (lambda d: d["steps"][1]["question"].update(answer=5), "steps[1].question.answer",
     "is 5, but the choices are numbered 0 to 2"),
    (lambda d: d.pop("title"), "title", "is missing"),
    (lambda d: d["steps"][1]["actions"][0].update(field="training.speed"), "steps[1].actions[0].field",
     "has no field 'speed'"),
])
def test_malformed_lesson_refused_with_field_and_reason(qtbot, main_window, tmp_path, monkeypatch, change, field, reason):
    window = main_window
    path = short_lesson(tmp_path)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    project = window.document.project
    window.document.set_modified(True)  # the user's unsaved work
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    window.lessons.open_lesson_action.trigger()
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and box.windowTitle() == "Cannot open the lesson"
    assert box.text().startswith(f"short.json: {field}: ") and reason in box.text()
    assert window.document.project is project and window.document.modified  # nothing replaced
    assert window.lessons.runner is None and window.lessons.dock is None
    box.close()


def test_closing_the_dock_ends_the_lesson_and_gives_controls_back(qtbot, main_window, tmp_path):
    window = main_window
    assert window.lessons.open_lesson_file(short_lesson(tmp_path))
    reset = window.training_panel.reset_button
    assert reset.isHidden()
    window.lessons.dock.close()  # its title bar's X
    assert not reset.isHidden()
    assert window.lessons.runner is None
    factories = window.ctx.run_callback_factories
    assert not any(getattr(f, "__self__", None).__class__.__name__ == "LessonRunner" for f in factories)


def test_do_it_for_me_says_why_train_cannot_start(qtbot, main_window, tmp_path, monkeypatch):
    window = main_window
    assert window.lessons.open_lesson_file(short_lesson(tmp_path))
    panel = window.lessons.panel
    panel.runner.go(1)
    problem = "The network's output (2) does not match the 3 classes"
    monkeypatch.setattr(type(window.training_panel), "settings_problem", lambda self: problem)
    qtbot.mouseClick(panel.do_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == f"Train could not start the run 'quick': {problem}"
    assert panel.do_button.isEnabled() and not window.lessons.runner.busy


def test_lesson_stays_and_reads_whole_while_presenting(qtbot, main_window, tmp_path):
    from nnstudio.core.lessons.format import find_lesson
    from nnstudio.gui.clipping import clipped_texts, describe

    window = main_window
    assert window.lessons.open_lesson(find_lesson("neurons_and_activations"))
    window.lessons.runner.go(1)  # text, notice and a three-answer question
    window.presentation.set_active(True)
    try:
        window.setWindowState(Qt.WindowState.WindowNoState)  # a 1280x720 projector, not the test screen
        window.resize(1280, 720)
        qtbot.waitUntil(lambda: window.width() == 1280 and window.height() == 720)
        dock = window.lessons.dock
        assert dock.isVisible()  # presenting folds docks away, not the lesson
        qtbot.wait(50)
        clips = clipped_texts(dock)
        assert not clips, describe(clips)
    finally:
        window.presentation.set_active(False)
    assert window.lessons.dock.isVisible()


@pytest.mark.parametrize("bounds, relative, words", [
    ({"min": 0.9}, None, "Test accuracy (relu) at least 0.9"),
    ({"max": 0.2}, "times", "Test accuracy (relu) at most 0.2 times Test accuracy (two)"),
    ({"max": 1.0}, "times", "Test accuracy (relu) at most Test accuracy (two)"),
    ({"min": 0.05}, "plus", "Test accuracy (relu) at least 0.05 more than Test accuracy (two)"),
])
def test_outcome_range_in_words(bounds, relative, words):
    from nnstudio.core.lessons.format import FigureRef, Outcome
    from nnstudio.gui.lessons.panel import wanted_text

    outcome = Outcome(FigureRef("test_accuracy", "relu"), bounds.get("min"), bounds.get("max"),
                      FigureRef("test_accuracy", "two") if relative else None, "why", relative or "times")
    assert wanted_text(outcome) == words


def test_a_control_of_a_tab_not_built_yet_is_hidden_too(qtbot, main_window, tmp_path):
    window = main_window
    path = short_lesson(tmp_path)
    data = json.loads(path.read_text())
    data["steps"][0]["hide"] = ["runsSummary"]  # the Runs tab: not opened yet
    path.write_text(json.dumps(data))
    assert not window.tabs.is_built("runs")
    assert window.lessons.open_lesson_file(path)
    summary = window.findChild(QWidget, "runsSummary")
    assert summary is not None and summary.isHidden()
    qtbot.mouseClick(window.lessons.panel.next_button, Qt.MouseButton.LeftButton)
    assert not summary.isHidden()
