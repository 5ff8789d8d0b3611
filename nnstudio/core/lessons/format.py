"""The lesson file: a JSON file a teacher can write, read into frozen dataclasses and checked in full.

``load_lesson(path)`` refuses a malformed file with a :class:`LessonError` naming the field
(``steps[2].question.answer``) and the reason. Beyond types and keys it checks what would only fail in
class: the starting project opens, every ``set`` names a field the project has and leaves a valid
project, every figure an outcome reads is known and comes from a run trained at or before that step.
``docs/lessons.md`` describes the format with an example.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.lessons.figures import FIGURES, swappable_activations
from nnstudio.core.project.file_format import load_project
from nnstudio.core.project.spec import Project
from nnstudio.core.project.templates import TEMPLATES

LESSONS_DIR = Path(__file__).resolve().parents[3] / "resources" / "lessons"
MAX_LESSON_BYTES = 1024 * 1024
# The window's tab names (gui/main_window.TABS); the core cannot import the GUI, a GUI test keeps them equal.
TABS = ("architecture", "data", "training", "inside", "runs", "evaluation", "interpret", "playground", "diffusion")
PROJECT_SUFFIXES = (".json", ".nnstudio")
RELATIVE = ("times", "plus")
# The views a ``show`` action opens (gui/lessons/views.VIEWS draws them; a GUI test keeps the two equal).
VIEWS = ("backprop_graph",)  # an outcome's bounds are multiples of relative_to, or amounts added to it
_CONTROL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")
# Setting one of these fields resets the parameters beside it (a layer's kind, the data's source ...).
_KIND_PARAMS = {"kind": "params", "source": "params", "optimizer": "optimizer_params", "loss": "loss_params",
                "schedule": "schedule_params"}


class LessonError(NNStudioError):
    """A lesson file that cannot be used: which field, and why."""

    def __init__(self, field: str, reason: str, source: str = "") -> None:
        self.field, self.reason, self.source = field, reason, source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{field}: {reason}" if field else f"{where}{reason}")


# ---------------------------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class SetField:
    """Set one field of the project: ``training.lr``, ``architecture.layers[1].params.out_features``."""
    field: str
    value: Any


@dataclass(frozen=True)
class SwapActivation:
    """Switch every hidden activation layer of the network to ``kind``."""
    kind: str


@dataclass(frozen=True)
class SwitchTab:
    tab: str


@dataclass(frozen=True)
class Highlight:
    control: str  # a widget's objectName


@dataclass(frozen=True)
class Train:
    """Press Train; the figures of this run are read as ``figure@<run>``."""
    run: str


@dataclass(frozen=True)
class WaitForRun:
    """Wait until the run started by the last Train has finished."""


@dataclass(frozen=True)
class ShowView:
    """Open a view of the last finished run, such as its first backpropagation step on the network graph."""
    view: str


Action = SetField | SwapActivation | SwitchTab | Highlight | Train | WaitForRun | ShowView


@dataclass(frozen=True)
class FigureRef:
    figure: str
    run: str

    def __str__(self) -> str:
        return f"{self.figure}@{self.run}"


@dataclass(frozen=True)
class Question:
    """Predict before you run: the answer and explanation are revealed after the run."""
    prompt: str
    choices: tuple[str, ...]
    answer: int
    explanation: str


@dataclass(frozen=True)
class Outcome:
    """A figure and the range it should fall in. With ``relative_to``, the bounds are multiples of that figure
    (``max: 0.2, relative_to: test_mse@narrow`` reads "at most 0.2 times the narrow network's test MSE"), or
    with ``relative: plus`` amounts added to it (``min: 0.05`` reads "at least 0.05 above it")."""
    figure: FigureRef
    min: float | None
    max: float | None
    relative_to: FigureRef | None
    why_it_can_differ: str
    relative: str = "times"  # how the bounds combine with relative_to: one of RELATIVE

    def refs(self) -> list[FigureRef]:
        return [self.figure] + ([self.relative_to] if self.relative_to else [])

    def bounds(self, figures: dict[str, float]) -> tuple[float | None, float | None]:
        scale = figures[str(self.relative_to)] if self.relative_to else 1.0
        if self.relative == "plus" and self.relative_to:
            return (None if self.min is None else scale + self.min, None if self.max is None else scale + self.max)
        return (None if self.min is None else self.min * scale, None if self.max is None else self.max * scale)

    def met(self, figures: dict[str, float]) -> bool:
        value = figures[str(self.figure)]
        low, high = self.bounds(figures)
        if value != value or (low is not None and low != low) or (high is not None and high != high):
            return False  # a figure the run never reached (NaN) meets no range
        return (low is None or value >= low) and (high is None or value <= high)

    def describe(self) -> str:
        join = " + " if self.relative == "plus" else " x "
        scale = f"{join}{self.relative_to}" if self.relative_to else ""
        parts = ([f">= {self.min:g}{scale}"] if self.min is not None else []) + (
            [f"<= {self.max:g}{scale}"] if self.max is not None else [])
        return f"{self.figure} {' and '.join(parts)}"


@dataclass(frozen=True)
class Step:
    text: str
    notice: str = ""
    actions: tuple[Action, ...] = ()
    hide: tuple[str, ...] = ()
    question: Question | None = None
    outcome: Outcome | None = None


@dataclass(frozen=True)
class Lesson:
    name: str  # the file's stem: what ``nnstudio lesson run NAME`` takes
    path: Path
    title: str
    summary: str
    minutes: int
    starts_from: str
    steps: tuple[Step, ...]
    figures: tuple[FigureRef, ...] = ()  # shown besides the outcomes' figures

    def start_project(self) -> Project:
        """A fresh copy of the project the lesson starts from."""
        return open_start(self.starts_from, self.path.parent, "starts_from", str(self.path))

    @property
    def base_dir(self) -> Path | None:
        """Where the starting project's relative data paths start (None for a template)."""
        return None if self.starts_from in TEMPLATES else (self.path.parent / self.starts_from).resolve().parent

    def outcomes(self) -> list[Outcome]:
        return [s.outcome for s in self.steps if s.outcome is not None]

    def reported(self) -> list[FigureRef]:
        """Every figure the lesson shows: its own list, then each outcome's, once each in that order."""
        seen: dict[str, FigureRef] = {}
        for ref in [*self.figures, *(r for o in self.outcomes() for r in o.refs())]:
            seen.setdefault(str(ref), ref)
        return list(seen.values())


