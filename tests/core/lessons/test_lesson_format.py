"""The lesson file format: a valid file reads into the model, and every malformed thing is refused with the
field it is in and the reason, in words a teacher can act on."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
import torch
from repo_paths import ROOT

from nnstudio.core.lessons.figures import activation_curve
from nnstudio.core.lessons.format import (
    LessonError,
    SetField,
    SwapActivation,
    Train,
    apply_action,
    builtin_lessons,
    find_lesson,
    load_lesson,
)
from nnstudio.core.project.templates import TEMPLATES

VALID = {
    "title": "Tiny",
    "summary": "A tiny lesson.",
    "minutes": 5,
    "starts_from": "deep_relu",
    "figures": ["epochs@first"],
    "steps": [
        {"text": "Look.", "notice": "Something.", "hide": ["lossPlot"],
         "actions": [{"do": "tab", "tab": "training"}, {"do": "highlight", "control": "trainButton"},
                     {"do": "set", "field": "training.lr", "value": 0.02}, {"do": "activation", "kind": "tanh"},
                     {"do": "train", "run": "first"}, {"do": "wait"}],
         "question": {"prompt": "Which?", "choices": ["a", "b"], "answer": 1, "explanation": "Because."},
         "outcome": {"figure": "test_accuracy@first", "min": 0.5, "why_it_can_differ": "Luck."}},
        {"text": "Again.", "actions": [{"do": "train"}],
         "outcome": {"figure": "test_accuracy@run2", "min": 1, "relative_to": "test_accuracy@first",
                     "why_it_can_differ": "Luck."}},
    ],
}


def write(tmp_path: Path, data: object, name: str = "lesson.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def mutated(change) -> dict:
    data = copy.deepcopy(VALID)
    change(data)
    return data


def test_a_valid_lesson_reads_into_the_model(tmp_path):
    lesson = load_lesson(write(tmp_path, VALID))
    assert (lesson.name, lesson.title, lesson.minutes, lesson.starts_from) == ("lesson", "Tiny", 5, "deep_relu")
    first = lesson.steps[0]
    assert first.hide == ("lossPlot",) and first.notice == "Something."
    assert first.actions[2] == SetField("training.lr", 0.02) and first.actions[3] == SwapActivation("tanh")
    assert first.actions[4] == Train("first") and lesson.steps[1].actions[0] == Train("run2")  # unnamed: run<n>
    assert first.question.choices == ("a", "b") and first.question.answer == 1
    assert [str(r) for r in lesson.reported()] == ["epochs@first", "test_accuracy@first", "test_accuracy@run2"]
    assert lesson.start_project().training.lr == TEMPLATES["deep_relu"].project().training.lr  # fresh, unchanged


def _set(path, value):
    def change(data):
        *keys, last = path
        node = data
        for key in keys:
            node = node[key]
        node[last] = value
    return change


def _drop(path):
    def change(data):
        *keys, last = path
        node = data
        for key in keys:
            node = node[key]
        del node[last]
    return change


S0, Q, O = ["steps", 0], ["steps", 0, "question"], ["steps", 0, "outcome"]
A = ["steps", 0, "actions"]
# (id, change, field named, words of the reason)
CASES = [
    ("unknown top-level key", _set(["colour"], "red"), "colour", "not a known key"),
    ("missing title", _drop(["title"]), "title", "is missing"),
    ("empty summary", _set(["summary"], "  "), "summary", "non-empty text"),
    ("minutes as text", _set(["minutes"], "ten"), "minutes", "whole number of minutes"),
    ("minutes a bool", _set(["minutes"], True), "minutes", "whole number of minutes"),
    ("missing starts_from", _drop(["starts_from"]), "starts_from", "is missing"),
    ("unknown template", _set(["starts_from"], "no_such"), "starts_from", "neither a template"),
    ("project file not there", _set(["starts_from"], "gone.json"), "starts_from", "not beside the lesson"),
    ("steps empty", _set(["steps"], []), "steps", "non-empty list"),
    ("step not an object", _set(["steps", 1], "go"), "steps[1]", "must be an object"),
    ("unknown step key", _set([*S0, "hint"], "x"), "steps[0].hint", "not a known key"),
    ("step without text", _drop([*S0, "text"]), "steps[0].text", "is missing"),
    ("hide not a list", _set([*S0, "hide"], "lossPlot"), "steps[0].hide", "list of control names"),
    ("hide a bad name", _set([*S0, "hide", 0], "loss plot"), "steps[0].hide[0]", "object name"),
    ("unknown action", _set([*A, 0], {"do": "dance"}), "steps[0].actions[0].do", "not an action"),
    ("action not an object", _set([*A, 0], "train"), "steps[0].actions[0]", "'do' key"),
    ("unknown action key", _set([*A, 0, "speed"], 2), "steps[0].actions[0].speed", "not a known key"),
    ("unknown tab", _set([*A, 0, "tab"], "Trainingg"), "steps[0].actions[0].tab", "not a tab"),
    ("set an unknown field", _set([*A, 2, "field"], "training.learning_rate"), "steps[0].actions[2].field",
     "has no field 'learning_rate'"),
    ("set past the layers", _set([*A, 2, "field"], "architecture.layers[40].kind"), "steps[0].actions[2].field",
     "has no item [40]"),
    ("set a bad path", _set([*A, 2, "field"], "training..lr"), "steps[0].actions[2].field", "not a field path"),
    ("set a wrong type", _set([*A, 2, "value"], "fast"), "steps[0].actions[2].value", "training.lr"),
    ("set out of range", _set([*A, 2, "value"], -1), "steps[0].actions[2].value", "training.lr"),
    ("set without value", _drop([*A, 2, "value"]), "steps[0].actions[2].value", "is missing"),
    ("unknown activation", _set([*A, 3, "kind"], "swish"), "steps[0].actions[3].kind", "not an activation"),
    ("softmax is no hidden activation", _set([*A, 3, "kind"], "softmax"), "steps[0].actions[3].kind",
     "not an activation"),
    ("run name with spaces", _set([*A, 4, "run"], "my run"), "steps[0].actions[4].run", "short name"),
    ("run name used twice", _set(["steps", 1, "actions", 0], {"do": "train", "run": "first"}),
     "steps[1].actions[0].run", "trained before"),
    ("answer out of range", _set([*Q, "answer"], 2), "steps[0].question.answer", "numbered 0 to 1"),
    ("answer negative", _set([*Q, "answer"], -1), "steps[0].question.answer", "numbered 0 to 1"),
    ("answer as text", _set([*Q, "answer"], "b"), "steps[0].question.answer", "counting from 0"),
    ("one choice only", _set([*Q, "choices"], ["a"]), "steps[0].question.choices", "at least two"),
    ("question without explanation", _drop([*Q, "explanation"]), "steps[0].question.explanation", "is missing"),
    ("unknown figure", _set([*O, "figure"], "happiness@first"), "steps[0].outcome.figure", "not a figure"),
    ("figure without run", _set([*O, "figure"], "test_accuracy"), "steps[0].outcome.figure", "figure@run"),
    ("figure of a later run", _set([*O, "figure"], "test_accuracy@run2"), "steps[0].outcome.figure",
     "no run named 'run2'"),
    ("outcome without a range", _drop([*O, "min"]), "steps[0].outcome", "give min, max or both"),
    ("min above max", _set([*O, "max"], 0.1), "steps[0].outcome.min", "above max"),
    ("min as text", _set([*O, "min"], "high"), "steps[0].outcome.min", "must be a number"),
    ("outcome without why", _drop([*O, "why_it_can_differ"]), "steps[0].outcome.why_it_can_differ", "is missing"),
    ("figures list entry unknown run", _set(["figures", 0], "epochs@nowhere"), "figures[0]", "no run named"),
]


@pytest.mark.parametrize(("change", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_malformed_lesson_names_the_field_and_the_reason(tmp_path, change, field, words):
    path = write(tmp_path, mutated(change))
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    assert caught.value.field == field
    assert words in caught.value.reason
    assert str(caught.value).startswith(f"lesson.json: {field}: ")  # the file, the field, the reason: one line
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("text", "words"), [("{\"title\": ", "not valid JSON"), ("[1, 2]", "must be an object"),
                                             (b"\xff\xfe", "not a text file")])
def test_a_file_that_is_no_lesson_says_so(tmp_path, text, words):
    path = tmp_path / "lesson.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(LessonError, match=words):
        load_lesson(path)


def test_a_project_file_beside_the_lesson_is_its_start(tmp_path):
    (tmp_path / "projects").mkdir()
    TEMPLATES["deep_sigmoid"].project()
    from nnstudio.core.project.file_format import save_project
    save_project(TEMPLATES["deep_sigmoid"].project(), tmp_path / "projects" / "start.json")
    lesson = load_lesson(write(tmp_path, mutated(_set(["starts_from"], "projects/start.json"))))
    assert lesson.start_project().architecture.layers[1].kind == "sigmoid"
    assert lesson.base_dir == (tmp_path / "projects").resolve()
    (tmp_path / "projects" / "start.json").write_text("{\"format\": 3}")
    with pytest.raises(LessonError) as caught:
        load_lesson(tmp_path / "lesson.json")
    assert caught.value.field == "starts_from" and "cannot be opened" in caught.value.reason


def test_find_lesson_by_name_or_path(tmp_path):
    assert find_lesson("vanishing_gradients").title == "Vanishing gradients"
    assert find_lesson(str(write(tmp_path, VALID))).title == "Tiny"
    with pytest.raises(LessonError, match="no lesson named 'vanishing'.*vanishing_gradients"):
        find_lesson("vanishing")


def test_every_shipped_lesson_reads():
    names = {lesson.name for lesson in builtin_lessons()}
    assert {"neurons_and_activations", "universal_approximation", "why_nonlinearity", "vanishing_gradients",
            "overfitting_and_regularization"} <= names


def test_setting_a_kind_starts_its_parameters_from_the_new_kinds_defaults():
    project = TEMPLATES["deep_relu"].project()
    project = apply_action(project, SetField("training.optimizer", "sgd"))
    project = apply_action(project, SetField("training.optimizer_params.momentum", 0.5))
    back = apply_action(project, SetField("training.optimizer", "adam"))  # sgd's momentum would not fit Adam
    assert back.training.optimizer == "adam" and "momentum" not in back.training.optimizer_params
    same = apply_action(project, SetField("training.optimizer", "sgd"))  # no change: the parameters stay
    assert same.training.optimizer_params["momentum"] == 0.5
    leaky = apply_action(project, SetField("architecture.layers[1].kind", "leaky_relu"))
    assert leaky.architecture.layers[1].params == {"negative_slope": 0.01}


def test_swapping_the_activation_changes_every_hidden_one_and_nothing_else():
    project = TEMPLATES["deep_sigmoid"].project()
    swapped = apply_action(project, SwapActivation("tanh"))
    kinds = [spec.kind for spec in swapped.architecture.layers]
    assert kinds == ["tanh" if k == "sigmoid" else k for k in (s.kind for s in project.architecture.layers)]
    assert kinds.count("tanh") == 8 and project.architecture.layers[1].kind == "sigmoid"  # the original untouched


@pytest.mark.parametrize(("kind", "derivative"), [
    ("sigmoid", lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x))),
    ("tanh", lambda x: 1 - torch.tanh(x) ** 2),
    ("relu", lambda x: (x > 0).float()),
    ("leaky_relu", lambda x: torch.where(x > 0, 1.0, 0.01)),
])
def test_activation_curves_and_their_derivatives(kind, derivative):
    xs = torch.linspace(-4, 4, 81) + 0.05  # off zero, where ReLU's slope is a convention
    ys, dys = activation_curve(kind, xs)
    assert torch.allclose(dys, derivative(xs), atol=1e-6)
    assert ys.shape == xs.shape
    assert math.isclose(float(activation_curve("sigmoid", torch.zeros(1))[1]), 0.25, rel_tol=1e-6)


DOCS = ROOT / "docs" / "lessons.md"


def test_the_documented_example_is_a_lesson_that_reaches_its_outcome(tmp_path):
    from nnstudio.core.lessons.experiments import run_lesson

    text = DOCS.read_text(encoding="utf-8")
    example = text.split("```json\n", 1)[1].split("```", 1)[0]
    result = run_lesson(load_lesson(write(tmp_path, example, "learning_rate.json")))
    assert result.outcome_met, [c.sentence() for c in result.checks]
    assert result.figures["final_train_loss@slow"] > result.figures["final_train_loss@fast"]


def test_the_docs_name_every_figure_and_action():
    from nnstudio.core.lessons.figures import FIGURES

    text = DOCS.read_text(encoding="utf-8")
    assert [name for name in FIGURES if f"`{name}`" not in text] == []
    assert [do for do in ("set", "activation", "tab", "highlight", "train", "wait") if f"| `{do}` |" not in text] == []
