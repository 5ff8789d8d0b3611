"""``nnstudio explain``: attribute one test example's prediction and write the overlay as a PNG."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.commands.common import add_project_argument, open_project, print_json_line
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.registry import ATTRIBUTIONS, Entry
from nnstudio.core.interpret import render
from nnstudio.core.interpret.explain import explain
from nnstudio.core.interpret.subject import Subject
from nnstudio.core.workspace.document import load_model

METHOD_ALIASES = {"guided-gradcam": "guided_gradcam"}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    methods = ATTRIBUTIONS.names()
    p = sub.add_parser("explain", help="explain a trained project's prediction for one test example as a PNG")
    add_project_argument(p)
    p.add_argument("--method", default="ig", choices=[*methods, *METHOD_ALIASES], help="attribution method (default: ig)")
    p.add_argument("--index", type=int, default=0, help="which example of the split (default: 0)")
    p.add_argument("--split", default="test", help="the split to take the example from (default: test)")
    p.add_argument("--target", type=int, help="class (output) to explain (default: the predicted one)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a method parameter, e.g. steps=200 (repeatable)")
    p.add_argument("--colormap", default="signed", choices=list(render.COLORMAPS), help="heatmap colours (default: signed)")
    p.add_argument("--opacity", type=float, default=0.6, help="heatmap opacity over the image, 0 to 1 (default: 0.6)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png", help="where to write the picture")
    p.add_argument("--json", action="store_true", help="print the attribution statistics as JSON on the last line")
    return p


def parse_params(entry: Entry, items: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` strings typed by the method's declared parameters, then validated."""
    raw: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise NNStudioError(f"--param {item!r} must look like NAME=VALUE, e.g. steps=200")
        try:
            param = entry.param(name.strip())
        except KeyError:
            allowed = ", ".join(p.name for p in entry.params) or "none"
            raise NNStudioError(f"{entry.title} has no parameter {name!r} (it takes: {allowed})") from None
        text = text.strip()
        try:
            if param.type is bool:
                if text.lower() not in ("true", "false", "yes", "no", "1", "0"):
                    raise ValueError
                raw[param.name] = text.lower() in ("true", "yes", "1")
            elif param.type is int:
                raw[param.name] = int(text)
            elif param.type is float:
                raw[param.name] = float(text)
            else:
                raw[param.name] = text
        except ValueError:
            raise NNStudioError(f"--param {item!r}: {param.name} must be {_kind(param.type)}") from None
    return entry.validate(raw, f"--param ({entry.name})")


def _kind(t: type) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number"}.get(t, "text")


def run(args: argparse.Namespace) -> int:
    method = METHOD_ALIASES.get(args.method, args.method)
    entry = ATTRIBUTIONS.get(method)
    params = parse_params(entry, args.param)
    if not 0.0 <= args.opacity <= 1.0:
        raise NNStudioError(f"--opacity must be from 0 to 1 (got {args.opacity})")
    output = Path(args.output)
    if output.suffix.lower() != ".png":
        raise NNStudioError(f"-o needs a .png file name (got {args.output})")
    project, base_dir = open_project(args)
    if not project.weights:
        raise NNStudioError("The project has no trained weights; train it first (nnstudio train PROJECT --save)")
    prepared = load_model(project, base_dir)
    bundle, model = prepared.bundle, prepared.built.module
    splits = bundle.splits()
    if args.split not in splits:
        raise NNStudioError(f"There is no split {args.split!r}; choose one of: {', '.join(splits)}")
    split = splits[args.split]
    if not 0 <= args.index < len(split):
        raise NNStudioError(f"--index {args.index} is outside the {args.split} split, which has {len(split)} examples (0 to {len(split) - 1})")
    subject = Subject.from_model(model, bundle)
    x = split.x[args.index].numpy()
    result = explain(model, subject, x, method, params, args.target)
    picture = render_result(x, result, subject, args.colormap, args.opacity)
    try:
        render.save_png(picture, output)
    except OSError as exc:
        raise NNStudioError(f"Cannot write {output}: {exc.strerror or exc}; choose another folder or name") from None
    label = int(split.y[args.index]) if split.y.ndim == 1 and not split.y.is_floating_point() else None
    stats = {**result.stats(), "index": args.index, "split": args.split, "label": label, "output": str(output)}
    if args.json:
        print_json_line(stats)
    else:
        extra = f", convergence delta {result.delta:.3g}" if result.delta is not None else ""
        print(f"{result.title} for {result.target_name!r} on {args.split} example {args.index}: "
              f"sum {stats['sum']:.4g}{extra}; wrote {output}")
    return 0


def render_result(x: np.ndarray, result, subject: Subject, colormap: str, opacity: float) -> np.ndarray:
    """The overlay for images and 2-D grids; per-feature bars for tabular rows."""
    if result.layout == "features":
        names = [subject.feature_name(i) for i in range(result.values.size)]
        return render.bar_chart(names, result.heatmap(), f"{result.title} for {result.target_name}")
    picture = render.overlay(render.image_rgb(x), render.normalize(result.heatmap()), colormap, opacity)
    return render.upscale(picture)
