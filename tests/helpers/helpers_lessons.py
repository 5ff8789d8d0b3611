"""Running a shipped lesson headless in a test: its outcome must be met, and its figures come back."""

from __future__ import annotations

from nnstudio.core.lessons.experiments import run_lesson
from nnstudio.core.lessons.format import find_lesson


def lesson_figures(name: str) -> dict[str, float]:
    """The figures (figure@run -> value) of the lesson's headless run; fails naming every missed check."""
    result = run_lesson(find_lesson(name))
    failed = [c.sentence() for c in result.checks if not c.met]
    assert result.outcome_met, failed
    return result.figures


def do_it_for_me(qtbot, window, timeout_ms: int = 120_000) -> None:
    """Click the lesson panel's "Do it for me" and wait until the step's actions (its runs too) are done."""
    from PySide6.QtCore import Qt

    runner = window.lessons.runner
    with qtbot.waitSignal(runner.busy_changed, timeout=timeout_ms, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(window.lessons.panel.do_button, Qt.MouseButton.LeftButton)


def next_step(qtbot, window) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(window.lessons.panel.next_button, Qt.MouseButton.LeftButton)