# ---------------------------------------------------------------------------------------------- applying
def apply_action(project: Project, action: Action) -> Project:
    """The project after a ``set`` or ``activation`` action (a new object); other actions leave it as it is.
    Raises a LessonError (field ``value``) when the result is not a valid project."""
    if isinstance(action, SetField):
        data = project.to_dict()
        container, key = _locate(data, action.field)
        if container[key] != action.value and isinstance(key, str):
            # A new kind's parameters are not the old one's: they start from the new kind's defaults (the
            # lesson sets them after the kind, as a student would in the form).
            companion = _KIND_PARAMS.get(key)
            if companion in container:
                container[companion] = {}
        container[key] = action.value
    elif isinstance(action, SwapActivation):
        data = project.to_dict()
        hidden = set(swappable_activations())
        for spec in _layers(data["architecture"]["layers"]):
            if spec.get("kind") in hidden:
                spec["kind"], spec["params"] = action.kind, {}
    else:
        return project
    try:
        changed = Project.from_dict(data)
    except NNStudioError as exc:
        raise LessonError("value", f"leaves a project that cannot work: {exc}") from None
    changed.weights, changed.notes = None, []
    return changed


def _layers(layers: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for spec in layers:
        yield spec
        yield from _layers(spec.get("children") or [])


def _locate(data: Any, path: str) -> tuple[Any, Any]:
    """The container holding the field at ``path`` and the key in it; the field must exist already."""
    keys: list[Any] = []
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if not match:
            raise LessonError("field", f"{path!r} is not a field path (write it like training.lr or "
                                       "architecture.layers[1].params.out_features)")
        keys.append(match.group(1))
        keys += [int(i) for i in re.findall(r"\[(\d+)\]", match.group(2))]
    node, done = data, ""
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                size = len(node) if isinstance(node, list) else 0
                raise LessonError("field", f"{path!r}: {done} has no item [{key}] (it has {size})")
        elif not isinstance(node, dict) or key not in node:
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "none"
            raise LessonError("field", f"{path!r}: {done or 'the project'} has no field {key!r} (known: {known})")
        if last:
            return node, key
        node = node[key]
        done += f"[{key}]" if isinstance(key, int) else (f".{key}" if done else key)
    raise LessonError("field", "is empty")


def open_start(starts_from: str, folder: Path, where: str, source: str) -> Project:
    if starts_from in TEMPLATES:
        return TEMPLATES[starts_from].project()
    if not starts_from.endswith(PROJECT_SUFFIXES):
        raise LessonError(where, f"{starts_from!r} is neither a template (known: {', '.join(TEMPLATES)}) nor a "
                                 "project file beside the lesson (.json or .nnstudio)", source)
    path = folder / starts_from
    if not path.is_file():
        raise LessonError(where, f"the project file {starts_from!r} is not beside the lesson (looked for {path})",
                          source)
    try:
        project = load_project(path)
    except NNStudioError as exc:
        raise LessonError(where, f"the project file {starts_from!r} cannot be opened: {exc}", source) from None
    project.notes = []
    if not any(spec.frozen for spec in project.architecture.layers):
        project.weights = None  # fresh weights; a frozen (pretrained) body keeps its weights, as Train does
    return project


# ---------------------------------------------------------------------------------------------- reading
def load_lesson(path: str | Path) -> Lesson:
    """Read and check a lesson file; any problem is a LessonError naming the field and the reason."""
    path = Path(path)
    source = path.name
    if not path.is_file():
        raise LessonError("", f"no lesson file at {path}; give a lesson's name (see nnstudio lesson list) "
                              "or the path of a .json lesson file", source)
    if path.stat().st_size > MAX_LESSON_BYTES:
        raise LessonError("", f"the file is larger than {MAX_LESSON_BYTES // 1024} KB; a lesson is a small JSON file",
                          source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise LessonError("", "is not a text file; a lesson is a JSON file in UTF-8", source) from None
    except json.JSONDecodeError as exc:
        raise LessonError("", f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", source) from None
    try:
        return _Reader(path).lesson(data)
    except LessonError as exc:
        raise LessonError(exc.field, exc.reason, source) from None


class _Reader:
    """Walks the JSON once, keeping the project as the actions leave it and the runs trained so far."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.runs: list[str] = []
        self.project: Project | None = None

    def lesson(self, data: Any) -> Lesson:
        obj = _object(data, "", {"title", "summary", "minutes", "starts_from", "steps"}, {"figures"})
        title = _text(obj["title"], "title")
        summary = _text(obj["summary"], "summary")
        minutes = obj["minutes"]
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 240:
            raise LessonError("minutes", f"must be a whole number of minutes from 1 to 240 (got {minutes!r})")
        starts_from = _text(obj["starts_from"], "starts_from")
        self.project = open_start(starts_from, self.path.parent, "starts_from", "")
        steps = obj["steps"]
        if not isinstance(steps, list) or not steps:
            raise LessonError("steps", "must be a non-empty list of steps")
        parsed = tuple(self.step(s, f"steps[{i}]") for i, s in enumerate(steps))
        figures = obj.get("figures", [])
        if not isinstance(figures, list):
            raise LessonError("figures", "must be a list of figure@run names")
        refs = tuple(self.ref(f, f"figures[{i}]") for i, f in enumerate(figures))
        return Lesson(self.path.stem, self.path.resolve(), title, summary, minutes, starts_from, parsed, refs)

    def step(self, data: Any, where: str) -> Step:
        obj = _object(data, where, {"text"}, {"notice", "actions", "hide", "question", "outcome"})
        actions = obj.get("actions", [])
        if not isinstance(actions, list):
            raise LessonError(f"{where}.actions", "must be a list of actions")
        parsed = tuple(self.action(a, f"{where}.actions[{i}]") for i, a in enumerate(actions))
        hide = obj.get("hide", [])
        if not isinstance(hide, list):
            raise LessonError(f"{where}.hide", "must be a list of control names")
        return Step(
            _text(obj["text"], f"{where}.text"),
            _text(obj["notice"], f"{where}.notice") if "notice" in obj else "",
            parsed,
            tuple(_control(c, f"{where}.hide[{i}]") for i, c in enumerate(hide)),
            _question(obj["question"], f"{where}.question") if "question" in obj else None,
            self.outcome(obj["outcome"], f"{where}.outcome") if "outcome" in obj else None,
        )

    def action(self, data: Any, where: str) -> Action:
        kinds = {"set": {"field", "value"}, "activation": {"kind"}, "tab": {"tab"}, "highlight": {"control"},
                 "train": set(), "wait": set(), "show": {"view"}}
        if not isinstance(data, dict):
            raise LessonError(where, f"must be an object with a 'do' key ({', '.join(kinds)})")
        do = data.get("do")
        if do not in kinds:
            raise LessonError(f"{where}.do", f"{do!r} is not an action (known: {', '.join(kinds)})")
        optional = {"run"} if do == "train" else set()
        obj = _object(data, where, {"do", *kinds[do]}, optional)
        if do == "set":
            field = _text(obj["field"], f"{where}.field")
            try:
                action: Action = SetField(field, obj["value"])
                self.project = apply_action(self.project, action)
            except LessonError as exc:
                raise LessonError(f"{where}.{exc.field}", exc.reason) from None
            return action
        if do == "activation":
            kind = obj["kind"]
            if kind not in swappable_activations():
                raise LessonError(f"{where}.kind", f"{kind!r} is not an activation (known: "
                                                   f"{', '.join(swappable_activations())})")
            swap = SwapActivation(kind)
            self.project = apply_action(self.project, swap)
            return swap
        if do == "tab":
            if obj["tab"] not in TABS:
                raise LessonError(f"{where}.tab", f"{obj['tab']!r} is not a tab (known: {', '.join(TABS)})")
            return SwitchTab(obj["tab"])
        if do == "highlight":
            return Highlight(_control(obj["control"], f"{where}.control"))
        if do == "train":
            run = obj.get("run", f"run{len(self.runs) + 1}")
            if not isinstance(run, str) or not _CONTROL.match(run):
                raise LessonError(f"{where}.run", f"must be a short name of letters, digits and _ (got {run!r})")
            if run in self.runs:
                raise LessonError(f"{where}.run", f"a run named {run!r} was trained before; give each run its own name")
            self.runs.append(run)
            return Train(run)
        if do == "show":
            if obj["view"] not in VIEWS:
                raise LessonError(f"{where}.view", f"{obj['view']!r} is not a view (known: {', '.join(VIEWS)})")
            if not self.runs:
                raise LessonError(f"{where}.view", "shows a finished run: put a train action before it")
            return ShowView(obj["view"])
        return WaitForRun()

    def ref(self, data: Any, where: str) -> FigureRef:
        if not isinstance(data, str) or data.count("@") != 1:
            raise LessonError(where, f"must be written figure@run, like test_accuracy@relu (got {data!r})")
        figure, run = data.split("@")
        if figure not in FIGURES:
            raise LessonError(where, f"{figure!r} is not a figure (known: {', '.join(FIGURES)})")
        if run not in self.runs:
            known = ", ".join(self.runs) if self.runs else "none yet: a step's train action names one"
            raise LessonError(where, f"no run named {run!r} is trained before this point (runs: {known})")
        return FigureRef(figure, run)

    def outcome(self, data: Any, where: str) -> Outcome:
        obj = _object(data, where, {"figure", "why_it_can_differ"}, {"min", "max", "relative_to", "relative"})
        bounds = {}
        for key in ("min", "max"):
            value = obj.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise LessonError(f"{where}.{key}", f"must be a number (got {value!r})")
            bounds[key] = None if value is None else float(value)
        if bounds["min"] is None and bounds["max"] is None:
            raise LessonError(where, "needs a range: give min, max or both")
        if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
            raise LessonError(f"{where}.min", f"is {bounds['min']:g}, above max {bounds['max']:g}: no value can fall in")
        relative = obj.get("relative", "times")
        if relative not in RELATIVE:
            raise LessonError(f"{where}.relative", f"must be one of {', '.join(RELATIVE)} (got {relative!r})")
        if "relative" in obj and "relative_to" not in obj:
            raise LessonError(f"{where}.relative", "says how the bounds combine with relative_to; give relative_to too")
        return Outcome(
            self.ref(obj["figure"], f"{where}.figure"), bounds["min"], bounds["max"],
            self.ref(obj["relative_to"], f"{where}.relative_to") if "relative_to" in obj else None,
            _text(obj["why_it_can_differ"], f"{where}.why_it_can_differ"), relative,
        )


def _object(data: Any, where: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise LessonError(where, f"must be an object (got {type(data).__name__})")
    prefix = f"{where}." if where else ""
    for key in data:
        if key not in required | optional:
            raise LessonError(f"{prefix}{key}", f"is not a known key here (known: {', '.join(sorted(required | optional))})")
    for key in sorted(required):
        if key not in data:
            raise LessonError(f"{prefix}{key}", "is missing")
    return data


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LessonError(where, f"must be non-empty text (got {value!r})")
    return value.strip()


def _control(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _CONTROL.match(value):
        raise LessonError(where, f"must be a control's object name, like trainButton (got {value!r})")
    return value


def _question(data: Any, where: str) -> Question:
    obj = _object(data, where, {"prompt", "choices", "answer", "explanation"}, set())
    choices = obj["choices"]
    if not isinstance(choices, list) or len(choices) < 2:
        raise LessonError(f"{where}.choices", "must be a list of at least two answers to choose from")
    texts = tuple(_text(c, f"{where}.choices[{i}]") for i, c in enumerate(choices))
    answer = obj["answer"]
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise LessonError(f"{where}.answer", f"must be the number of the right choice, counting from 0 (got {answer!r})")
    if not 0 <= answer < len(texts):
        raise LessonError(f"{where}.answer", f"is {answer}, but the choices are numbered 0 to {len(texts) - 1}")
    return Question(_text(obj["prompt"], f"{where}.prompt"), texts, answer, _text(obj["explanation"], f"{where}.explanation"))


# ---------------------------------------------------------------------------------------------- finding
def lesson_files() -> list[Path]:
    """The lesson files shipped in resources/lessons, by name (the projects they start from sit in projects/)."""
    return sorted(LESSONS_DIR.glob("*.json"))


def builtin_lessons() -> list[Lesson]:
    """Every shipped lesson, read and checked (a malformed one raises its LessonError)."""
    return [load_lesson(p) for p in lesson_files()]


def find_lesson(name: str) -> Lesson:
    """A built-in lesson by name, or a teacher's lesson file by path."""
    candidate = LESSONS_DIR / f"{name}.json"
    if "/" not in name and "\\" not in name and not name.endswith(".json"):
        if candidate.is_file():
            return load_lesson(candidate)
        names = ", ".join(p.stem for p in lesson_files())
        raise LessonError("", f"no lesson named {name!r} (lessons: {names}); or give the path of a .json lesson file")
    return load_lesson(name)
