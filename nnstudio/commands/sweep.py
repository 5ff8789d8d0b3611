"""``nnstudio sweep``: train one trial per combination of learning rates and batch sizes (the Runs tab's sweep)."""

from __future__ import annotations

import argparse
import math
import sys

from nnstudio.commands.common import add_project_argument, open_project, print_json_line
from nnstudio.commands.train import check_epochs, save_target
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.evaluate.metrics import task_metric
from nnstudio.core.project.file_format import save_project
from nnstudio.core.training.config import setting
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.runs import Run, RunStore
from nnstudio.core.workspace.sweep import SweepSpec, run_sweep

SWEPT = {"lr": float, "batch_size": int}  # what --param can name, and its values' type


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("sweep", help="train one run per combination of learning rates and batch sizes")
    add_project_argument(p)
    p.add_argument("--param", action="append", default=[], metavar="NAME=V1,V2",
                   help="values to try: lr=1e-4,1e-3,1e-2 or batch_size=32,64 (repeat for both; the grid of all combinations)")
    p.add_argument("--epochs", type=int, help="epochs per trial (default: the project's)")
    p.add_argument("--save", nargs="?", const="", metavar="OUT.nnstudio",
                   help="keep the trials as the project's runs: write them back into the .nnstudio file, or into OUT.nnstudio")
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    return p


def parse_params(texts: list[str]) -> dict[str, list[float] | list[int]]:
    """``["lr=1e-4,1e-3", "batch_size=32"]`` as lists of checked values; every refusal names the value and the fix."""
    values: dict[str, list] = {}
    for text in texts:
        name, sep, listed = text.partition("=")
        name = name.strip()
        if not sep or not listed.strip():
            raise NNStudioError(f"--param {text!r} needs NAME=V1,V2 such as lr=1e-4,1e-3")
        if name not in SWEPT:
            raise NNStudioError(f"--param {name!r} cannot be swept; sweep {' or '.join(SWEPT)}")
        if name in values:
            raise NNStudioError(f"--param {name} is given twice; list all its values once, such as {name}=1,2")
        field = setting(name)
        parsed = []
        for item in listed.split(","):
            item = item.strip()
            try:
                value = SWEPT[name](item)
            except ValueError:
                kind = "a whole number" if SWEPT[name] is int else "a number"
                raise NNStudioError(f"--param {name}: {item!r} is not {kind}; write {name}=V1,V2 such as "
                                    f"{name}={'32,64' if SWEPT[name] is int else '1e-4,1e-3'}") from None
            if not math.isfinite(value) or not field.minimum <= value <= field.maximum:
                raise NNStudioError(f"--param {name}: {item} is outside {field.minimum:g} to {field.maximum:g}, the "
                                    "range of the project's setting; give values inside it")
            parsed.append(value)
        values[name] = parsed
    if not values:
        raise NNStudioError("nothing to sweep; give --param lr=1e-4,1e-3 and/or --param batch_size=32,64")
    return values


def run(args: argparse.Namespace) -> int:
    check_epochs(args.epochs)
    params = parse_params(args.param)
    target = save_target(args)
    project, base_dir = open_project(args)
    loaded = load_model(project, base_dir, load_weights=False)  # sizes follow the data, as for train
    spec = SweepSpec(lrs=list(params.get("lr", [project.training.lr])), batch_sizes=list(params.get("batch_size", [])),
                     epochs=args.epochs or project.training.epochs)
    store = RunStore()
    store.attach(project, project.architecture)
    control = TrainingControl()

    def progress(k: int, total: int, label: str) -> None:
        if not args.json:
            print(f"trial {k}/{total}: {label}", file=sys.stderr, flush=True)

    with control.stop_on_signals() as caught:
        runs = run_sweep(spec, project.architecture, loaded.bundle, project.training, store,
                         on_progress=progress, control=control, weights=project.weights)
        if target is not None and runs:
            save_project(project, target)
    metric = "val_" + task_metric(loaded.bundle.task)
    best = store.best(runs)
    rows = [_row(r, metric) for r in runs]
    if args.json:
        print_json_line({"trials": rows, "best": best.id if best else None, "metric": metric,
                         **({"saved": str(target)} if target is not None and runs else {})})
    else:
        print(_table(rows, metric, best))
        if target is not None and runs:
            print(f"saved {len(runs)} runs to {target}")
    if caught:
        print(f"nnstudio sweep: stopped after {len(runs)} trials", file=sys.stderr)
        return 128 + caught[0]
    return 0


def _row(run: Run, metric: str) -> dict[str, object]:
    final = run.final_metrics()
    return {"run": run.id, "lr": run.training.lr, "batch_size": run.training.batch_size, "status": run.status,
            "epochs": run.epochs, "val_loss": final.get("val_loss", math.nan), metric: final.get(metric, math.nan),
            **({"message": run.message} if run.status == "failed" else {})}


def _table(rows: list[dict[str, object]], metric: str, best: Run | None) -> str:
    lines = [f"{'run':>4}  {'lr':>9}  {'batch':>5}  {'status':<10}  {'val_loss':>9}  {metric:>12}"]
    for row in rows:
        mark = "  <- best" if best is not None and row["run"] == best.id else ""
        lines.append(f"{row['run']:>4}  {row['lr']:>9.3g}  {row['batch_size']:>5}  {row['status']:<10}  "
                     f"{row['val_loss']:>9.4f}  {row[metric]:>12.4f}{mark}")
    return "\n".join(lines)
