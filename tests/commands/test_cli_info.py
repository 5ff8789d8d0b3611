"""``nnstudio info``: every number and name it prints equals what the builder and the data assembly compute,
and ``--list KIND`` shows every registry entry with its parameters' defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nnstudio.cli import main
from nnstudio.core.arch.builder import build
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import DATASETS, LAYERS, LOSSES, OPTIMIZERS
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.data.spec import SplitSpec
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.project.templates import EXAMPLES_DIR, example_path

# "  <indent><index> <title> <summary> -> <shape> <n> params"; the memory line being added is not parsed.
LAYER_LINE = re.compile(r"^  (?P<indent>(?:  )*)(?P<index>\d+(?:\.\d+)*)\s+(?P<text>.*?)\s*-> (?P<shape>\S+)\s+(?P<params>[\d,]+) params$")


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _residual_project():
    """Nested layers (a residual block) and a batch norm, whose buffers are not parameters; three unequal splits."""
    project = default_project()
    project.name = "Residual check"
    project.data.split = SplitSpec(validation=0.1, test=0.25)
    project.architecture = ArchitectureSpec([
        layer("flatten"),
        layer("linear", out_features=16),
        layer("batchnorm"),
        layer("residual", children=[layer("linear", out_features=16), layer("relu"), layer("linear", out_features=16)]),
        layer("dropout", p=0.2),
        layer("linear", out_features=10),
    ], name="Residual MLP")
    return project


def _project_file(which: str, tmp_path: Path) -> tuple[list[str], Path | None]:
    """The argv naming one project, and the folder its data paths start from."""
    if which == "demo":
        return ["--demo"], None
    if which == "residual":
        path = tmp_path / "residual.nnstudio"
        save_project(_residual_project(), path)
        return [str(path)], tmp_path
    path = EXAMPLES_DIR / "csv_example" / "exam.json" if which == "csv" else example_path(which)
    return [str(path)], path.resolve().parent


@pytest.mark.parametrize("which", ["demo", "small_cnn", "tiny_transformer", "lstm_classifier", "residual", "csv"])
def test_info_prints_the_builders_layers_shapes_and_counts(which, tmp_path, capsys):
    from nnstudio.core.project.file_format import load_project

    argv, base_dir = _project_file(which, tmp_path)
    project = default_project() if which == "demo" else load_project(argv[0])
    code, out, err = run_cli(["info", *argv], capsys)
    assert code == 0 and err == ""
    bundle = build_data(project.data, base_dir)
    built = build(project.architecture, bundle.input_shape)
    lines = out.splitlines()

    assert lines[0] == f"{project.name}: {bundle.description}"
    split = f"{len(bundle.train)}/{len(bundle.validation)}/{len(bundle.test)} train/val/test"
    assert f"{bundle.task}, input {format_shape(bundle.input_shape)}, {split}" in lines[1]

    rows = [m for m in map(LAYER_LINE.match, lines) if m]
    assert [r["index"] for r in rows] == [info.index for info in built.layers]
    for row, info in zip(rows, built.layers, strict=True):
        assert len(row["indent"]) == 2 * info.depth, row.string
        assert row["text"].split() == f"{info.title} {info.summary}".split(), row.string
        assert row["shape"] == format_shape(info.out_shape)
        assert _number(row["params"]) == info.params
        if info.kind != "residual":  # a leaf's count is its own module's parameters
            module = built.module.get_submodule(info.name)
            assert info.params == sum(p.numel() for p in module.parameters())
    assert rows[-1]["shape"] == format_shape(built.output_shape)

    total = sum(p.numel() for p in built.module.parameters())
    assert re.search(rf"total {total:,} parameters\b", out), out
    assert f"{built.macs:,} multiply-accumulates" in out
    top_level = sum(info.params for info in built.layers if info.depth == 0)
    assert top_level == total  # the printed column adds up to the printed total


def test_info_counts_batch_norm_buffers_in_the_size_not_the_parameters(tmp_path, capsys):
    argv, _ = _project_file("residual", tmp_path)
    _code, out, _err = run_cli(["info", *argv], capsys)
    built = build(_residual_project().architecture, (1, 8, 8))
    params = sum(p.numel() for p in built.module.parameters())
    buffers = sum(b.numel() for b in built.module.buffers())
    assert buffers > 0
    assert re.search(rf"total {params:,} parameters\b", out), out
    assert f" {(params + buffers) * 4 / 1024:.1f} KB" in out  # float32 weights and buffers


@pytest.mark.parametrize("kind, registry", [
    ("layers", LAYERS), ("datasets", DATASETS), ("losses", LOSSES), ("optimizers", OPTIMIZERS),
])
def test_info_list_shows_every_entry_with_its_defaults(kind, registry, capsys):
    code, out, err = run_cli(["info", "--list", kind], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    entries = list(registry)
    assert len(entries) > 0 and len(lines) == len(entries)
    assert [line.split()[0] for line in lines] == [e.name for e in entries]
    for line, entry in zip(lines, entries, strict=True):
        assert entry.title in line, line
        shown = line[line.index(entry.title) + len(entry.title):].strip()
        assert shown == ", ".join(f"{p.name}={p.default!r}" for p in entry.params), line

