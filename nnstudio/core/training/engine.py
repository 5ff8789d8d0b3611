"""The training loop: in-memory batches, callbacks at every boundary, stop/pause at every batch."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from nnstudio.core.data.bundle import DataBundle, Split
from nnstudio.core.errors import NNStudioError, TrainingError, format_shape
from nnstudio.core.evaluate.metrics import task_metric
from nnstudio.core.registry import LOSSES, METRICS, OPTIMIZERS
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.devices import resolve_device

EVAL_CHUNK = 2048

COMPLETED, STOPPED, DIVERGED = "completed", "stopped", "diverged"


@dataclass
class RunResult:
    history: dict[str, list[float]]
    epochs: int
    seconds: float
    status: str = COMPLETED
    message: str = ""

    def last(self, key: str) -> float:
        values = self.history.get(key) or [math.nan]
        return values[-1]


@dataclass
class TrainingState:
    """What callbacks can see (and, for ``stop_reason`` and the optimizer's settings, change)."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    spec: TrainSpec
    bundle: DataBundle
    device: torch.device
    epoch: int = 0  # epochs completed so far in this run (1-based while an epoch runs)
    batch: int = 0  # batches done in the current epoch
    batches_per_epoch: int = 0
    target_epochs: int = 0
    samples_seen: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    stop_reason: str = ""


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
    for name, layer in model.named_children():
        try:
            x = layer(x)
        except Exception as exc:  # noqa: BLE001 - we are diagnosing an arbitrary failure
            return f"layer {name} ({type(layer).__name__}) failed on input {format_shape(tuple(x.shape[1:]))}: {exc}"
    return ""


class Trainer:
    """Holds one run: model, optimizer and history persist across ``fit`` calls (Continue)."""

    def __init__(self, model: nn.Module, bundle: DataBundle, spec: TrainSpec) -> None:
        self.spec = spec.copy()
        self.bundle = bundle
        self.device = resolve_device(spec.device)
        n_train = len(bundle.train)
        if n_train == 0:
            raise TrainingError("The training split is empty; lower the validation and test fractions or use more data")
        if spec.batch_size > n_train:
            raise TrainingError(
                f"The batch size ({spec.batch_size}) is larger than the training split ({n_train} examples); "
                f"lower the batch size to at most {n_train} or use more data"
            )
        loss_entry = LOSSES.get(spec.loss)
        self.spec.loss_params = loss_entry.validate(spec.loss_params, "training.loss_params")
        optimizer_entry = OPTIMIZERS.get(spec.optimizer)
        self.spec.optimizer_params = optimizer_entry.validate(spec.optimizer_params, "training.optimizer_params")
        n_outputs = self._output_size(model)
        problem = loss_entry.obj.problem(self.spec.loss_params, bundle.task, n_outputs, bundle.num_classes)
        if problem:
            raise TrainingError(problem)
        self.loss_fn = loss_entry.obj.make(self.spec.loss_params, bundle.task, bundle.num_classes)
        self.metric_name = task_metric(bundle.task)
        self.metric_fn = METRICS.get(self.metric_name).obj
        self.model = model.to(self.device)
        torch.manual_seed(spec.seed)
        self.optimizer = optimizer_entry.obj(self.model.parameters(), spec.lr, spec.weight_decay, self.spec.optimizer_params)
        self._data = {name: self._to_device(s) for name, s in (("train", bundle.train), ("validation", bundle.validation))}
        self.history: dict[str, list[float]] = {}
        self.epochs_done = 0
        self.seconds = 0.0
        self._good_weights = copy.deepcopy(self.model.state_dict())

    def _to_device(self, split: Split) -> Split:
        return Split(split.x.to(self.device), split.y.to(self.device))

    def _output_size(self, model: nn.Module) -> int:
        probe = self.bundle.train.x[:2]
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                out = model(probe)
        except Exception as exc:  # noqa: BLE001
            detail = locate_failure(model, probe) or str(exc)
            raise TrainingError(f"The network cannot process this dataset: {detail}") from None
        finally:
            model.train(was_training)
        return 1 if out.ndim == 1 else int(out.shape[-1]) if out.ndim == 2 else int(math.prod(out.shape[1:]))

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
        train = self._data["train"]
        n = len(train)
        bs = self.spec.batch_size
        state = TrainingState(
            self.model, self.optimizer, self.spec, self.bundle, self.device,
            epoch=self.epochs_done, batches_per_epoch=math.ceil(n / bs),
            target_epochs=self.epochs_done + epochs, history=self.history,
        )
        generator = torch.Generator().manual_seed(self.spec.seed)
        generator.manual_seed(self.spec.seed * 1_000_003 + self.epochs_done)
        status, message = COMPLETED, ""
        started = time.perf_counter()
        self._emit(callbacks, "on_fit_start", state)
        weights = [p for p in self.model.parameters() if p.ndim > 1]
        try:
            for _ in range(epochs):
                if control.stop_requested or state.stop_reason:
                    break
                state.epoch += 1
                state.batch = 0
                epoch_started = time.perf_counter()
                self._emit(callbacks, "on_epoch_start", state)
                self.model.train()
                perm = torch.randperm(n, generator=generator).to(self.device)
                xs, ys = train.x[perm], train.y[perm]  # one gather per epoch; batches are views
                loss_sum = 0.0
                correct_sum = 0.0
                for start in range(0, n, bs):
                    control.wait_while_paused()
                    if control.stop_requested:
                        break
                    xb, yb = xs[start : start + bs], ys[start : start + bs]
                    outputs = self._forward(xb)
                    loss = self.loss_fn(outputs, yb)
                    if self.spec.l1:  # read every batch: it may change while paused
                        loss = loss + self.spec.l1 * sum(w.abs().sum() for w in weights)
                    loss_value = loss.item()
                    if not math.isfinite(loss_value):
                        self.model.load_state_dict(self._good_weights)
                        status = DIVERGED
                        message = (
                            f"The loss became {loss_value} in epoch {state.epoch}, batch {state.batch + 1}: the weights "
                            f"blew up. The last good weights (end of epoch {self.epochs_done}) were kept; try a lower "
                            f"learning rate than {self._current_lr():g}, or gradient clipping"
                        )
                        break
                    self.optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    self.optimizer.step()
                    m = len(yb)
                    loss_sum += loss_value * m
                    if self.metric_name == "accuracy":
                        correct_sum += self.metric_fn(outputs.detach(), yb) * m
                    state.batch += 1
                    state.samples_seen += m
                    self._emit(callbacks, "on_batch_end", state, loss_value)
                    control.after_batch()
                    if control.batch_delay:
                        time.sleep(control.batch_delay)
                    if state.stop_reason:
                        break
                if status == DIVERGED:
                    break
                seen = min(state.batch * bs, n)
                if state.batch < state.batches_per_epoch:
                    # Stopped mid-epoch: a partial epoch is not recorded, but its updates are kept.
                    break
                metrics = {"epoch": float(state.epoch), "train_loss": loss_sum / seen}
                if self.metric_name == "accuracy":
                    metrics["train_accuracy"] = correct_sum / seen
                metrics.update(self.evaluate_split(self._data["validation"], "val"))
                metrics["lr"] = self._current_lr()
                metrics["seconds"] = time.perf_counter() - epoch_started
                for key, value in metrics.items():
                    self.history.setdefault(key, []).append(value)
                self.epochs_done = state.epoch
                self._good_weights = copy.deepcopy(self.model.state_dict())
                self._emit(callbacks, "on_epoch_end", state, metrics)
        except NNStudioError:
            raise
        except RuntimeError as exc:
            raise TrainingError(f"Training failed: {exc}") from None
        self.seconds += time.perf_counter() - started
        if status == COMPLETED and (control.stop_requested or state.stop_reason):
            status = STOPPED
            message = state.stop_reason or "Stopped by the user"
        result = RunResult(self.history, self.epochs_done, self.seconds, status, message)
        self._emit(callbacks, "on_fit_end", state, result)
        return result

    def _forward(self, xb: torch.Tensor) -> torch.Tensor:
        try:
            return self.model(xb)
        except RuntimeError as exc:
            detail = locate_failure(self.model, xb) or str(exc)
            raise TrainingError(f"The forward pass failed: {detail}") from None

    def _current_lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def set_lr(self, lr: float) -> None:
        """Change the learning rate of a run in progress (safe between batches, e.g. while paused)."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
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
        outputs = torch.cat([self.model(split.x[i : i + EVAL_CHUNK]) for i in range(0, len(split), EVAL_CHUNK)])
        self.model.train(was_training)
        return {
            f"{prefix}_loss": float(self.loss_fn(outputs, split.y)),
            f"{prefix}_{self.metric_name}": self.metric_fn(outputs, split.y),
        }

    @staticmethod
    def _emit(callbacks: Iterable[Callback], hook: str, *args: object) -> None:
        for cb in callbacks:
            getattr(cb, hook)(*args)
