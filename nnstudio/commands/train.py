"""``nnstudio train``: train a project headless, optionally saving the weights and history back."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from nnstudio.commands.common import add_project_argument, open_project, print_json_line
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.evaluate.metrics import task_metric
from nnstudio.core.project.spec import Project
from nnstudio.core.training import distributed
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.config import DEVICES, PRECISIONS, setting
from nnstudio.core.training.engine import DIVERGED, RunResult, TrainingState
from nnstudio.core.workspace.checkpoints import INDEX, folder_for, read_checkpoint, writer_lock
from nnstudio.core.workspace.run_session import RunSession

DIVERGED_EXIT = 1  # a run that blew up is a failure, not bad input (2); its message says what to change
REFUSED_EXIT = 2  # bad input, as the CLI answers an NNStudioError (the other ranks of a torchrun job exit so quietly)


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
    p.add_argument("--epochs", type=int, help="number of epochs (default: the project's); with --continue, how many to add")
    p.add_argument(
        "--save", nargs="?", const="", metavar="OUT.nnstudio",
        help="write weights and history back into the .nnstudio file, or into OUT.nnstudio",
    )
    p.add_argument("--continue", dest="continue_run", action="store_true",
                   help="train the saved weights further (--epochs more epochs), appending to their history")
    p.add_argument("--checkpoint-every", type=int, metavar="K",
                   help="with --save: every K epochs write a resumable checkpoint beside the saved file "
                        "(OUT.nnstudio.checkpoints/) and the file itself, so a killed run loses at most K epochs")
    p.add_argument("--resume", action="store_true",
                   help="carry on the run whose checkpoint is kept with PROJECT (.nnstudio) to its planned epochs, "
                        "saving into PROJECT")
    p.add_argument("--device", choices=DEVICES,
                   help="where to train (default: the project's setting); under torchrun, cuda gives each process its GPU")
    p.add_argument("--precision", choices=PRECISIONS,
                   help="fp32, or bf16/fp16 mixed precision on a CUDA GPU (default: the project's setting)")
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    return p


def run(args: argparse.Namespace) -> int:
    check_epochs(args.epochs)
    args = _restart_resumes(args)
    _check_run_options(args)
    target = save_target(args)
    with _said_by_rank_zero():
        project, base_dir = open_project(args)
    if project.gan is not None:  # two networks taking turns: not the one-network run session
        from nnstudio.commands import gan_commands

        return gan_commands.train(args, project, base_dir, target)
    for name in ("device", "precision"):  # as typed; a device or precision this machine lacks is refused with why
        if getattr(args, name) is not None:
            setattr(project.training, name, getattr(args, name))
    main = distributed.is_main()  # under torchrun only rank 0 shows progress, saves and reports
    bar = None if args.json or not main else ProgressBar(sys.stderr)
    held = contextlib.ExitStack()
    try:
        distributed.join(project.training.device)  # under torchrun: this rank joins the job's process group
        if main and target is not None and (args.resume or args.checkpoint_every):  # one run writes there at a time
            held.enter_context(writer_lock(folder_for(target)))
        with _said_by_rank_zero():
            session = _session(args, project, base_dir, target)
        with session.signals_stop() as caught:
            result = session.fit([bar] if bar else [], whole_epochs=True)
            # A run that finished no epoch (interrupted, or diverged at once) has nothing worth keeping, and
            # saving its starting weights could overwrite the file's earlier work.
            saved = target if target is not None and session.new_epochs and main else None
            if saved is not None:
                session.save(saved)
    finally:
        held.close()
        distributed.leave()
        if bar is not None:
            bar.close()  # an interrupt must not glue its message to the bar
    if not main:  # every rank ran the same epochs (they agree at each batch); rank 0 tells about them
        return 128 + caught[0] if caught else DIVERGED_EXIT if result.status == DIVERGED else 0
    summary = _summary(result, saved)
    if caught:  # SIGINT or SIGTERM: the run stopped at the next batch, its finished epochs are kept
        signum = caught[0]
        kept = (f"saved to {saved}" if saved is not None else "nothing was saved (no --save)" if target is None
                else "nothing was saved")
        if target is not None and session.resumable:
            kept += f"; carry on with: nnstudio train {target} --resume"
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


@contextlib.contextmanager
def _said_by_rank_zero() -> Iterator[None]:
    """A refusal before training is the same on every rank (same project, data and settings): under torchrun
    rank 0 prints it and the other ranks exit 2 quietly, so the student reads it once."""
    try:
        yield
    except NNStudioError:
        if distributed.is_main():
            raise
        raise SystemExit(REFUSED_EXIT) from None


def _session(args: argparse.Namespace, project: Project, base_dir: Path | None, target: Path | None) -> RunSession:
    """The run the options ask for: fresh, the saved weights continued, or the checkpoint resumed."""
    if args.resume:
        assert target is not None  # save_target: --resume saves into PROJECT
        session = RunSession.resume(project, folder_for(target), base_dir)
        session.save_with_checkpoints(target, args.checkpoint_every or session.checkpoint_every)
        return session
    start = RunSession.continue_saved if args.continue_run else RunSession.fresh
    session = start(project, base_dir, epochs=args.epochs)
    every = args.checkpoint_every
    if every:
        done, planned = session.trainer.epochs_done, session.target_epochs
        if planned // every == done // every:
            raise NNStudioError(f"--checkpoint-every {every} writes no checkpoint in a run to epoch {planned}; "
                                f"give at most {planned - done}")
        assert target is not None  # _check_run_options: --checkpoint-every needs --save
        session.save_with_checkpoints(target, every)
    return session


def _restart_resumes(args: argparse.Namespace) -> argparse.Namespace:
    """Under torchrun ``--max-restarts``, a job restarted after a failure carries on from the checkpoint the
    failed attempt left with its saved project, as ``nnstudio train OUT --resume`` would; without one yet
    (it failed before its first checkpoint) it starts again."""
    if args.resume or not distributed.restarted():
        return args
    target = save_target(args)
    if target is None or not (folder_for(target) / INDEX).is_file():
        return args
    if distributed.is_main():
        checkpoint = read_checkpoint(folder_for(target))
        print(f"nnstudio train: note: torchrun restarted the job; resuming {target} from its checkpoint after epoch "
              f"{checkpoint.epoch} of {checkpoint.target_epochs}", file=sys.stderr, flush=True)
    return argparse.Namespace(**{**vars(args), "project": str(target), "resume": True, "save": None, "epochs": None,
                                 "continue_run": False, "demo": False})


def _check_run_options(args: argparse.Namespace) -> None:
    """Options that cannot go together, refused before anything is loaded."""
    every = args.checkpoint_every
    if every is not None and every < 1:
        raise NNStudioError(f"--checkpoint-every must be at least 1 epoch (got {every})")
    if args.resume:
        for given, why in ((args.epochs is not None, "--epochs (it trains to the epoch count the run planned; "
                            "afterwards, --continue --epochs N trains further)"),
                           (args.continue_run, "--continue (--resume carries on an unfinished run; --continue "
                            "adds epochs to a finished one)"),
                           (args.demo, "--demo (name the .nnstudio file the run saved into)"),
                           (bool(args.save), "--save OUT (it writes back into PROJECT)")):
            if given:
                raise NNStudioError(f"--resume cannot go with {why}")
    elif every is not None and args.save is None:
        raise NNStudioError("--checkpoint-every needs --save: the checkpoints are kept beside the saved project")


def check_epochs(epochs: int | None) -> None:
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


def save_target(args: argparse.Namespace) -> Path | None:
    if getattr(args, "resume", False):
        if not args.project or Path(args.project).suffix.lower() != ".nnstudio":
            raise NNStudioError(f"--resume needs the .nnstudio file the run saved into (got {args.project or 'none'})")
        return Path(args.project)
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
