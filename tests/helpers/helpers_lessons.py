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
