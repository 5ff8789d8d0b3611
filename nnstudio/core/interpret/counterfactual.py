"""Counterfactuals: the smallest change to an example that makes the network answer a chosen class.

The search works on the network's inputs, one *variable* at a time: a numeric feature moves within the
range seen in training; a categorical feature that preprocessing one-hot encoded ("colour=red",
"colour=blue" ...) switches category as a whole group, so the result is always a valid row. Greedy:
each round tries every variable at every allowed value in one batch; once some change flips the
prediction, the cheapest flip is kept, numeric moves are shrunk back towards the original as far as the
flip survives, and changes that turn out unnecessary are undone. The final row is checked with the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from torch import nn

from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.interpret.control import AttributionControl, AttributionError
from nnstudio.core.interpret.global_importance import predict_batches
from nnstudio.core.interpret.subject import FEATURES, Subject

_ONE_HOT = re.compile(r"^(?P<base>.+)=(?P<value>[^=]*)$")


@dataclass
class Variable:
    name: str
    columns: list[int]  # one column (numeric) or the columns of a one-hot group

    @property
    def categorical(self) -> bool:
        return len(self.columns) > 1


@dataclass
class Counterfactual:
    found: bool
    message: str
    original: np.ndarray
    changed_to: np.ndarray | None
    names: list[str]
    target: int
    original_class: int
    new_class: int | None = None
    original_probabilities: np.ndarray | None = None
    new_probabilities: np.ndarray | None = None
    changed: list[int] = field(default_factory=list)  # columns that differ
    distance: float = 0.0  # sum of |change| / training range (+1 per switched category)
    evaluations: int = 0


def variables(names: list[str], train: np.ndarray) -> list[Variable]:
    """Columns grouped into variables: names ``base=value`` sharing a base, all 0/1 in training, form one group."""
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        match = _ONE_HOT.match(name)
        if match:
            groups.setdefault(match["base"], []).append(j)
    # One-hot columns take two values in training (0/1, or two numbers once a scaling step follows the encoding).
    binary = lambda j: len(np.unique(train[:, j])) <= 2  # noqa: E731
    grouped = {j: base for base, cols in groups.items() if len(cols) >= 2 and all(binary(j) for j in cols) for j in cols}
    out: list[Variable] = []
    seen: set[str] = set()
    for j, name in enumerate(names):
        base = grouped.get(j)
        if base is None:
            out.append(Variable(name, [j]))
        elif base not in seen:
            seen.add(base)
            out.append(Variable(base, groups[base]))
    return out


def _probs(out: np.ndarray) -> np.ndarray:
    e = np.exp(out - out.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


class _Search:
    def __init__(self, model: nn.Module, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: int,
                 shape: tuple[int, ...], control: AttributionControl) -> None:
        self.model, self.x, self.lo, self.hi, self.target = model, x, lo, hi, target
        self.span = np.where(hi > lo, hi - lo, 1.0)
        self.shape, self.control = shape, control
        self.evaluations = 0

    def outputs(self, rows: np.ndarray) -> np.ndarray:
        self.control.check()
        self.evaluations += len(rows)
        return predict_batches(self.model, rows.reshape((len(rows), *self.shape)).astype(np.float32), control=self.control)

    def margin(self, out: np.ndarray) -> np.ndarray:
        """Target score minus the best other score: positive means the target is predicted."""
        others = out.copy()
        others[:, self.target] = -np.inf
        return out[:, self.target] - others.max(1)

    def distance(self, rows: np.ndarray, vs: list[Variable]) -> np.ndarray:
        d = np.zeros(len(rows))
        for v in vs:
            diff = np.abs(rows[:, v.columns] - self.x[v.columns])
            d += (diff.max(1) > 1e-9) if v.categorical else diff[:, 0] / self.span[v.columns[0]]
        return d

    def moved(self, row: np.ndarray, vs: list[Variable]) -> list[Variable]:
        return [v for v in vs if np.abs(row[v.columns] - self.x[v.columns]).max() > 1e-9]


def find_counterfactual(
    model: nn.Module, subject: Subject, x: np.ndarray, target: int, train: np.ndarray,
    max_changes: int = 3, points: int = 25, control: AttributionControl | None = None,
) -> Counterfactual:
    """The cheapest change (within the training ranges) that makes the network predict ``target``."""
    if subject.task != CLASSIFICATION:
        raise AttributionError("A counterfactual flips a class; this network predicts numbers (regression)")
    if subject.layout != FEATURES or subject.input_kind == "tokens":
        raise AttributionError("Counterfactual search changes named features; it needs tabular data (a vector of numbers)")
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    train = np.asarray(train, dtype=np.float64).reshape(len(train), -1)
    if train.shape[1] != x.size or not len(train):
        raise AttributionError("The training data does not match the example; reload the data and try again")
    n_out = len(subject.class_names) or 0
    names = [subject.feature_name(i) for i in range(x.size)]
    control = control or AttributionControl()
    control.start(max_changes + 2)
    search = _Search(model, x, train.min(0), train.max(0), target, subject.input_shape, control)
    first = search.outputs(x[None])
    n_out = first.shape[1]
    if not 0 <= target < n_out:
        raise AttributionError(f"Class {target} does not exist; the network has {n_out} outputs")
    original_class = int(first.argmax(1)[0])
    result = Counterfactual(False, "", x, None, names, target, original_class, original_probabilities=_probs(first)[0])
    if original_class == target:
        result.message = f"The network already predicts {subject.class_name(target)} for this example; choose another class"
        return result
    vs = variables(names, train)
    current, current_margin = x.copy(), float(search.margin(first)[0])
    for _round in range(max_changes):
        control.advance(1)
        moved = search.moved(current, vs)
        rows = _candidates(current, vs, moved, max_changes, search, points)
        if not len(rows):
            break
        out = search.outputs(rows)
        margins = search.margin(out)
        flips = np.flatnonzero(margins > 0)
        if flips.size:
            costs = search.distance(rows[flips], vs)
            best = rows[flips[int(np.argmin(costs))]]
            final = _shrink(best, vs, search)
            return _finish(result, final, search, vs, subject)
        k = int(np.argmax(margins))
        if margins[k] <= current_margin + 1e-9:
            break  # no single change helps any more
        current, current_margin = rows[k], float(margins[k])
    result.message = (
        f"None found within the ranges: no change of up to {max_changes} feature(s), each kept within the "
        f"values seen in training, makes the network predict {subject.class_name(target)}"
    )
    result.evaluations = search.evaluations
    return result


def _candidates(current: np.ndarray, vs: list[Variable], moved: list[Variable], max_changes: int,
                search: _Search, points: int) -> np.ndarray:
    """Every row that differs from ``current`` in one variable, set to one of its allowed values."""
    rows = []
    moved_names = {v.name for v in moved}
    for v in vs:
        if v.name not in moved_names and len(moved) >= max_changes:
            continue
        if v.categorical:
            off, on = search.lo[v.columns], search.hi[v.columns]
            for k, c in enumerate(v.columns):
                if abs(current[c] - on[k]) > 1e-9:  # every other category: all columns off, this one on
                    row = current.copy()
                    row[v.columns] = off
                    row[c] = on[k]
                    rows.append(row)
        else:
            j = v.columns[0]
            for value in np.linspace(search.lo[j], search.hi[j], points):
                if abs(value - current[j]) > 1e-9:
                    row = current.copy()
                    row[j] = value
                    rows.append(row)
    return np.array(rows) if rows else np.zeros((0, current.size))


def _flips(row: np.ndarray, search: _Search) -> bool:
    return bool(search.margin(search.outputs(row[None]))[0] > 0)


def _shrink(row: np.ndarray, vs: list[Variable], search: _Search) -> np.ndarray:
    """Undo changes that are not needed, then pull each numeric change back towards the original."""
    row = row.copy()
    for v in search.moved(row, vs):
        trial = row.copy()
        trial[v.columns] = search.x[v.columns]
        if _flips(trial, search):
            row = trial
    for v in search.moved(row, vs):
        if v.categorical:
            continue
        j = v.columns[0]
        start, end = search.x[j], row[j]
        lo, hi = 0.0, 1.0  # fraction of the move: hi still flips
        for _ in range(14):
            mid = (lo + hi) / 2
            trial = row.copy()
            trial[j] = start + mid * (end - start)
            if _flips(trial, search):
                hi = mid
            else:
                lo = mid
        row[j] = start + hi * (end - start)
    return row


def _finish(result: Counterfactual, row: np.ndarray, search: _Search, vs: list[Variable], subject: Subject) -> Counterfactual:
    out = search.outputs(row[None])  # the flip is verified with the model, not assumed
    result.evaluations = search.evaluations
    new_class = int(out.argmax(1)[0])
    result.new_class = new_class
    result.new_probabilities = _probs(out)[0]
    if new_class != result.target:
        result.message = "The search lost the flip while shrinking the change; try more grid points"
        return result
    result.found = True
    result.changed_to = row
    result.changed = [int(j) for j in np.flatnonzero(np.abs(row - search.x) > 1e-9)]
    result.distance = float(search.distance(row[None], vs)[0])
    names = [v.name for v in search.moved(row, vs)]
    result.message = (
        f"Changing {', '.join(names)} makes the network predict {subject.class_name(result.target)} "
        f"instead of {subject.class_name(result.original_class)}"
    )
    return result
