"""The training loop: in-memory batches, callbacks at every boundary, stop/pause at every batch."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from nnstudio.core.base.errors import NNStudioError, TrainingError, format_shape
from nnstudio.core.base.registry import LOSSES, METRICS, OPTIMIZERS
from nnstudio.core.data.bundle import DataBundle, Split
from nnstudio.core.evaluate.metrics import task_metric
from nnstudio.core.training import distributed
from nnstudio.core.training.callbacks import Callback, EarlyStopping, best_epoch
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.devices import Precision, resolve_device, setting_problem
from nnstudio.core.training.schedules import SCHEDULES, make_schedule
from nnstudio.core.training.state import COMPLETED, DIVERGED, EARLY_STOPPED, STOPPED, RunResult, TrainingState
from nnstudio.core.training.verdict import no_better_than_guessing

EVAL_CHUNK = 2048

def new_model(built_module: nn.Module, seed: int) -> nn.Module:
    """Re-initialise a freshly built module's weights from ``seed`` so runs are repeatable."""
    torch.manual_seed(seed)
    for module in built_module.modules():
        if module is not built_module and hasattr(module, "reset_parameters"):
            module.reset_parameters()
    return built_module


def locate_failure(model: nn.Module, x: torch.Tensor) -> str:
    """Replay a failing forward pass layer by layer to name the layer that raised."""
    if not isinstance(model, nn.Sequential):
        return ""
    with torch.no_grad():
        for position, (name, layer) in enumerate(model.named_children(), start=1):
            try:
                x = layer(x)
            except Exception as exc:  # noqa: BLE001 - we are diagnosing an arbitrary failure
                return (f"layer {position} '{name}' ({type(layer).__name__}) failed on input "
                        f"{format_shape(tuple(x.shape[1:]))}: {exc}")
    return ""


