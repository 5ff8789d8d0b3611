"""How often the live views may look inside a run: each look is paid for from a time budget.

The budget is a bucket of credit that fills at ``fraction`` of the wall time, up to ``allowance``; a look
may start while there is credit and is paid for afterwards. Over any long stretch the looks take at most
``fraction`` of the run, while a short run (the default project trains for a few hundred milliseconds)
and the first look of any run, which pays one-time costs, are not starved.

A look costs the CPU time the training thread spent on it, not the wall time it took. While the training
thread looks, the GUI thread may hold the GIL (building the tabs a run opens, drawing) or the machine may
be busy with other work; neither is a cost of looking, and charging the wall time let one slow look early
in a run silence the views for seconds. The speed control's sleep after each batch is time a slowed run
has to spare, so that much of each look is free.

Both clocks are read through a :class:`Clock` (the real one by default), so a test can drive them by hand
and count looks exactly instead of timing a busy loop.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from nnstudio.core.training.engine import TrainingState

ALLOWANCE = 0.025  # CPU seconds of looking a run may spend ahead of its share


class Clock(Protocol):
    def wall(self) -> float:
        """Seconds of wall time (spacing and refill)."""

    def cpu(self) -> float:
        """CPU seconds of the calling thread (what a look costs)."""


class SystemClock:
    """The real clocks: ``time.perf_counter`` and ``time.thread_time``."""

    @staticmethod
    def wall() -> float:
        return time.perf_counter()

    @staticmethod
    def cpu() -> float:
        return time.thread_time()


SYSTEM_CLOCK = SystemClock()


class WatchBudget:
    """``fraction=None`` means no limit but the spacing: looks end at least ``min_interval`` seconds apart,
    or ``slowed_min_interval`` (default: the same) while the speed control slows the run down."""

    def __init__(self, fraction: float | None, min_interval: float = 0.0, allowance: float = ALLOWANCE,
                 slowed_min_interval: float | None = None, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self.fraction = fraction
        self.min_interval = min_interval
        self.slowed_min_interval = min_interval if slowed_min_interval is None else slowed_min_interval
        self.allowance = allowance
        self.credit = allowance
        self._filled_at = clock.wall()
        self._not_before = -float("inf")

    def _fill(self, now: float) -> None:
        if self.fraction:
            self.credit = min(self.allowance, self.credit + self.fraction * (now - self._filled_at))
        self._filled_at = now

    def allows(self) -> bool:
        now = self.clock.wall()
        if now < self._not_before:
            return False
        self._fill(now)
        return not self.fraction or self.credit > 0

    @property
    def resume_at(self) -> float:
        """When (on ``clock.wall``) the next look may start, if nothing else is paid for meanwhile."""
        owed = max(0.0, -self.credit) / self.fraction if self.fraction else 0.0
        return max(self._not_before, self._filled_at + owed)

    @contextmanager
    def charge(self, state: TrainingState, earlier: float = 0.0) -> Iterator[None]:
        """Pay for the enclosed look, plus ``earlier`` CPU seconds it spent before (in forward hooks)."""
        started = self.clock.cpu()
        yield
        now = self.clock.wall()
        self._fill(now)
        if self.fraction:
            self.credit -= state.cost_beyond_delay(self.clock.cpu() - started + earlier)
        self._not_before = now + (self.slowed_min_interval if state.batch_delay > 0 else self.min_interval)
