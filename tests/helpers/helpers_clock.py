"""A hand-driven clock for the live views' time budget (``nnstudio.core.insight.budget.Clock``): tests count
looks exactly instead of timing busy loops, so a loaded machine cannot change the count."""

from __future__ import annotations


class FakeClock:
    """Moves only when told: ``advance`` wall and CPU seconds by hand, or give ``wall_step`` to move the wall
    clock that far on every read (every look then finds its spacing and credit long refilled)."""

    def __init__(self, wall_step: float = 0.0) -> None:
        self.now = 0.0
        self.cpu_now = 0.0
        self.wall_step = wall_step

    def wall(self) -> float:
        self.now += self.wall_step
        return self.now

    def cpu(self) -> float:
        return self.cpu_now

    def advance(self, wall: float = 0.0, cpu: float = 0.0) -> None:
        self.now += wall
        self.cpu_now += cpu


def counted_stats(clock: FakeClock, steps: list[float]):
    """A stand-in for ``StatsCallback`` (patch it where the Inside tab looks it up): its budget on ``clock``,
    and the step of every collection it makes appended to ``steps``."""
    from nnstudio.core.insight.stats import StatsCallback

    def make(sink, **kwargs):
        def counting(snap) -> None:
            steps.append(snap.step)
            sink(snap)
        return StatsCallback(counting, clock=clock, **kwargs)
    return make
