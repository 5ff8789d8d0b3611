"""``nnstudio info``: what a project holds, and what the registries offer."""

from __future__ import annotations

import argparse

from nnstudio.commands.common import add_project_argument, open_project
from nnstudio.core.arch.adapt import adapt_project
from nnstudio.core.arch.builder import check_fits, check_output, estimate, output_need, plan
from nnstudio.core.base import memory
from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import DATASETS, LAYERS, LOSSES, OPTIMIZERS
from nnstudio.core.data.assemble import build as build_data


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("info", help="show a project's layers and data, or list what nnstudio offers")
    add_project_argument(p)
    p.add_argument("--list", choices=["layers", "datasets", "losses", "optimizers", "templates"],
                   help="list a registry, or the templates and example projects, instead")
    return p


def run(args: argparse.Namespace) -> int:
    if args.list == "templates":
        from nnstudio.core.project.templates import catalogue

        for template in catalogue().values():
            print(f"{template.name:<20} {template.title}")
        return 0
    if args.list:
        registry = {"layers": LAYERS, "datasets": DATASETS, "losses": LOSSES, "optimizers": OPTIMIZERS}[args.list]
        for entry in registry:
            params = ", ".join(f"{p.name}={p.default!r}" for p in entry.params)
            print(f"{entry.name:<16} {entry.title:<24} {params}")
        return 0
    project, base_dir = open_project(args)
    bundle = build_data(project.data, base_dir)
    notes = adapt_project(project, bundle)  # the sizes follow the data, as in the window and in train
    built = plan(project.architecture, bundle.input_shape)  # weights on 'meta': a huge network is described, not allocated
    print(f"{project.name}: {bundle.description}")
    print(f"  {bundle.task}, input {format_shape(bundle.input_shape)}, {len(bundle.train)}/{len(bundle.validation)}/{len(bundle.test)} train/val/test")
    for note in notes:
        print(f"  note: {note}")
    for info in built.layers:
        print(f"  {'  ' * info.depth}{info.index:<5} {info.title:<14} {info.summary:<22} -> {format_shape(info.out_shape):<10} {info.params:>9,} params")
    frozen = f" ({built.trainable_params:,} trainable, {built.frozen_params:,} frozen)" if built.frozen_params else ""
    print(f"  total {built.total_params:,} parameters{frozen}, {built.size_kb:.1f} KB, {built.macs:,} multiply-accumulates per example")
    batch = project.training.batch_size
    need = estimate(built, batch)
    free = memory.available_bytes()
    print(
        f"  training needs about {memory.format_bytes(need.train_bytes)} of memory with batches of {batch}"
        + (f" ({memory.format_bytes(free)} free now)" if free is not None else ""),
        flush=True,
    )
    check_output(built, output_need(bundle))  # so does one whose output cannot be what the task needs (exit 2)
    check_fits(built, batch)  # a network that would not fit ends here with the builder's own message (exit 2)
    bundle.require_finite()  # so does data that training would refuse (NaN left after preprocessing)
    return 0
