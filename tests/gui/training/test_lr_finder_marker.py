"""The LR finder page marks its suggestion on the curve and keeps the raw batch losses in view."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from repo_paths import FIXTURES

from nnstudio.core.workspace.lr_finder import LRFinderResult, suggest

FIXTURE = FIXTURES / "lr_finder_moons_cancelled.json"


def recorded() -> LRFinderResult:
    data = json.loads(FIXTURE.read_text())
    lrs, losses, smoothed = (np.array(data[k]) for k in ("lrs", "losses", "smoothed"))
    return LRFinderResult(lrs, losses, smoothed, suggest(lrs, smoothed), cancelled=True)


def test_suggestion_is_marked_on_the_curve_and_raw_losses_stay_in_view(main_window):
    runs = main_window.panel("runs")
    main_window.show_tab("runs")
    runs.pages.setCurrentIndex(2)
    page = runs.lr_finder
    result = recorded()
    page.show_result(result)
    assert result.suggestion == pytest.approx(0.0141, rel=0.05)
    assert page.marker.isVisible() and page.marker.value() == pytest.approx(math.log10(result.suggestion))
    assert page.marker.label.toPlainText() == "suggested 0.014"
    xs, ys = page.suggested_point.getData()
    assert list(xs) == pytest.approx([math.log10(result.suggestion)])  # drawn on the log axis
    near = int(np.argmin(abs(np.log10(result.lrs) - math.log10(result.suggestion))))
    assert ys[0] == pytest.approx(result.smoothed[near], abs=0.01)  # the dot sits on the smoothed curve
    assert "Suggested learning rate: <b>0.014</b>" in page.status.text()
    assert page.apply_button.text() == "Apply 0.014"
    low, high = page.plot.getViewBox().viewRange()[1]
    fall = result.losses[: int(np.argmin(result.smoothed)) + 1]
    assert low <= fall.min() and fall.max() <= high  # every raw batch loss of the fall is on screen


def test_no_suggestion_clears_the_dot(main_window):
    page = main_window.panel("runs").lr_finder
    page.show_result(recorded())
    flat = np.full(30, 0.7)
    page.show_result(LRFinderResult(np.geomspace(1e-6, 1, 30), flat, flat, math.nan))
    assert not page.marker.isVisible() and len(page.suggested_point.getData()[0] or []) == 0
    assert page.status.text().startswith("No clear suggestion")
