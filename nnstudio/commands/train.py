"""``nnstudio train``: train a project headless, optionally saving the weights and history back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nnstudio.commands.common import add_project_argument, open_project, print_json_line
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import save_project
from nnstudio.core.session import train_project
from nnstudio.core.training.callbacks import ConsoleProgress
from nnstudio.core.training.engine import DIVERGED


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
    callbacks = [] if args.json else [ConsoleProgress(sys.stderr)]
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
