"""The LR finder's rule on curves with a known answer: the steepest fall of the loss, capped at a tenth of
the rate at its minimum, wherever the recorded curve happens to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from repo_paths import FIXTURES

from nnstudio.core.workspace.lr_finder import moving_average, suggest

FIXTURE = FIXTURES / "lr_finder_moons_cancelled.json"


def curve(steepest: float, minimum: float, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """A loss that falls fastest at ``steepest`` (a logistic step in log10 lr) and is lowest at ``minimum``."""
    lrs = np.geomspace(1e-6, 10, n)
    x = np.log10(lrs)
    fall = 1 / (1 + np.exp((x - math.log10(steepest)) * 3))
    rise = np.where(x > math.log10(minimum), 5 * (x - math.log10(minimum)) ** 2, 0.0)
    loss = 0.3 + fall + rise
    return lrs, loss


def test_steepest_fall_below_the_cap_is_the_suggestion():
    lrs, loss = curve(1e-2, 1e-1)
    assert lrs[np.argmin(loss)] == pytest.approx(1e-1, rel=0.1)
    assert suggest(lrs, loss) == pytest.approx(1e-2, rel=0.1)


def test_a_minimum_close_to_the_steepest_fall_caps_the_suggestion():
    lrs, loss = curve(1e-2, 3e-2)
    assert suggest(lrs, loss) == pytest.approx(3e-3, rel=0.15)


def test_a_sweep_that_ends_at_its_minimum_still_suggests_the_steepest_fall():
    # The case: the loss fell fastest near 0.01, kept creeping down to ~4.4 and then blew up (inf).
    # Zero-padded smoothing made the last points the "steepest" and suggested 0.44, a tenth of the minimum.
    lrs = np.geomspace(1e-6, 10, 200)
    x = np.log10(lrs)
    loss = 0.3 + 0.4 / (1 + np.exp((x + 2) * 1.5)) - 0.005 * (x + 6)  # a gentle fall, as real sweeps show
    end = int(np.searchsorted(lrs, 4.4)) + 1
    lrs, loss = lrs[: end + 1], np.append(loss[:end], np.inf)
    assert lrs[np.argmin(loss)] == pytest.approx(4.4, rel=0.05)
    assert suggest(lrs, loss) == pytest.approx(1e-2, rel=0.15)


def test_recorded_moons_sweep_stopped_after_its_minimum():
    # Moons, 2-6-6-2 tanh MLP, Adam, seed 0: the full 200-batch sweep suggests 0.013. Stopped one batch after
    # the smoothed minimum (0.81) the old rule answered 0.081, a tenth of the minimum, where the curve is flat.
    data = json.loads(FIXTURE.read_text())
    lrs, smoothed = np.array(data["lrs"]), np.array(data["smoothed"])
    lowest = float(lrs[np.argmin(smoothed)])
    assert lowest == pytest.approx(0.812, rel=0.01)
    got = suggest(lrs, smoothed)
    assert got == pytest.approx(0.0141, rel=0.05)
    assert got < lowest / 10 / 2


def test_moving_average_keeps_the_level_at_both_ends():
    flat = np.full(30, 2.0)
    np.testing.assert_allclose(moving_average(flat, 5), flat)
    np.testing.assert_allclose(moving_average(flat, 6), flat)
