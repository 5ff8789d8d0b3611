"""The glossary behind Help > Concepts: every layer kind, activation, loss, optimizer, metric, preprocessing step
and attribution method (their text is the registry's own help), and the lecture's concepts in our words;
each with the lesson or template to try it in.

A registry entry is tried in the first shipped lesson that uses it (its starting project or an action names
it), else in the first template whose project uses it, else in its group's example (attribution methods: a
small CNN on digits, whose Interpretability tab shows them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.registry import (
    ATTRIBUTIONS,
    LAYERS,
    LOSSES,
    METRICS,
    OPTIMIZERS,
    PREPROCESSING,
    Registry,
)
from nnstudio.core.lessons.figures import ACTIVATIONS_CATEGORY
from nnstudio.core.lessons.format import Lesson, SetField, SwapActivation, builtin_lessons
from nnstudio.core.project.spec import Project
from nnstudio.core.project.templates import TEMPLATES
from nnstudio.core.training.schedules import SCHEDULES

CONCEPTS_GROUP = "Ideas from the lecture"


@dataclass(frozen=True)
class GlossaryEntry:
    key: str  # "layer:tanh", "concept:overfitting"
    name: str  # the registry name ("tanh"), or the concept's
    group: str
    title: str
    text: str
    settings: tuple[str, ...] = ()  # "Learning rate: ..." lines of a registry entry's parameters
    lesson: str = ""  # the lesson's name (file stem) to try it in
    template: str = ""  # else a template's name
    tab: str = ""  # the tab to show after opening it

    def try_it(self) -> str:
        """What "Try it" opens, in words."""
        if self.lesson:
            return f"Try it: the lesson \u201c{lesson_titles().get(self.lesson, self.lesson)}\u201d"
        if self.template:
            return f"Try it: the template \u201c{TEMPLATES[self.template].title}\u201d"
        return ""


# The lecture's ideas, in our own words: (name, title, text, lessons to try it in by preference, template).
CONCEPTS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("backpropagation", "Backpropagation",
     "How a network finds out which weights to blame for an error. The forward pass computes the output and the "
     "loss; the backward pass walks the same path in reverse, and at each layer the chain rule turns \u201chow much "
     "the loss changes with this layer's output\u201d into \u201chow much it changes with each of its weights and "
     "inputs\u201d. One backward pass gives the gradient of every weight at once, for about the cost of a forward "
     "pass. Where the path multiplies many small slopes (deep sigmoid stacks) the gradient fades before it reaches "
     "the first layers.",
     ("backpropagation_one_step", "backpropagation", "vanishing_gradients"), "deep_sigmoid"),
    ("gradient_descent", "Gradient descent",
     "Learning as walking downhill. The gradient points where the loss rises fastest; each step moves every weight "
     "a little the other way, by the learning rate times its gradient. Computing the gradient on a small batch "
     "instead of the whole data set (stochastic gradient descent) makes each step cheap and a little noisy. Too "
     "large a learning rate overshoots the valley and the loss jumps or explodes; too small a one crawls. Momentum, "
     "RMSprop and Adam change how the steps are sized, not where downhill is.",
     ("optimizers", "neurons_and_activations"), "simple_nn_8x8"),
    ("overfitting", "Overfitting",
     "A network that has learned its training examples rather than the pattern behind them: training accuracy keeps "
     "rising while the accuracy on examples it has not seen stalls or falls. A big network on little, noisy data "
     "does it most easily. The gap between training and test scores measures it; more data, a smaller network, "
     "dropout, weight decay (L2) and stopping early all shrink it.",
     ("overfitting_and_regularization",), "simple_nn_8x8"),
    ("latent_space", "Latent space",
     "The few numbers a network squeezes its input into on the way through. An autoencoder that must rebuild a "
     "digit from two numbers places similar digits near each other in that plane, without being told the classes; "
     "points between two digits decode to something in between. The latent space is the network's own "
     "coordinate system for the data.",
     ("latent_space",), "autoencoder"),
    ("attention", "Attention",
     "A way for every position of a sequence to look at every other one and take what it needs. Each position asks "
     "a question (query), every position offers a label (key) and a content (value); the match of query and key, "
     "turned into weights that sum to 1 by a softmax, decides how much of each value is taken. The weights are "
     "computed from the input itself, so what a position attends to changes from example to example. Transformers "
     "stack this with small dense layers.",
     ("architectures_for_data_types", "attention"), "tiny_transformer"),
)

# (registry, group title, the group's example when no lesson or template uses an entry: lessons by
# preference, else a template, and the tab to show)
_GROUPS: tuple[tuple[Registry, str, tuple[tuple[str, ...], str, str]], ...] = (
    (LAYERS, "Layers", ((), "small_cnn", "architecture")),
    (LOSSES, "Losses", (("cost_functions",), "simple_nn_8x8", "training")),
    (OPTIMIZERS, "Optimizers", (("optimizers",), "simple_nn_8x8", "training")),
    (SCHEDULES, "Learning-rate schedules", (("optimizers",), "simple_nn_8x8", "training")),
    (METRICS, "Metrics", ((), "simple_nn_8x8", "evaluation")),
    (PREPROCESSING, "Preprocessing steps", (("input_preparation",), "simple_nn_8x8", "data")),
    (ATTRIBUTIONS, "Attribution methods", (("tank_or_not_a_tank",), "small_cnn", "interpret")),
)
ACTIVATIONS_FALLBACK = (("neurons_and_activations",), "deep_relu", "architecture")
# Layers no shipped project uses, tried where their kind of network is
_CLOSEST = {"rnn": "lstm_classifier", "gru": "lstm_classifier", "embedding": "lstm_classifier",
            "self_attention": "tiny_transformer", "softmax": "simple_nn_8x8"}


@cache
def _lessons() -> tuple[Lesson, ...]:
    try:
        return tuple(builtin_lessons())
    except NNStudioError:  # a broken shipped lesson leaves the glossary without lessons, not without entries
        return ()


def lesson_titles() -> dict[str, str]:
    return {lesson.name: lesson.title for lesson in _lessons()}


def _used_names(project: Project) -> set[str]:
    """Every layer kind, loss, optimizer and preprocessing step the project uses, and its task's metric."""
    names: set[str] = set()

    def layers(specs) -> None:
        for spec in specs:
            names.add(spec.kind)
            layers(getattr(spec, "children", None) or [])

    layers(project.architecture.layers)
    names |= {project.training.loss, project.training.optimizer}
    names |= {step.kind for step in project.data.preprocessing}
    return names


