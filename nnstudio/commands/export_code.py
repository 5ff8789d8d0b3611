"""``nnstudio export-code``: write a project as a self-contained PyTorch script."""

from __future__ import annotations

import argparse
from pathlib import Path

from nnstudio.commands.common import add_project_argument, open_project
from nnstudio.core.base.errors import NNStudioError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("export-code", help="export a project (or --demo) as a plain PyTorch training script")
    add_project_argument(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE.py", help="the Python file to write")
    p.add_argument("--exact", action="store_true",
                   help="spell out the app's own seeds and batch order so the script's run matches the app's "
                        "number for number (default: idiomatic PyTorch as in a lecture, with a DataLoader)")
    p.add_argument("--ddp", action="store_true",
                   help="a script that runs under plain python and under torchrun on several processes or GPUs "
                        "(DistributedDataParallel)")
    return p


def run(args: argparse.Namespace) -> int:
    from nnstudio.core.export.codegen import export_project

    target = Path(args.output)
    if target.suffix.lower() != ".py":
        raise NNStudioError(f"-o needs a .py file name (got {args.output})")
    project, base_dir = open_project(args)
    for path in export_project(project, target, base_dir, exact=args.exact, ddp=args.ddp):
        print(f"wrote {path}")
    print(f"run it with: python {target}")
    return 0
