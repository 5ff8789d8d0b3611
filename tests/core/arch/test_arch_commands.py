"""Pure edit commands, validation helpers, templates and the architecture file."""

from __future__ import annotations

import pytest

from nnstudio.core.arch.builder import build
from nnstudio.core.arch.commands import (
    CompositeCommand,
    InsertLayer,
    MoveLayer,
    RemoveLayer,
    ReplaceArchitecture,
    SetParams,
    all_paths,
    duplicate,
    move_target,
    new_layer,
)
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.spec_file import load_architecture, save_architecture
from nnstudio.core.arch.validation import check, fit_to_data, fix_command
from nnstudio.core.base.errors import NNStudioError, SpecError
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.project.file_format import load_project
from nnstudio.core.project.templates import TEMPLATES, example_path


def spec():
    return ArchitectureSpec([
        layer("flatten"), layer("linear", out_features=8), layer("relu"),
        layer("residual", children=[layer("linear", out_features=8), layer("relu")]),
        layer("linear", out_features=3),
    ])


def roundtrip(command, s):
    before = s.to_dict()
    command.apply(s)
    after = s.to_dict()
    assert after != before
    command.revert(s)
    assert s.to_dict() == before
    command.apply(s)
    assert s.to_dict() == after
    return s


def kinds(layers):
    return [l.kind for l in layers]


def test_insert_remove_move_and_duplicate_round_trip():
    s = roundtrip(InsertLayer((3, 1), new_layer("dropout")), spec())
    assert kinds(s.layers[3].children) == ["linear", "dropout", "relu"]
    s = roundtrip(RemoveLayer((2,)), spec())
    assert kinds(s.layers) == ["flatten", "linear", "residual", "linear"]
    s = roundtrip(MoveLayer((2,), (2, 0)), spec())  # ReLU into the block, which moved up to 2
    assert kinds(s.layers[2].children) == ["relu", "linear", "relu"]
    s = roundtrip(duplicate(spec(), (3,)), spec())
    assert kinds(s.layers) == ["flatten", "linear", "relu", "residual", "residual", "linear"]
    s.layers[4].children[0].params["out_features"] = 99
    assert s.layers[3].children[0].params["out_features"] == 8  # a deep copy


def test_move_target_counts_rows_before_removal():
    assert move_target((1,), (), 4) == (3,)
    assert move_target((3,), (), 1) == (1,)
    assert move_target((2,), (3,), 0) == (2, 0)  # the block moves up once the source is out
    assert move_target((3, 1), (), 0) == (0,)
    with pytest.raises(NNStudioError, match="cannot be moved inside itself"):
        move_target((3,), (3,), 0)


def test_set_params_validates_and_merges():
    s = spec()
    first = SetParams((1,), {"out_features": 9})
    first.apply(s)
    second = SetParams((1,), {"out_features": 10})
    second.apply(s)
    assert first.merge(second)
    first.revert(s)
    assert s.layers[1].params["out_features"] == 8
    first.apply(s)
    assert s.layers[1].params["out_features"] == 10
    assert not first.merge(SetParams((1,), {"bias": False}))
    with pytest.raises(SpecError, match="out_features: must be at least 1"):
        SetParams((1,), {"out_features": 0}).apply(spec())


def test_composite_and_replace_round_trip():
    roundtrip(CompositeCommand([SetParams((1,), {"out_features": 4}), RemoveLayer((0,))]), spec())
    roundtrip(ReplaceArchitecture(ArchitectureSpec([layer("relu")], name="Other")), spec())
    assert len(all_paths(spec())) == 7


def test_check_fix_and_fit_to_data():
    s = ArchitectureSpec([layer("flatten"), layer("linear", in_features=784, out_features=128), layer("relu"),
                          layer("linear", in_features=128, out_features=47)])
    error = check(s, (1, 8, 8))
    assert error is not None and error.index == "2"
    fix = fix_command(error)
    fixed = s.copy()
    fix.apply(fixed)
    assert check(fixed, (1, 8, 8)) is None
    command = fit_to_data(s, (1, 8, 8), 10)
    command.apply(s)
    assert build(s, (1, 8, 8)).output_shape == (10,)
    assert fit_to_data(s, (1, 8, 8), 10) is None


def test_architecture_file_round_trip(tmp_path):
    path = tmp_path / "net.json"
    save_architecture(spec(), path)
    assert load_architecture(path).to_dict() == spec().to_dict()
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(NNStudioError, match="no 'architecture'"):
        load_architecture(tmp_path / "bad.json")


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_template_builds_for_its_data_and_ships_as_example(name):
    project = TEMPLATES[name].project()
    bundle = build_data(project.data)
    built = build(project.architecture, bundle.input_shape)
    assert built.output_shape[-1] == bundle.output_size
    example = load_project(example_path(name))
    assert example.to_dict() == project.to_dict()
