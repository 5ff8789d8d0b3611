"""``nnstudio lr-find``: the learning-rate range test of the Runs tab, headless."""

from __future__ import annotations

import argparse
import math

from nnstudio.commands.common import add_project_argument, open_project, print_json_line
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.lr_finder import lr_range_test

MAX_STEPS = 10_000


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("lr-find", help="suggest a learning rate: train a throw-away copy at a rising rate")
    add_project_argument(p)
    p.add_argument("--steps", type=int, default=200, help="batches, each at a higher rate (default 200)")
    p.add_argument("--start", type=float, default=1e-6, help="the first learning rate (default 1e-6)")
    p.add_argument("--end", type=float, default=10.0, help="the last learning rate (default 10)")
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    return p


def run(args: argparse.Namespace) -> int:
    if not 8 <= args.steps <= MAX_STEPS:
        raise NNStudioError(f"--steps must be from 8 to {MAX_STEPS} (got {args.steps}); fewer than 8 give no curve to read")
    if not (math.isfinite(args.start) and math.isfinite(args.end) and 0 < args.start < args.end):
        raise NNStudioError(f"--start and --end need 0 < start < end (got {args.start:g} and {args.end:g}); widen the range")
    project, base_dir = open_project(args)
    loaded = load_model(project, base_dir, load_weights=False)
    result = lr_range_test(loaded.built.module, loaded.bundle, project.training, args.start, args.end, args.steps)
    lowest = float(result.lrs[int(result.smoothed.argmin())]) if len(result.lrs) else math.nan
    if args.json:
        print_json_line({"suggestion": result.suggestion, "lowest_loss_lr": lowest, "steps": len(result.lrs),
                         "stopped_early": result.stopped_early})
    elif math.isfinite(result.suggestion):
        print(f"suggested learning rate: {result.suggestion:.3g} (the loss fell fastest there; its lowest point "
              f"was at {lowest:.3g}, after {len(result.lrs)} steps)")
    else:
        print(f"no clear suggestion: the loss did not fall steadily over {len(result.lrs)} steps from "
              f"{args.start:g} to {args.end:g}; try a wider range or more --steps")
    return 0
