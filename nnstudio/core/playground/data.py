"""The Playground's data and training settings, written into the project's own specs.

Every control edits the project's DataSpec or TrainSpec (and the Playground hands them to the document), so
the Data, Training and Runs tabs, Save and the exported code see the same data. Input features are the
existing "Construct features" step, with its ``keep`` list naming the toggled columns.
"""

from __future__ import annotations

import numpy as np

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.registry import DATASETS, LOSSES
from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION
from nnstudio.core.data.spec import DataSpec, SplitSpec, StepSpec
from nnstudio.core.training.config import TrainSpec

CLASSIFICATION_TOYS = ("spiral", "circles", "xor", "moons", "blobs", "drawn")
REGRESSION_TOYS = ("sine", "polynomial", "surface")
TOYS = {CLASSIFICATION: CLASSIFICATION_TOYS, REGRESSION: REGRESSION_TOYS}
PLAYGROUND_SAMPLES = 500
DEFAULT_TRAIN_SHARE = 0.7
STARTER_LR, STARTER_BATCH = 0.03, 10
DEFAULT_LOSS = {CLASSIFICATION: "cross_entropy", REGRESSION: "mse"}


def toy_title(source: str) -> str:
    return DATASETS.get(source).title


def toy_spec(source: str, current: DataSpec | None = None) -> DataSpec:
    """A toy dataset as the Playground starts it (500 points, a train/test split), keeping the current
    project's split and seed when it has one."""
    entry = DATASETS.get(source)
    params = {"n_samples": PLAYGROUND_SAMPLES} if any(p.name == "n_samples" for p in entry.params) else {}
    split = current.split if current is not None else SplitSpec(0.0, round(1 - DEFAULT_TRAIN_SHARE, 2))
    return DataSpec(source, entry.validate(params, "data.params"), [], SplitSpec(split.validation, split.test, split.stratify),
                    current.seed if current is not None else 0)


def fits_playground(spec: DataSpec, prepared=None) -> bool:
    """Whether the data has one or two numeric input columns: from the prepared data when it is at hand, else
    from the source (the toys have; start-up decides before any data is read)."""
    if prepared is not None:
        x = prepared.raw.x
        return x.ndim == 2 and x.shape[1] in (1, 2) and prepared.raw.input_kind == "float"
    return spec.source in CLASSIFICATION_TOYS + REGRESSION_TOYS


def has_param(spec: DataSpec, name: str) -> bool:
    return any(p.name == name for p in DATASETS.get(spec.source).params)


def with_param(spec: DataSpec, name: str, value) -> DataSpec:
    out = spec.copy()
    out.params = DATASETS.get(spec.source).validate({**spec.params, name: value}, "data.params")
    return out


def regenerated(spec: DataSpec) -> DataSpec:
    """The same dataset drawn again: the next seed (which also reshuffles the split)."""
    out = spec.copy()
    out.seed = spec.seed + 1
    return out


def train_share(spec: DataSpec) -> float:
    return round(1.0 - spec.split.validation - spec.split.test, 4)


def with_train_share(spec: DataSpec, share: float) -> DataSpec:
    """Training gets ``share`` of the points, the test split the rest; the Playground holds no validation
    split (its test points are what it scores), so validation becomes 0."""
    if not 0.1 <= share <= 0.9:
        raise NNStudioError(f"The training share must be from 10% to 90%; {share:.0%} is outside that")
    out = spec.copy()
    out.split = SplitSpec(0.0, round(1.0 - share, 4), spec.split.stratify)
    return out


# ---------------------------------------------------------------------------- features
def candidates(names: list[str]) -> list[str]:
    """The Playground's feature toggles for raw columns ``names``: x1, x2, x1², x2², x1·x2, sin(x1), sin(x2)."""
    out = list(names) + [f"{n}²" for n in names]
    out += [f"{a}·{b}" for i, a in enumerate(names) for b in names[i + 1:]]
    return out + [f"sin({n})" for n in names]


