"""``nnstudio runs``: the project's stored runs as a table, a CSV file or TensorBoard event files."""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

from nnstudio.commands.common import add_project_argument, open_project
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.workspace.runs import Run, RunStore
from nnstudio.core.workspace.tensorboard_export import write_runs

COLUMNS = ("run", "name", "status", "epochs", "seconds", "optimizer", "lr", "batch_size", "best_epoch")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("runs", help="the project's stored runs: a table, --csv FILE or --tensorboard DIR")
    add_project_argument(p)
    p.add_argument("--csv", metavar="FILE", help="write the table as CSV, one row per run")
    p.add_argument("--tensorboard", metavar="DIR", help="write every run as TensorBoard event files under DIR")
    return p


def run(args: argparse.Namespace) -> int:
    if args.csv and Path(args.csv).is_dir():
        raise NNStudioError(f"--csv {args.csv} is a folder; give a file name inside it, such as {Path(args.csv) / 'runs.csv'}")
    project, _ = open_project(args)
    store = RunStore()
    store.attach(project, project.architecture)
    if not store.runs:
        if args.csv or args.tensorboard:
            raise NNStudioError("the project has no stored runs to export; train it with --save (or sweep it with --save) first")
        print("no stored runs: train the project with --save (or sweep it with --save) to keep its runs")
        return 0
    rows = [_row(r) for r in store.runs]
    metrics = sorted({k for row in rows for k in row if k not in COLUMNS})
    if args.csv:
        try:
            with open(args.csv, "w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, [*COLUMNS, *metrics])
                writer.writeheader()
                writer.writerows(rows)
        except OSError as exc:
            raise NNStudioError(f"cannot write {args.csv}: {exc.strerror or exc}; choose another folder") from None
        print(f"wrote {len(rows)} runs to {args.csv}")
    if args.tensorboard:
        folders = write_runs(store.runs, args.tensorboard)
        print(f"wrote {len(folders)} runs for TensorBoard under {args.tensorboard} (tensorboard --logdir {args.tensorboard})")
    if not (args.csv or args.tensorboard):
        print(_table(rows, [m for m in ("val_loss", "val_accuracy", "val_rmse") if m in metrics]))
    return 0


def _row(run: Run) -> dict[str, object]:
    spec = run.training
    return {"run": run.id, "name": run.name, "status": run.status, "epochs": run.epochs, "seconds": round(run.seconds, 3),
            "optimizer": spec.optimizer, "lr": spec.lr, "batch_size": spec.batch_size, "best_epoch": run.best_epoch,
            **run.final_metrics()}


def _table(rows: list[dict[str, object]], metrics: list[str]) -> str:
    head = f"{'run':>4}  {'name':<18}  {'status':<13}  {'epochs':>6}  {'lr':>9}  {'batch':>5}  {'best':>4}"
    lines = [head + "".join(f"  {m:>12}" for m in metrics)]
    for row in rows:
        line = (f"{row['run']:>4}  {str(row['name'])[:18]:<18}  {row['status']:<13}  {row['epochs']:>6}  "
                f"{row['lr']:>9.3g}  {row['batch_size']:>5}  {row['best_epoch']:>4}")
        lines.append(line + "".join(f"  {_num(row.get(m)):>12}" for m in metrics))
    return "\n".join(lines)


def _num(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) and math.isfinite(value) else "—"