def output_size(model: nn.Module, probe: torch.Tensor) -> int:
    """Outputs per example of ``model`` on ``probe`` (a couple of examples), in eval mode; raises what it raises."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(probe)
    finally:
        model.train(was_training)
    return 1 if out.ndim == 1 else int(out.shape[-1]) if out.ndim == 2 else int(math.prod(out.shape[1:]))


def batch_problem(batch_size: int, n_train: int) -> str | None:
    """Why ``batch_size`` cannot train on ``n_train`` examples, or None."""
    if batch_size > n_train > 0:
        return (f"The batch size ({batch_size}) is larger than the training split ({n_train} examples); "
                f"lower the batch size to at most {n_train} or use more data")
    return None


def settings_problem(spec: TrainSpec, bundle: DataBundle, n_outputs: int) -> str | None:
    """Why ``spec`` cannot train a model with ``n_outputs`` outputs on ``bundle``, or None when it can.

    Shared by the Trainer (refusing to start) and the Training tab (explaining before Train is pressed).
    Normalises the spec's registry parameters (defaults filled in) as a side effect.
    """
    loss_entry = LOSSES.get(spec.loss)
    spec.loss_params = loss_entry.validate(spec.loss_params, "training.loss_params")
    spec.optimizer_params = OPTIMIZERS.get(spec.optimizer).validate(spec.optimizer_params, "training.optimizer_params")
    spec.schedule_params = SCHEDULES.get(spec.schedule).validate(spec.schedule_params, "training.schedule_params")
    if bundle.problem:  # NaN/inf left after preprocessing: bad data, not a learning-rate problem
        return bundle.problem
    problem = setting_problem(spec.precision, spec.device)  # mixed precision needs a CUDA GPU
    if problem:
        return problem
    problem = batch_problem(spec.batch_size, len(bundle.train))
    if problem:  # told before Train is pressed, next to the button
        return problem
    problem = loss_entry.obj.problem(spec.loss_params, bundle.task, n_outputs, bundle.num_classes)
    if problem:
        return problem
    wanted = "val_" + task_metric(bundle.task)
    if spec.monitor not in ("val_loss", wanted) and (spec.early_stopping or spec.schedule == "plateau"):
        return f"The monitored value '{spec.monitor}' does not exist for a {bundle.task} task; monitor val_loss or {wanted}"
    if spec.early_stopping and len(bundle.validation) == 0:
        return ("Early stopping watches the validation split, which is empty; give the validation split a fraction "
                "on the Data tab or switch early stopping off")
    return None


class Trainer:
    """Holds one run: model, optimizer, schedule and history persist across ``fit`` calls (Continue)."""

    def __init__(self, model: nn.Module, bundle: DataBundle, spec: TrainSpec) -> None:
        self.spec = spec.copy()
        self.bundle = bundle
        # Under torchrun the process group has chosen this rank's device and splits each global batch.
        self.dist = distributed.active()
        self.device = self.dist.device if self.dist is not None else resolve_device(spec.device)
        self.precision = Precision(spec.precision, self.device)  # refuses mixed precision off CUDA, saying why
        n_train = len(bundle.train)
        if n_train == 0:
            raise TrainingError("The training split is empty; lower the validation and test fractions or use more data")
        problem = batch_problem(spec.batch_size, n_train) or (
            distributed.batch_problem(spec.batch_size, self.dist.world_size) if self.dist is not None else None)
        if problem:
            raise TrainingError(problem)
        self.problem_check(model)
        loss_entry = LOSSES.get(self.spec.loss)
        self.loss_fn = loss_entry.obj.make(self.spec.loss_params, bundle.task, bundle.num_classes)
        self.metric_name = task_metric(bundle.task)
        self.metric_fn = METRICS.get(self.metric_name).obj
        self.model = model.to(self.device)
        if hasattr(self.loss_fn, "bind"):  # a loss that reads the model's own terms (the VAE's KL)
            self.loss_fn.bind(self.model)
        self._net = self.dist.wrap(self.model) if self.dist is not None else self.model  # what training steps call
        torch.manual_seed(spec.seed)
        optimizer_entry = OPTIMIZERS.get(self.spec.optimizer)
        self.optimizer = optimizer_entry.obj(self.model.parameters(), spec.lr, spec.weight_decay, self.spec.optimizer_params)
        self.schedule = make_schedule(self.spec.schedule, self.optimizer, self.spec.schedule_params, self.spec.epochs, self.spec.monitor)
        self.early_stopping = (
            EarlyStopping(self.spec.monitor, self.spec.patience, self.spec.min_delta, self.spec.restore_best)
            if self.spec.early_stopping else None
        )
        self._data = {name: self._to_device(s) for name, s in (("train", bundle.train), ("validation", bundle.validation))}
        # Training-time augmentation, when the data pipeline offers it (random flips, noise ...).
        pipeline = bundle.pipeline
        self._augment = pipeline.augment if getattr(pipeline, "augments", False) and hasattr(pipeline, "augment") else None
        self.history: dict[str, list[float]] = {}
        self.epochs_done = 0
        self.seconds = 0.0
        # The shuffling and augmentation generators of the current fit call (a checkpoint saves their states);
        # states loaded from a checkpoint replace the next fit's seeding once (see load_resume_state).
        self.generator: torch.Generator | None = None
        self.augment_generator: torch.Generator | None = None
        self._resumed_generators: dict[str, torch.Tensor] | None = None
        self._resumed_waited: int | None = None
        # Called with the state after every epoch's callbacks (early stopping included) have run: a checkpoint
        # written there holds the epoch's whole state.
        self.after_epoch: list[Callable[[TrainingState], None]] = []
        self._snapshot_good()

    @property
    def scores_targets(self) -> bool:
        """Whether the run's accuracy or RMSE means anything: a diffusion loss scores the noise guesses, and the
        task metric compares the outputs (noise) with the data's targets (points)."""
        return not getattr(self.loss_fn, "ignores_targets", False)

    def problem_check(self, model: nn.Module) -> None:
        """Raise a TrainingError explaining why these settings cannot train this model on this data."""
        problem = settings_problem(self.spec, self.bundle, self._output_size(model))
        if problem:
            raise TrainingError(problem)

    def _to_device(self, split: Split) -> Split:
        return Split(split.x.to(self.device), split.y.to(self.device))

    def _output_size(self, model: nn.Module) -> int:
        probe = self.bundle.train.x[:2]
        try:
            return output_size(model, probe)
        except Exception as exc:  # noqa: BLE001
            detail = locate_failure(model, probe) or str(exc)
            raise TrainingError(f"The network cannot process this dataset: {detail}") from None

    def _snapshot_good(self) -> None:
        """The weights (and optimizer state) the NaN guard falls back to: those of the last whole epoch."""
        self._good_weights = copy.deepcopy(self.model.state_dict())
        self._good_optimizer = copy.deepcopy(self.optimizer.state_dict())

    def restore_last_epoch(self) -> None:
        """Drop the updates of an unfinished epoch: back to the weights (and optimizer state) of the last whole one."""
        self.model.load_state_dict(self._good_weights)
        self.optimizer.load_state_dict(self._good_optimizer)

    def adopt_history(self, history: dict[str, list[float]]) -> None:
        """Continue a run saved earlier: its history goes on where the saved one ended."""
        self.history = {k: list(v) for k, v in history.items()}
        self.epochs_done = len(self.history.get("epoch", []))

    # ------------------------------------------------------------------ loop
    def fit(
        self,
        epochs: int | None = None,
        callbacks: Sequence[Callback] = (),
        control: TrainingControl | None = None,
    ) -> RunResult:
        """Train ``epochs`` more epochs (default: the spec's) and return the whole run's result."""
        control = control or TrainingControl()
        epochs = self.spec.epochs if epochs is None else epochs
        callbacks = [*callbacks, *([self.early_stopping] if self.early_stopping else [])]
        # Only callbacks that really watch batches are called per batch: no Python calls for nothing.
        batch_callbacks = [cb for cb in callbacks if type(cb).on_batch_end is not Callback.on_batch_end]
        train = self._data["train"]
        n = len(train)
        bs = self.spec.batch_size
        world = self.dist.world_size if self.dist is not None else 1
        rows, step = distributed.shard_sizes(n, bs, world)  # this rank's examples per epoch and per step
        state = TrainingState(
            self.model, self.optimizer, self.spec, self.bundle, self.device,
            epoch=self.epochs_done, batches_per_epoch=math.ceil(rows / step),
            target_epochs=self.epochs_done + epochs, history=self.history, trainer=self, control=control,
        )
        generator, augment_generator = self._generators()
        classify = self.metric_name == "accuracy"
        status, message = COMPLETED, ""
        started = time.perf_counter()
        self._emit(callbacks, "on_fit_start", state)
        if self._resumed_waited is not None and self.early_stopping is not None:  # a resumed run keeps its patience count
            self.early_stopping.waited, self._resumed_waited = self._resumed_waited, None
        weights = [p for p in self.model.parameters() if p.ndim > 1 and p.requires_grad]  # L1: frozen layers' stay out
        params = [p for p in self.model.parameters() if p.requires_grad]
        try:
            for _ in range(epochs):
                if control.stop_requested or state.stop_reason:
                    break
                state.epoch += 1
                state.batch = 0
                epoch_started = time.perf_counter()
                self._emit(callbacks, "on_epoch_start", state)
                if hasattr(self.loss_fn, "start_epoch"):  # a stopped epoch's VAE terms must not leak into this one
                    self.loss_fn.start_epoch()
                self.model.train()
                perm = torch.randperm(n, generator=generator)  # the same order on every rank (same seed)
                if self.dist is not None:
                    perm = self.dist.local_order(perm, bs)
                perm = perm.to(self.device)
                xs, ys = train.x[perm], train.y[perm]  # one gather per epoch; batches are views
                # Predicted classes land in one buffer and are compared once per epoch: no per-batch sync.
                predicted = torch.empty(rows, dtype=torch.long, device=self.device) if classify else None
                squared = None if classify else torch.zeros((), device=self.device)
                loss_sum = 0.0
                for start in range(0, rows, step):
                    stop = control.checkpoint()  # pause, queued edits and stop, between batches
                    if stop and self.dist is None:
                        break
                    xb, yb = xs[start : start + step], ys[start : start + step]
                    if self._augment is not None:
                        xb = self._augment(xb, augment_generator)
                    with self.precision.autocast():
                        outputs = self._forward(xb)
                        loss = self.loss_fn(outputs, yb)
                        if self.spec.l1:  # read every batch: it may change while paused
                            loss = loss + self.spec.l1 * sum(w.abs().sum() for w in weights)
                    if self.dist is None:
                        loss_value = loss.item()
                    else:  # every rank sees the global batch's loss and stops at the same batch
                        loss_value, stop = self.dist.agree(loss, stop)
                        if stop:
                            break
                    if not math.isfinite(loss_value):
                        self.model.load_state_dict(self._good_weights)
                        self.optimizer.load_state_dict(self._good_optimizer)
                        status = DIVERGED
                        kept = (f"The last good weights (end of epoch {self.epochs_done}) were kept" if self.epochs_done
                                else "No epoch had finished, so the starting weights were put back")
                        message = (
                            f"The loss became {loss_value} in epoch {state.epoch}, batch {state.batch + 1}: the weights "
                            f"blew up. {kept}; try a lower learning rate than {self._current_lr():g}, or gradient clipping"
                        )
                        break
                    self.optimizer.zero_grad(set_to_none=True)
                    self.precision.backward(loss)
                    if self.spec.grad_clip:
                        self.precision.unscale(self.optimizer)
                        nn.utils.clip_grad_norm_(params, self.spec.grad_clip, foreach=True)
                    self.precision.step(self.optimizer)
                    m = len(yb)
                    loss_sum += loss_value * m
                    if predicted is not None:
                        _predict_into(outputs.detach(), predicted[start : start + m])
                    elif squared is not None:  # regression: running squared error for the train RMSE
                        squared += torch.sum((outputs.detach().reshape(yb.shape) - yb) ** 2)
                    state.batch += 1
                    state.samples_seen += m * world
                    control.after_batch()
                    for cb in batch_callbacks:
                        cb.on_batch_end(state, loss_value)
                    if control.batch_delay:
                        control.sleep(control.batch_delay)
                    if state.stop_reason:
                        break
                if status == DIVERGED:
                    break
                if state.batch < state.batches_per_epoch:
                    # Stopped mid-epoch: a partial epoch is not recorded, but its updates are kept.
                    break
                if self.dist is not None:
                    metrics = self._reduced_metrics(state.epoch, loss_sum, predicted, squared, ys)
                else:
                    metrics = {"epoch": float(state.epoch), "train_loss": loss_sum / n}
                    if predicted is not None:
                        metrics["train_accuracy"] = float((predicted == ys).float().mean())
                    elif squared is not None:
                        metrics["train_rmse"] = math.sqrt(float(squared) / max(1, ys.numel()))
                    metrics.update(self.evaluate_split(self._data["validation"], "val"))
                    if hasattr(self.loss_fn, "epoch_terms"):  # the loss's parts (VAE: recon, KL), each a curve
                        metrics.update(self.loss_fn.epoch_terms())
                metrics["lr"] = self._current_lr()
                metrics["seconds"] = time.perf_counter() - epoch_started
                for key, value in metrics.items():
                    self.history.setdefault(key, []).append(value)
                self.epochs_done = state.epoch
                self.schedule.step(metrics)
                self._snapshot_good()
                self._emit(callbacks, "on_epoch_end", state, metrics)
                for hook in self.after_epoch:
                    hook(state)
        except NNStudioError:
            raise
        except RuntimeError as exc:  # under torchrun, a peer's failure shows here as a broken collective
            raise TrainingError(distributed.peer_failure(exc) or f"Training failed: {exc}") from None
        self.seconds += time.perf_counter() - started
        if status == COMPLETED and (control.stop_requested or state.stop_reason):
            status = STOPPED
            message = state.stop_reason or "Stopped by the user"
        result = RunResult(
            self.history, self.epochs_done, self.seconds, status, message,
            best_epoch(self.history, self.spec.monitor), self.bundle.task,
            no_better_than_guessing(self.history, self.bundle, self._current_lr())
            if status != DIVERGED and self.scores_targets else "",  # diffusion: noise
        )
        self._emit(callbacks, "on_fit_end", state, result)
        if result.status == EARLY_STOPPED:
            self._snapshot_good()  # the restored best weights are the good ones now
        return result

    def _generators(self) -> tuple[torch.Generator, torch.Generator]:
        """This fit call's generators: seeded from the epochs done, or carrying on from a checkpoint's states,
        so a resumed run draws exactly the batches (and augmentations) the uninterrupted run would have."""
        self.generator = torch.Generator().manual_seed(self.spec.seed * 1_000_003 + self.epochs_done)
        self.augment_generator = torch.Generator().manual_seed(self.spec.seed * 7_919 + self.epochs_done + 1)
        resumed, self._resumed_generators = self._resumed_generators, None
        if resumed is not None:
            self.generator.set_state(resumed["shuffle"])
            self.augment_generator.set_state(resumed["augment"])
        return self.generator, self.augment_generator

    def resume_state(self) -> dict:
        """Everything a checkpoint needs to carry this run on exactly (at an epoch end): weights, optimizer and
        schedule state, the generators, the early-stopping record, epochs and history. Global RNGs are the
        caller's (core/training/checkpoints.py)."""
        shuffle, augment = ((self.generator, self.augment_generator)
                            if self.generator is not None and self.augment_generator is not None else self._generators())
        generators = {"shuffle": shuffle.get_state(), "augment": augment.get_state()}
        stopping = self.early_stopping
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.scheduler.state_dict() if self.schedule.scheduler is not None else None,
            "generators": generators,
            "early_stopping": None if stopping is None else {
                "best": stopping.best, "best_epoch": stopping.best_epoch, "waited": stopping.waited,
                "best_weights": stopping.best_weights},
            "epochs_done": self.epochs_done,
            "history": {k: list(v) for k, v in self.history.items()},
            "seconds": self.seconds,
        }

    def load_resume_state(self, state: dict) -> None:
        """Put back what :meth:`resume_state` returned; the next ``fit`` carries on from there."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if state.get("schedule") is not None and self.schedule.scheduler is not None:
            self.schedule.scheduler.load_state_dict(state["schedule"])
        stopping, saved = self.early_stopping, state.get("early_stopping")
        if stopping is not None and saved is not None:
            stopping.best, stopping.best_epoch = saved["best"], saved["best_epoch"]
            stopping.best_weights = saved["best_weights"]
            self._resumed_waited = int(saved["waited"])  # fit's on_fit_start resets it; put back after that
        self.adopt_history(state["history"])
        self.seconds = float(state.get("seconds", 0.0))
        self._resumed_generators = dict(state["generators"])
        self._snapshot_good()

    def _forward(self, xb: torch.Tensor) -> torch.Tensor:
        try:
            return self._net(xb)
        except Exception as exc:  # noqa: BLE001 - any failure inside a layer is reported with the layer's name
            detail = locate_failure(self.model, xb) or f"{type(exc).__name__}: {exc}"
            raise TrainingError(f"The forward pass failed: {detail}") from None

    def _reduced_metrics(self, epoch: int, loss_sum: float, predicted: torch.Tensor | None,
                         squared: torch.Tensor | None, ys: torch.Tensor) -> dict[str, float]:
        """An epoch's numbers over every rank's examples (train) and as rank 0 measured them (validation)."""
        assert self.dist is not None
        hits = float((predicted == ys).sum()) if predicted is not None else float(squared)  # type: ignore[arg-type]
        loss_total, hits_total, rows, values = self.dist.epoch_totals([loss_sum, hits, len(ys), ys.numel()])
        metrics = {"epoch": float(epoch), "train_loss": loss_total / rows}
        if predicted is not None:
            metrics["train_accuracy"] = hits_total / rows
        else:
            metrics["train_rmse"] = math.sqrt(hits_total / max(1.0, values))
        val = self.evaluate_split(self._data["validation"], "val")
        metrics.update(zip(val, self.dist.from_main(list(val.values())), strict=True))
        if hasattr(self.loss_fn, "epoch_terms"):  # the loss's parts (VAE: recon, KL), averaged over the ranks
            terms = self.loss_fn.epoch_terms()
            metrics.update(zip(terms, self.dist.mean(list(terms.values())), strict=True))
        return metrics

    def _current_lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def set_lr(self, lr: float) -> None:
        """Change the learning rate of a run in progress (only between batches, e.g. while paused)."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.schedule.restart_from(lr)
        self.spec.lr = lr

    def set_regularization(self, weight_decay: float | None = None, l1: float | None = None) -> None:
        if weight_decay is not None:
            for group in self.optimizer.param_groups:
                group["weight_decay"] = weight_decay
            self.spec.weight_decay = weight_decay
        if l1 is not None:
            self.spec.l1 = l1

    @torch.no_grad()
    def evaluate_split(self, split: Split, prefix: str) -> dict[str, float]:
        if len(split) == 0:
            return {f"{prefix}_loss": math.nan, f"{prefix}_{self.metric_name}": math.nan}
        was_training = self.model.training
        self.model.eval()
        try:
            outputs = torch.cat([self.model(split.x[i : i + EVAL_CHUNK]) for i in range(0, len(split), EVAL_CHUNK)])
        finally:
            self.model.train(was_training)
        return {
            f"{prefix}_loss": float(self.loss_fn(outputs, split.y)),
            f"{prefix}_{self.metric_name}": self.metric_fn(outputs, split.y),
        }

    @staticmethod
    def _emit(callbacks: Iterable[Callback], hook: str, *args: object) -> None:
        for cb in callbacks:
            getattr(cb, hook)(*args)


def _predict_into(outputs: torch.Tensor, out: torch.Tensor) -> None:
    """Write predicted class indices into ``out`` with a single kernel (argmax, or a single logit's sign)."""
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        out.copy_(outputs.reshape(-1) > 0)
    else:
        torch.argmax(outputs, dim=-1, out=out)