@cache
def _users() -> tuple[dict[str, str], dict[str, str]]:
    """name -> first lesson using it, name -> first template using it."""
    by_lesson: dict[str, str] = {}
    for lesson in _lessons():
        used = _used_names(lesson.start_project())
        for step in lesson.steps:
            for action in step.actions:
                if isinstance(action, SwapActivation):
                    used.add(action.kind)
                elif isinstance(action, SetField) and isinstance(action.value, str):
                    used.add(action.value)
        for name in used:
            by_lesson.setdefault(name, lesson.name)
    by_template: dict[str, str] = {}
    for name, template in TEMPLATES.items():
        for used in _used_names(template.project()):
            by_template.setdefault(used, name)
    return by_lesson, by_template


def _group_of(registry: Registry, category: str, title: str) -> str:
    return "Activations" if registry is LAYERS and category == ACTIVATIONS_CATEGORY else title


@cache
def glossary() -> tuple[GlossaryEntry, ...]:
    by_lesson, by_template = _users()
    names = set(lesson_titles())
    out: list[GlossaryEntry] = []
    for registry, title, fallback in _GROUPS:
        for entry in registry:
            group = _group_of(registry, entry.category, title)
            lessons, template, tab = ACTIVATIONS_FALLBACK if group == "Activations" else fallback
            settings = tuple(f"{p.title}: {p.help}" for p in entry.params if p.help)
            lesson = by_lesson.get(entry.name) or next((n for n in lessons if n in names), "")
            if not lesson:
                template = by_template.get(entry.name) or _CLOSEST.get(entry.name) or template
            out.append(GlossaryEntry(f"{registry.kind}:{entry.name}", entry.name, group, entry.title, entry.help,
                                     settings, lesson, "" if lesson else template, tab))
    for name, title, text, lessons, template in CONCEPTS:
        lesson = next((n for n in lessons if n in names), "")
        out.append(GlossaryEntry(f"concept:{name}", name, CONCEPTS_GROUP, title, text, (), lesson,
                                 "" if lesson else template))
    return tuple(out)


def find_lesson_entry(name: str) -> Lesson | None:
    return next((lesson for lesson in _lessons() if lesson.name == name), None)


def entry_for(name: str, title: str) -> GlossaryEntry | None:
    """The entry of a registry choice by its name and title (names alone repeat across registries)."""
    return next((e for e in glossary() if e.name == name and e.title == title), None) or next(
        (e for e in glossary() if e.name == name), None)
