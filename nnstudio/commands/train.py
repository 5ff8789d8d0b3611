"""``nnstudio train``: train a project headless, optionally saving the weights and history back."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from nnstudio.commands.common import add_project_argument, open_project, print_json_line
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import save_project
from nnstudio.core.session import train_project
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import DIVERGED, RunResult, TrainingState


class ProgressBar(Callback):
    """A tqdm bar over all batches of the run, with the last epoch's numbers beside it.

    The bar is advanced in chunks at most ten times a second, so the training loop pays a counter
    increment per batch, not a terminal write.
    """

    def __init__(self, stream=None, interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.bar = None
        self._pending = 0
        self._last = 0.0

    def on_fit_start(self, state: TrainingState) -> None:
        from tqdm import tqdm

        total = (state.target_epochs - state.epoch) * state.batches_per_epoch
        self.bar = tqdm(total=total, unit="batch", file=self.stream, dynamic_ncols=True, desc="training")
        self._last = time.perf_counter()

    def on_batch_end(self, state: TrainingState, loss: float) -> None:
        self._pending += 1
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._flush(state)
            self._last = now

    def _flush(self, state: TrainingState) -> None:
        if self.bar is not None and self._pending:
            self.bar.set_description(f"epoch {state.epoch}/{state.target_epochs}", refresh=False)
            self.bar.update(self._pending)
            self._pending = 0

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None:
        self._flush(state)
        if self.bar is not None:
            shown = {k: f"{v:.4f}" for k, v in metrics.items() if k not in ("epoch", "seconds", "lr")}
            self.bar.set_postfix(shown, refresh=True)

    def on_fit_end(self, state: TrainingState, result: RunResult) -> None:
        self._flush(state)
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("train", help="train a project (or --demo) and report the result")
    add_project_argument(p)
    p.add_argument("--epochs", type=int, help="number of epochs (default: the project's)")
    p.add_argument(
        "--save", nargs="?", const="", metavar="OUT.nnstudio",
        help="write weights and history back into the .nnstudio file, or into OUT.nnstudio",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    return p


def run(args: argparse.Namespace) -> int:
    project, base_dir = open_project(args)
    if args.epochs is not None and args.epochs < 1:
        raise NNStudioError(f"--epochs must be at least 1 (got {args.epochs})")
    target = _save_target(args)
    callbacks = [] if args.json else [ProgressBar(sys.stderr)]
    result = train_project(project, epochs=args.epochs, callbacks=callbacks, base_dir=base_dir)
    if target is not None:
        save_project(project, target)
    classification = "val_accuracy" in result.history
    summary = {
        "status": result.status,
        "epochs": result.epochs,
        "seconds": round(result.seconds, 3),
        "train_loss": result.last("train_loss"),
        "val_loss": result.last("val_loss"),
        "task": CLASSIFICATION if classification else "regression",
    }
    summary["val_accuracy" if classification else "val_rmse"] = result.last("val_accuracy" if classification else "val_rmse")
    if target is not None:
        summary["saved"] = str(target)
    if result.status == DIVERGED:
        print(f"nnstudio train: {result.message}", file=sys.stderr)
    if args.json:
        print_json_line(summary)
    else:
        metric = "val_accuracy" if classification else "val_rmse"
        print(f"{result.status}: {result.epochs} epochs in {result.seconds:.1f}s, val_loss {summary['val_loss']:.4f}, {metric} {summary[metric]:.4f}")
        if target is not None:
            print(f"saved to {target}")
    return 0 if result.status != DIVERGED else 1


def _save_target(args: argparse.Namespace) -> Path | None:
    if args.save is None:
        return None
    if args.save:
        target = Path(args.save)
        if target.suffix.lower() != ".nnstudio":
            raise NNStudioError(f"--save needs a .nnstudio file name (got {args.save})")
        return target
    if args.demo or Path(args.project).suffix.lower() != ".nnstudio":
        raise NNStudioError("--save without a file name writes back into a .nnstudio project; with a .json or --demo, give --save OUT.nnstudio")
    return Path(args.project)
