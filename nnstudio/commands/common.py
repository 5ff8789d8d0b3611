"""Helpers shared by CLI subcommands: opening the project argument, printing the JSON line."""

from __future__ import annotations

import argparse
import json
import logging
import math
from pathlib import Path
from typing import Any

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.project.file_format import load_project
from nnstudio.core.project.spec import Project, default_project

log = logging.getLogger(__name__)


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", nargs="?", help="a .nnstudio or .json project file")
    parser.add_argument("--demo", action="store_true", help="use the built-in default project instead of a file")


def open_project(args: argparse.Namespace) -> tuple[Project, Path | None]:
    """The project named on the command line and the folder its relative data paths start from."""
    if args.demo:
        if args.project:
            raise NNStudioError("give either a project file or --demo, not both")
        return default_project(), None
    if not args.project:
        raise NNStudioError("no project given; name a .nnstudio or .json file, or pass --demo")
    path = Path(args.project)
    project = load_project(path)
    for note in project.notes:  # what opening changed (dropped or converted weights ...)
        log.warning(note)  # cli.main prints each as one "nnstudio CMD: note: ..." line
    return project, path.resolve().parent


def print_json_line(payload: dict[str, Any]) -> None:
    """One JSON object on the last line; NaN becomes null so any JSON reader takes it."""
    clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in payload.items()}
    print(json.dumps(clean), flush=True)
