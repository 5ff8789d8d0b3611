"""The network's output must fit the task: a Linear after a Conv2d with no Flatten is caught on that Linear."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.cli import main
from nnstudio.core.arch.builder import OutputNeed, OutputShapeError, build, build_partial, output_need
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.validation import check, fix_command
from nnstudio.core.base.errors import ShapeError
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.project.templates import EXAMPLES_DIR, TEMPLATES

IMAGE = (1, 8, 8)
TEN_CLASSES = OutputNeed(CLASSIFICATION, 10)


def conv_then_linear(**linear) -> ArchitectureSpec:
    return ArchitectureSpec([layer("conv2d", out_channels=8, kernel_size=3), layer("relu"), layer("linear", **{"out_features": 10, **linear})])


def test_linear_after_conv_without_flatten_is_an_error_on_that_linear():
    with pytest.raises(OutputShapeError) as caught:
        build(conv_then_linear(), IMAGE, need=TEN_CLASSES)
    error = caught.value
    assert isinstance(error, ShapeError) and error.index == "3" and error.received == (8, 6, 6)
    assert str(error) == (
        "Layer 3 (Linear) receives 8x6x6, a multi-dimensional input, and acts only on its last dimension, so the "
        "network ends with 8x6x10 values per example where this classification task needs 10 outputs (one per class); "
        "insert Flatten before layer 3"
    )


def test_without_a_task_the_builder_still_builds_it():
    assert build(conv_then_linear(), IMAGE).output_shape == (8, 6, 10)  # callers with no data keep working
    assert check(conv_then_linear(), IMAGE) is None
    assert isinstance(check(conv_then_linear(), IMAGE, TEN_CLASSES), OutputShapeError)


def test_the_first_linear_that_receives_a_grid_is_blamed():
    spec = ArchitectureSpec([layer("conv2d", out_channels=4, kernel_size=3), layer("linear", out_features=16), layer("relu"), layer("linear", out_features=10)])
    built, infos, error = build_partial(spec, IMAGE, need=TEN_CLASSES)
    assert built is None and len(infos) == 4  # every layer's facts stay visible
    assert isinstance(error, OutputShapeError) and error.index == "2" and "insert Flatten before layer 2" in str(error)


def test_the_fix_inserts_flatten_as_one_reversible_edit():
    spec = conv_then_linear()
    command = fix_command(check(spec, IMAGE, TEN_CLASSES))
    before = spec.to_dict()
    command.apply(spec)
    assert [l.kind for l in spec.layers] == ["conv2d", "relu", "flatten", "linear"]
    assert command.text == "Insert Flatten before layer 3"
    assert build(spec, IMAGE, need=TEN_CLASSES).output_shape == (10,)
    command.revert(spec)
    assert spec.to_dict() == before
    command.apply(spec)  # redo gives the same network again
    assert [l.kind for l in spec.layers] == ["conv2d", "relu", "flatten", "linear"]


def test_an_explicit_in_features_is_set_to_the_flattened_size():
    spec = conv_then_linear(in_features=6)
    command = fix_command(check(spec, IMAGE, TEN_CLASSES))
    command.apply(spec)
    assert spec.layers[3].params["in_features"] == 8 * 6 * 6
    assert check(spec, IMAGE, TEN_CLASSES) is None
    command.revert(spec)
    assert spec.layers[2].params["in_features"] == 6


def test_a_network_that_ends_in_a_grid_needs_flatten_and_a_linear():
    spec = ArchitectureSpec([layer("conv2d", out_channels=8, kernel_size=3), layer("relu")])
    error = check(spec, IMAGE, TEN_CLASSES)
    assert isinstance(error, OutputShapeError) and error.index == "2"
    assert "insert Flatten and a Linear with 10 outputs after layer 2" in str(error)
    assert fix_command(error) is None  # more than one Flatten: the student chooses


def test_regression_needs_its_targets_and_reconstruction_may_keep_the_image_shape():
    wrong = check(conv_then_linear(out_features=1), IMAGE, OutputNeed(REGRESSION, 1))
    assert isinstance(wrong, OutputShapeError) and "needs 1 output (the target)" in str(wrong)
    # An autoencoder that ends with the 1x8x8 image itself gives the 64 values its loss compares.
    same_shape = ArchitectureSpec([layer("conv2d", out_channels=1, kernel_size=3, padding=1)])
    assert check(same_shape, IMAGE, OutputNeed(REGRESSION, 64, reconstruction=True)) is None
    small = check(ArchitectureSpec([layer("conv2d", out_channels=1, kernel_size=3)]), IMAGE, OutputNeed(REGRESSION, 64, True))
    assert "needs 64 outputs (the input's 64 values, to rebuild it)" in str(small)


def test_the_need_comes_from_the_data():
    bundle = build_data(default_project().data)
    assert output_need(bundle) == TEN_CLASSES


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_fits_its_task(name):
    project = TEMPLATES[name].project()
    bundle = build_data(project.data)
    assert check(project, bundle.input_shape, output_need(bundle)) is None


@pytest.mark.parametrize("path", sorted(EXAMPLES_DIR.rglob("*.json")), ids=lambda p: p.name)
def test_every_example_project_fits_its_task(path: Path):
    project = load_project(path)
    bundle = build_data(project.data, path.parent)
    assert check(project, bundle.input_shape, output_need(bundle)) is None


@pytest.mark.parametrize("command", ["info", "train"])
def test_cli_refuses_it_with_exit_2_and_the_layer(command, tmp_path, capsys):
    project = default_project()
    project.architecture = conv_then_linear()
    save_project(project, tmp_path / "p.json")
    argv = [command, str(tmp_path / "p.json")] + (["--epochs", "1"] if command == "train" else [])
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"nnstudio {command}: Layer 3 (Linear) receives 8x6x6") and "insert Flatten before layer 3" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
