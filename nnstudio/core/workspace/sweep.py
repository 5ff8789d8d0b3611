"""A small hyperparameter sweep (as in MATLAB's Experiment Manager): grid or random search over the
learning rate, the batch size and the widths of chosen Linear layers, trained one after another.

Each trial becomes a :class:`~nnstudio.core.workspace.runs.Run`; the best one is chosen by its validation value.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from nnstudio.core.arch.builder import build
from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.core.base.errors import NNStudioError, TrainingError
from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.workspace.run_session import RunSession
from nnstudio.core.workspace.runs import Run, RunRecorder, RunStore

MAX_TRIALS = 64


@dataclass
class SweepSpec:
    lrs: list[float] = field(default_factory=lambda: [1e-3])
    batch_sizes: list[int] = field(default_factory=list)  # empty: the project's batch size
    widths: dict[int, list[int]] = field(default_factory=dict)  # architecture layer index -> out_features to try
    mode: str = "grid"  # or "random"
    trials: int = 8  # random mode: how many combinations
    epochs: int = 10
    seed: int = 0


@dataclass
class Trial:
    lr: float
    batch_size: int
    widths: dict[int, int]

    def label(self) -> str:
        shown = [f"lr {self.lr:g}", f"batch {self.batch_size}"]
        shown += [f"layer {i + 1} width {w}" for i, w in sorted(self.widths.items())]
        return ", ".join(shown)


def hidden_linear_layers(arch: ArchitectureSpec) -> list[int]:
    """Indices of top-level Linear layers whose width may be swept (every Linear but the output one)."""
    linears = [i for i, s in enumerate(arch.layers) if s.kind == "linear"]
    return linears[:-1]


def trials(spec: SweepSpec, base: TrainSpec) -> list[Trial]:
    if not spec.lrs:
        raise TrainingError("The sweep needs at least one learning rate")
    bss = spec.batch_sizes or [base.batch_size]
    layer_ids = sorted(spec.widths)
    width_lists = [spec.widths[i] for i in layer_ids]
    if any(not w for w in width_lists):
        raise TrainingError("Every swept layer needs at least one width; remove the layer or list widths such as 8, 32")
    combos = [Trial(lr, bs, dict(zip(layer_ids, ws, strict=True)))
              for lr, bs, *ws in itertools.product(spec.lrs, bss, *width_lists)]
    if spec.mode == "random":
        rng = random.Random(spec.seed)
        combos = rng.sample(combos, min(spec.trials, len(combos)))
    elif spec.mode != "grid":
        raise TrainingError(f"Unknown sweep mode {spec.mode!r}; use grid or random")
    if len(combos) > MAX_TRIALS:
        raise TrainingError(f"The grid has {len(combos)} combinations, more than {MAX_TRIALS}; list fewer values or use random search")
    return combos


def with_widths(arch: ArchitectureSpec, widths: dict[int, int]) -> ArchitectureSpec:
    """A copy of ``arch`` whose chosen Linear layers have new widths (the next Linear adapts its input)."""
    out = copy.deepcopy(arch)
    for index, width in widths.items():
        if not 0 <= index < len(out.layers) or out.layers[index].kind != "linear":
            raise TrainingError(f"Layer {index + 1} is not a Linear layer; only Linear widths can be swept")
        out.layers[index].params["out_features"] = int(width)
        for later in out.layers[index + 1 :]:
            if "num_features" in later.params and later.kind.startswith("batchnorm"):
                later.params["num_features"] = int(width)
            if later.kind == "linear":
                if later.params.get("in_features"):
                    later.params["in_features"] = int(width)
                break
    return out


def run_sweep(
    spec: SweepSpec,
    arch: ArchitectureSpec,
    bundle: DataBundle,
    base: TrainSpec,
    store: RunStore | None = None,
    on_run: Callable[[Run], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    control: TrainingControl | None = None,
    weights: dict | None = None,
) -> list[Run]:
    """Train every trial in turn (frozen layers keep ``weights``, the project's, as a fresh run does). ``control.request_stop()`` cancels (the current trial stops at its next
    batch and is kept as stopped). Failing trials are kept with status 'failed' and the reason as their
    message (the reason, then the trial's settings in brackets)."""
    store = store or RunStore()
    control = control or TrainingControl()
    plan = trials(spec, base)
    done: list[Run] = []
    for k, trial in enumerate(plan, start=1):
        if control.stop_requested:
            break
        if on_progress is not None:
            on_progress(k, len(plan), trial.label())
        train = base.copy()
        train.lr, train.batch_size, train.epochs = trial.lr, trial.batch_size, spec.epochs
        train.early_stopping = False
        trial_arch = with_widths(arch, trial.widths)
        run = store.new_run(train, trial_arch, origin="sweep")
        run.name = f"{run.name} (sweep)"
        try:
            built = build(trial_arch, bundle.input_shape, batch_size=train.batch_size)  # memory at this trial's batch
            trial_project = Project(run.name, trial_arch, training=train, weights=weights)
            session = RunSession.fresh(trial_project, bundle=bundle, module=built.module, epochs=spec.epochs)
            session.fit([RunRecorder(run, snapshots=False)], control)
        except NNStudioError as exc:
            run.status, run.message = "failed", str(exc)
        # The reason first (the runs table shows the start of it beside the status), then the trial.
        run.message = f"{run.message} ({trial.label()})" if run.message else trial.label()
        done.append(run)
        store.add(run)
        if on_run is not None:
            on_run(run)
    return done
