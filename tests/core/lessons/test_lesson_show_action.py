"""A lesson's ``show`` action opens a view of a finished run: it reads into ShowView, and a view the window
does not have, or one asked for before any run was trained, is refused with the field and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstudio.core.lessons.format import LessonError, ShowView, load_lesson


def _lesson(tmp_path: Path, first: list, second: list) -> Path:
    data = {"title": "Show", "summary": "A step shown.", "minutes": 5, "starts_from": "deep_relu",
            "steps": [{"text": "One.", "actions": first}, {"text": "Two.", "actions": second}]}
    path = tmp_path / "show.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_show_after_a_run_reads_into_a_show_view(tmp_path):
    lesson = load_lesson(_lesson(tmp_path, [{"do": "train", "run": "one"}, {"do": "wait"}],
                                 [{"do": "show", "view": "backprop_graph"}]))
    assert lesson.steps[1].actions == (ShowView("backprop_graph"),)


@pytest.mark.parametrize(("first", "second", "message"), [
    ([{"do": "train"}], [{"do": "show", "view": "graph"}],
     "show.json: steps[1].actions[0].view: 'graph' is not a view (known: backprop_graph)"),
    ([{"do": "tab", "tab": "training"}], [{"do": "show", "view": "backprop_graph"}],
     "show.json: steps[1].actions[0].view: shows a finished run: put a train action before it"),
    ([{"do": "train"}], [{"do": "show"}], "show.json: steps[1].actions[0].view: is missing"),
])
def test_a_show_the_window_cannot_do_is_refused_with_field_and_reason(tmp_path, first, second, message):
    with pytest.raises(LessonError) as caught:
        load_lesson(_lesson(tmp_path, first, second))
    assert str(caught.value) == message