def _construct_at(spec: DataSpec) -> int | None:
    return next((i for i, s in enumerate(spec.preprocessing) if s.kind == "construct"), None)


def selected_features(spec: DataSpec, names: list[str]) -> list[str]:
    """The toggled-on features: what the Construct step keeps (the raw columns when there is none)."""
    at = _construct_at(spec)
    if at is None:
        return list(names)
    from nnstudio.core.data.preprocess import Construct

    p = spec.preprocessing[at].params
    made = Construct.feature_names({**p, "keep": ""}, {}, names)
    wanted = [n.strip() for n in p.get("keep", "").split(",") if n.strip()]
    return [n for n in made if n in wanted] if wanted else made


def with_features(spec: DataSpec, names: list[str], selected: list[str]) -> DataSpec:
    """``spec`` whose Construct step makes exactly ``selected`` (in the toggles' order); no step for the raw
    columns alone. Refuses an empty selection (the network needs an input)."""
    order = [n for n in candidates(names) if n in selected]
    if not order:
        raise NNStudioError("Keep at least one input feature switched on: the network needs something to read")
    out = spec.copy()
    at = _construct_at(out)
    if order == list(names):
        if at is not None:
            out.preprocessing.pop(at)
        return out
    params = {
        "keep_original": any(n in names for n in order),
        "squares": any(n.endswith("²") for n in order),
        "products": any("·" in n for n in order),
        "sines": any(n.startswith("sin(") for n in order),
    }
    from nnstudio.core.base.registry import PREPROCESSING
    from nnstudio.core.data.preprocess import Construct

    made = Construct.feature_names({**params, "keep": ""}, {}, names)
    params["keep"] = "" if made == order else ",".join(order)
    step = StepSpec("construct", PREPROCESSING.get("construct").validate(params, "construct"))
    if at is None:
        out.preprocessing.append(step)
    else:
        out.preprocessing[at] = step
    return out


def feature_values(name: str, names: list[str], points: np.ndarray) -> np.ndarray:
    """Feature ``name`` at raw ``points`` (n, len(names)): what its toggle node pictures."""
    cols = {n: points[:, i] for i, n in enumerate(names)}
    if name in cols:
        return cols[name]
    if name.endswith("²"):
        return cols[name[:-1]] ** 2
    if name.startswith("sin("):
        return np.sin(cols[name[4:-1]])
    a, b = name.split("·")
    return cols[a] * cols[b]


# ---------------------------------------------------------------------------- training
def loss_category(loss: str) -> str:
    return LOSSES.get(loss).category.lower()


def training_for_task(spec: TrainSpec, task: str) -> TrainSpec | None:
    """``spec`` with a loss that fits ``task`` (cross-entropy or MSE), or None when it fits already."""
    if loss_category(spec.loss) == task:
        return None
    out = spec.copy()
    out.loss = DEFAULT_LOSS[task]
    out.loss_params = LOSSES.get(out.loss).validate({}, "training.loss_params")
    return out


def run_spec(spec: TrainSpec) -> TrainSpec:
    """What the Playground trains with: the project's settings, run open-ended on the CPU (these networks
    are tiny; a GPU only adds transfer time) without early stopping or a schedule, which need epochs to plan."""
    out = spec.copy()
    out.device, out.early_stopping, out.schedule, out.schedule_params = "cpu", False, "none", {}
    return out


def regularization(spec: TrainSpec) -> tuple[str, float]:
    """('none' | 'L1' | 'L2', rate) as the top bar shows it."""
    if spec.l1:
        return "L1", spec.l1
    if spec.weight_decay:
        return "L2", spec.weight_decay
    return "none", 0.0


def with_regularization(spec: TrainSpec, kind: str, rate: float) -> TrainSpec:
    out = spec.copy()
    out.l1 = rate if kind == "L1" else 0.0
    out.weight_decay = rate if kind == "L2" else 0.0
    return out
