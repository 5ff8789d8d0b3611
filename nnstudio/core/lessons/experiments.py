"""A lesson's experiment without a window: its steps replayed on its starting project, every ``train`` action
a real run through the run session (the Training tab's path), the figures read off each run and the
outcomes checked against them. ``nnstudio lesson run NAME`` prints what :func:`run_lesson` returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.lessons.figures import FIGURES, FinishedRun, GradientRecorder
from nnstudio.core.lessons.format import (
    Lesson,
    LessonError,
    Outcome,
    SetField,
    SwapActivation,
    Train,
    apply_action,
)
from nnstudio.core.project.spec import Project
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.workspace.gan_session import GanSession, is_gan
from nnstudio.core.workspace.run_session import RunSession


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    value: float
    low: float | None
    high: float | None
    met: bool

    @classmethod
    def of(cls, outcome: Outcome, figures: dict[str, float]) -> Check:
        """The outcome checked against the figures (``figure@run`` -> value) of the runs so far."""
        low, high = outcome.bounds(figures)
        return cls(outcome, figures[str(outcome.figure)], low, high, outcome.met(figures))

    def sentence(self) -> str:
        """What the check found, in words: "as expected", or the why-it-can-differ sentence."""
        value = "not reached" if math.isnan(self.value) else f"{self.value:.4g}"
        verdict = "as expected" if self.met else f"not this time. {self.outcome.why_it_can_differ}"
        return f"{self.outcome.describe()}: {value} - {verdict}"


@dataclass
class LessonResult:
    lesson: str
    figures: dict[str, float] = field(default_factory=dict)  # figure@run -> value (NaN: never reached)
    checks: list[Check] = field(default_factory=list)

    @property
    def outcome_met(self) -> bool:
        return all(c.met for c in self.checks)

    def to_json(self) -> dict:
        return {"lesson": self.lesson, "outcome_met": self.outcome_met,
                "figures": {k: (None if math.isnan(v) else v) for k, v in self.figures.items()},
                "checks": [{"check": c.outcome.describe(), "value": None if math.isnan(c.value) else c.value,
                            "met": c.met} for c in self.checks]}


def train_run(project: Project, base_dir: Path | None, control: TrainingControl | None = None) -> FinishedRun:
    """One fresh run of ``project`` as the Training tab would start it, with its first-epoch gradients."""
    if is_gan(project):  # a GAN trains its two networks in its own session, from fresh weights
        gan = GanSession.open(project, base_dir, use_weights=False)
        gan.fit(should_stop=control.stop_requested if control is not None else None)
        return FinishedRun(None, None, gan=gan.trainer)
    session = RunSession.fresh(project, base_dir)
    recorder = GradientRecorder()
    result = session.fit([recorder], control)
    return FinishedRun(session.trainer, result, recorder.norms())


def run_lesson(lesson: Lesson, *, control: TrainingControl | None = None,
               on_run: Callable[[str, dict[str, float]], None] | None = None) -> LessonResult:
    """Replay the lesson's steps; each run's figures are computed once it finishes (``on_run(run, figures)``)."""
    wanted: dict[str, set[str]] = {}
    for ref in lesson.reported():
        wanted.setdefault(ref.run, set()).add(ref.figure)
    project = lesson.start_project()
    figures: dict[str, float] = {}
    for i, step in enumerate(lesson.steps):
        for j, action in enumerate(step.actions):
            if isinstance(action, (SetField, SwapActivation)):
                project = apply_action(project, action)
            elif isinstance(action, Train):
                copy = Project.from_dict(project.to_dict())
                copy.weights = project.weights  # a frozen pretrained body's (None otherwise): the run keeps them
                try:
                    run = train_run(copy, lesson.base_dir, control)
                except LessonError:
                    raise
                except NNStudioError as exc:  # which step of the lesson could not train, then why
                    raise LessonError(f"steps[{i}].actions[{j}]", f"the run {action.run!r} cannot train: {exc}",
                                      lesson.path.name) from None
                values = {f"{name}@{action.run}": FIGURES[name].compute(run)
                          for name in FIGURES if name in wanted.get(action.run, ())}
                figures.update(values)
                if on_run is not None:
                    on_run(action.run, values)
    ordered = {str(ref): figures[str(ref)] for ref in lesson.reported()}
    return LessonResult(lesson.name, ordered, [Check.of(outcome, ordered) for outcome in lesson.outcomes()])
