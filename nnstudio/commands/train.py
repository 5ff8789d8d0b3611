"""``nnstudio train``: train a project headless, optionally saving the weights and history back."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from nnstudio.commands.common import add_project_argument, open_project, print_json_line
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.files import rebase_paths
from nnstudio.core.evaluate.metrics import task_metric
from nnstudio.core.project.spec import Project, save_project
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.config import setting
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import DIVERGED, RunResult, TrainingState
from nnstudio.core.workspace.session import train_project

DIVERGED_EXIT = 1  # a run that blew up is a failure, not bad input (2); its message says what to change


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
        self.close()

    def close(self) -> None:
        """End the bar's line, so whatever is printed next starts on a line of its own."""
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
    _check_epochs(args.epochs)
    target = _save_target(args)
    project, base_dir = open_project(args)
    bar = None if args.json else ProgressBar(sys.stderr)
    control = TrainingControl()
    try:
        with control.stop_on_signals() as caught:
            result = train_project(project, epochs=args.epochs, callbacks=[bar] if bar else [], control=control,
                                   base_dir=base_dir, whole_epochs=True)
            # A run that finished no epoch (interrupted, or diverged at once) has nothing worth keeping, and
            # saving its starting weights could overwrite the file's earlier work.
            saved = target if target is not None and result.epochs else None
            if saved is not None:
                _save(project, saved, base_dir)
    finally:
        if bar is not None:
            bar.close()  # an interrupt must not glue its message to the bar
    summary = _summary(result, saved)
    if caught:  # SIGINT or SIGTERM: the run stopped at the next batch, its finished epochs are kept
        signum = caught[0]
        kept = (f"saved to {saved}" if saved is not None else "nothing was saved (no --save)" if target is None
                else "nothing was saved")
        print(f"nnstudio train: stopped by {signal.Signals(signum).name} after {_epochs(result.epochs)}; {kept}",
              file=sys.stderr, flush=True)
        if args.json:
            print_json_line(summary)
        return 128 + signum
    if result.status == DIVERGED:
        unsaved = "; nothing was saved" if target is not None and saved is None else ""
        print(f"nnstudio train: {result.message}{unsaved}", file=sys.stderr)
    if result.warning:
        print(f"nnstudio train: warning: {result.warning}", file=sys.stderr)
    if args.json:
        print_json_line(summary)
    else:
        metric = "val_" + task_metric(result.task)
        print(f"{result.status}: {result.epochs} epochs in {result.seconds:.1f}s, val_loss {summary['val_loss']:.4f}, {metric} {summary[metric]:.4f}")
        if saved is not None:
            print(f"saved to {saved}")
    return DIVERGED_EXIT if result.status == DIVERGED else 0


def _check_epochs(epochs: int | None) -> None:
    """The same range as the project's epochs field, so the CLI cannot ask for a run no project could hold."""
    if epochs is None:
        return
    field = setting("epochs")
    if epochs < field.minimum:
        raise NNStudioError(f"--epochs must be at least {field.minimum:g} (got {epochs})")
    if epochs > field.maximum:
        raise NNStudioError(f"--epochs must be at most {field.maximum:.0f}, as in a project's training settings (got {epochs}); "
                            "give a smaller number")


def _summary(result: RunResult, saved: Path | None) -> dict[str, object]:
    metric = "val_" + task_metric(result.task)  # the data's task, even when no epoch finished
    summary: dict[str, object] = {
        "status": result.status,
        "epochs": result.epochs,
        "seconds": round(result.seconds, 3),
        "train_loss": result.last("train_loss"),
        "val_loss": result.last("val_loss"),
        "task": result.task,
        metric: result.last(metric),
    }
    if result.warning:
        summary["warnings"] = [result.warning]
    if saved is not None:
        summary["saved"] = str(saved)
    return summary


def _save(project: Project, target: Path, base_dir: Path | None) -> None:
    """Save as the window's Save As does: relative data paths re-anchored to the new file's folder."""
    project.data = rebase_paths(project.data, base_dir, target.resolve().parent)
    save_project(project, target)


def _save_target(args: argparse.Namespace) -> Path | None:
    if args.save is None:
        return None
    if args.save:
        target = Path(args.save)
        if target.suffix.lower() != ".nnstudio":
            raise NNStudioError(f"--save needs a .nnstudio file name (got {args.save})")
        # Checked before training, so a typo does not cost the whole run.
        if target.is_dir():
            raise NNStudioError(f"--save {args.save} is a folder; give a file name inside it, such as {target / 'model.nnstudio'}")
        if not target.resolve().parent.is_dir():
            raise NNStudioError(f"--save {args.save}: the folder {target.resolve().parent} does not exist; create it or choose another")
        return target
    if not args.demo and not args.project:
        return None  # open_project says that a project is needed
    if args.demo or Path(args.project).suffix.lower() != ".nnstudio":
        raise NNStudioError("--save without a file name writes back into a .nnstudio project; with a .json or --demo, give --save OUT.nnstudio")
    return Path(args.project)


def _epochs(n: int) -> str:
    return "1 finished epoch" if n == 1 else f"{n} finished epochs"
