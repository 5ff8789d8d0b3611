"""The network follows the data: sizes adapt, pins hold, no layer is added or removed."""

from __future__ import annotations

import json

import pytest

from nnstudio.cli import main
from nnstudio.core.arch.adapt import adapt_project, adapt_to_data, plan_adaptation
from nnstudio.core.arch.builder import build
from nnstudio.core.arch.commands import SetPinned
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.spec_file import architecture_to_json, load_architecture, save_architecture
from nnstudio.core.arch.validation import fit_to_data
from nnstudio.core.base.errors import SpecError
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.project.spec import default_project

IRIS_INPUT, IRIS_CLASSES = (4,), 3


def kinds(spec: ArchitectureSpec) -> list[str]:
    return [l.kind for l in spec.layers]


def test_digits_network_follows_iris():
    spec = default_project().architecture  # 64 -> 128 -> 10, built for the 8x8 digits
    adapted, notes = adapt_to_data(spec, IRIS_INPUT, IRIS_CLASSES)
    assert adapted.layers[1].params["in_features"] == 4
    assert adapted.layers[3].params["out_features"] == 3
    assert adapted.layers[1].params["out_features"] == 128  # hidden sizes are the user's
    assert kinds(adapted) == kinds(spec) == ["flatten", "linear", "relu", "linear"]
    assert notes == ["the network follows the data: layer 2 Linear in_features 64 → 4, layer 4 Linear out_features 10 → 3"]
    assert build(adapted, IRIS_INPUT).output_shape == (3,)
    assert spec.layers[1].params["in_features"] == 64  # the original is not touched


def test_one_undo_step_names_the_changes():
    spec = default_project().architecture
    before = spec.to_dict()
    command = plan_adaptation(spec, IRIS_INPUT, IRIS_CLASSES).command
    assert command.text == "Fit network to data (layer 2 Linear in_features 64 → 4, layer 4 Linear out_features 10 → 3)"
    command.apply(spec)
    command.revert(spec)
    assert spec.to_dict() == before
    assert fit_to_data(spec, (1, 8, 8), 10) is None  # the button and the automatic path share the rule


def test_pinned_layer_keeps_its_size_and_says_so():
    spec = default_project().architecture
    SetPinned((3,), True).apply(spec)
    adapted, notes = adapt_to_data(spec, IRIS_INPUT, IRIS_CLASSES)
    assert adapted.layers[3].params["out_features"] == 10
    assert adapted.layers[1].params["in_features"] == 4  # the unpinned first layer still follows
    assert notes[0] == "the network follows the data: layer 2 Linear in_features 64 → 4"
    assert notes[1] == ("layer 4 Linear is pinned with out_features 10 but the data needs 3: unpin it (right-click the "
                        "layer, Unpin sizes) or set out_features to 3 yourself")


def test_automatic_sizes_and_fitting_networks_are_left_alone():
    spec = ArchitectureSpec([layer("flatten"), layer("linear", out_features=16), layer("relu"), layer("linear", out_features=3)])
    assert plan_adaptation(spec, IRIS_INPUT, IRIS_CLASSES).command is None  # in_features 0 already follows
    assert adapt_to_data(spec, IRIS_INPUT, IRIS_CLASSES)[1] == []
    conv = ArchitectureSpec([layer("conv2d", in_channels=3, out_channels=4), layer("flatten"), layer("linear", out_features=10)])
    adapted, _ = adapt_to_data(conv, (1, 8, 8), 10)
    assert adapted.layers[0].params["in_channels"] == 1
    assert kinds(adapted) == kinds(conv)


def test_pin_round_trips_and_old_files_read_unpinned(tmp_path):
    spec = default_project().architecture
    assert "pinned" not in architecture_to_json(spec)  # files without pins are unchanged
    spec.layers[3].pinned = True
    save_architecture(spec, tmp_path / "net.json")
    loaded = load_architecture(tmp_path / "net.json")
    assert [l.pinned for l in loaded.layers] == [False, False, False, True]
    assert loaded.to_dict() == spec.to_dict()
    project = default_project()
    project.architecture = spec
    save_project(project, tmp_path / "p.json")
    assert load_project(tmp_path / "p.json").architecture.layers[3].pinned is True
    with pytest.raises(SpecError, match=r"architecture.layers\[0\].pinned: must be true or false"):
        ArchitectureSpec.from_dict({"layers": [{"kind": "relu", "params": {}, "pinned": "yes"}]})


def test_pin_command_is_undoable():
    spec = default_project().architecture
    command = SetPinned((1,), True)
    command.apply(spec)
    assert spec.layers[1].pinned and command.text == "Pin Linear (layer 2)"
    command.revert(spec)
    assert not spec.layers[1].pinned


def test_adapt_project_in_place():
    project = default_project()
    project.data = DataSpec(source="iris")
    notes = adapt_project(project, build_data(project.data))
    assert project.architecture.layers[3].params["out_features"] == 3
    assert len(notes) == 1


def test_cli_info_and_train_adapt_and_say_so(tmp_path, capsys):
    project = default_project()
    project.data = DataSpec(source="iris")
    path = tmp_path / "iris.json"
    save_project(project, path)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "note: the network follows the data: layer 2 Linear in_features 64 → 4, layer 4 Linear out_features 10 → 3" in out
    assert "128 → 3" in out
    assert main(["train", str(path), "--epochs", "1", "--json"]) == 0
    captured = capsys.readouterr()
    assert "nnstudio train: note: the network follows the data: layer 2 Linear in_features 64 → 4" in captured.err
    assert json.loads(captured.out.strip().splitlines()[-1])["status"] == "completed"
