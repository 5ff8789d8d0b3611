"""``nnstudio export``: write a trained project's weights (safetensors), ONNX model or torch.export program."""

from __future__ import annotations

import argparse
from pathlib import Path

from nnstudio.commands.common import add_project_argument, open_project
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.project.weights_io import example_input, export_onnx, export_program, export_safetensors
from nnstudio.core.workspace.document import load_model

SUFFIXES = {"safetensors": ".safetensors", "onnx": ".onnx", "torch-export": ".pt2"}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("export", help="export a trained project's weights, ONNX model or torch.export program")
    add_project_argument(p)
    p.add_argument("--format", choices=list(SUFFIXES), default="safetensors", help="what to write (default: safetensors)")
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: beside the project, named after it)")
    return p


def run(args: argparse.Namespace) -> int:
    project, base_dir = open_project(args)
    if not project.weights:
        raise NNStudioError("the project holds no trained weights; train it first (nnstudio train PROJECT --save)")
    suffix = SUFFIXES[args.format]
    if args.output:
        target = Path(args.output)
    else:
        stem = Path(args.project).stem if args.project else "demo"
        target = Path(args.project).with_name(stem + suffix) if args.project else Path(stem + suffix)
    if args.format == "safetensors":
        export_safetensors(project.weights, target)
    else:
        prepared = load_model(project, base_dir)  # checks the weights against the architecture, naming mismatches
        exporter = export_onnx if args.format == "onnx" else export_program
        exporter(prepared.built.module.eval(), example_input(prepared.bundle.train.x), target)
    print(f"exported {args.format} to {target}")
    return 0
