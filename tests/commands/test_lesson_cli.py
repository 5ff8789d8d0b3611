"""nnstudio lesson list / lesson run NAME --json, and their refusals (exit 2, one line)."""

from __future__ import annotations

import json

import pytest
from trust_cases import Case, check_case, run_cli

from nnstudio.core.lessons.format import lesson_files

TINY = {
    "title": "Tiny", "summary": "One short run.", "minutes": 2, "starts_from": "deep_relu",
    "steps": [{"text": "Train.",
               "actions": [{"do": "set", "field": "training.epochs", "value": 2},
                           {"do": "set", "field": "data.params.n_samples", "value": 100},
                           {"do": "train", "run": "short"}],
               "outcome": {"figure": "epochs@short", "min": 2, "max": 2, "why_it_can_differ": "It cannot."}}],
}


def test_lesson_list_prints_one_lesson_a_line_its_name_first(capsys):
    code, out, err = run_cli(["lesson", "list"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [p.stem for p in lesson_files()]
    vanishing = next(line for line in lines if line.startswith("vanishing_gradients "))
    assert "12 min" in vanishing and "Vanishing gradients" in vanishing
    assert len({line.index(" min ") for line in lines}) == 1  # the columns line up, the longest name too


def test_lesson_run_json_ends_with_the_outcome_and_figures(tmp_path, capsys):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY))
    code, out, err = run_cli(["lesson", "run", str(path), "--json"], capsys)
    assert code == 0, err
    last = json.loads(out.splitlines()[-1])
    assert last["lesson"] == "tiny" and last["outcome_met"] is True
    assert last["figures"] == {"epochs@short": 2.0}
    assert out.splitlines()[0] == "run short: epochs 2"


def test_lesson_run_without_json_says_the_outcome_in_words(tmp_path, capsys):
    data = json.loads(json.dumps(TINY))
    data["steps"][0]["outcome"]["min"] = data["steps"][0]["outcome"]["max"] = 3
    (tmp_path / "tiny.json").write_text(json.dumps(data))
    code, out, _ = run_cli(["lesson", "run", str(tmp_path / "tiny.json")], capsys)
    assert code == 0
    assert "epochs@short >= 3 and <= 3: 2 - not this time. It cannot." in out
    assert out.splitlines()[-1] == "Tiny: outcome not met"


def _bad_lesson(tmp_path):
    data = json.loads(json.dumps(TINY))
    data["steps"][0]["question"] = {"prompt": "?", "choices": ["a", "b"], "answer": 5, "explanation": "."}
    (tmp_path / "bad.json").write_text(json.dumps(data))
    return ["lesson", "run", str(tmp_path / "bad.json"), "--json"]


CASES = [
    Case("unknown lesson name", lambda t: ["lesson", "run", "no_such_lesson"], 2,
         ("nnstudio lesson:", "no lesson named 'no_such_lesson'", "vanishing_gradients")),
    Case("missing lesson file", lambda t: ["lesson", "run", str(t / "gone.json")], 2, ("no lesson file at",)),
    Case("malformed lesson file", _bad_lesson, 2, ("bad.json: steps[0].question.answer", "numbered 0 to 1")),
    Case("no action", lambda t: ["lesson"], 2, ("nnstudio lesson list", "nnstudio lesson run NAME")),
    Case("run without a name", lambda t: ["lesson", "run"], 2, ("required: name", "see nnstudio lesson run --help")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_lesson_refusals(case, tmp_path, capsys):
    err = check_case(case, tmp_path, capsys)
    assert len(err.strip().splitlines()) == 1


def test_a_run_that_cannot_train_names_the_step_and_the_reason(tmp_path, capsys):
    data = json.loads(json.dumps(TINY))
    data["steps"][0]["actions"].insert(0, {"do": "set", "field": "training.batch_size", "value": 4096})
    (tmp_path / "big_batch.json").write_text(json.dumps(data))
    code, _, err = run_cli(["lesson", "run", str(tmp_path / "big_batch.json")], capsys)
    assert code == 2
    assert err.startswith("nnstudio lesson: big_batch.json: steps[0].actions[3]: the run 'short' cannot train: ")
    assert "batch" in err and len(err.strip().splitlines()) == 1


def test_a_figure_never_reached_is_null_in_the_json_and_meets_no_range(tmp_path, capsys):
    data = json.loads(json.dumps(TINY))
    data["figures"] = ["epochs_to_90@short"]  # two epochs at a crawling learning rate: never 90%
    data["steps"][0]["actions"].insert(0, {"do": "set", "field": "training.lr", "value": 1e-6})
    data["steps"][0]["outcome"] = {"figure": "epochs_to_90@short", "min": 0, "why_it_can_differ": "Too short."}
    (tmp_path / "never.json").write_text(json.dumps(data))
    code, out, _ = run_cli(["lesson", "run", str(tmp_path / "never.json"), "--json"], capsys)
    assert code == 0
    assert "run short: epochs_to_90 not reached" in out
    last = json.loads(out.splitlines()[-1])
    assert last["figures"] == {"epochs_to_90@short": None} and last["outcome_met"] is False
