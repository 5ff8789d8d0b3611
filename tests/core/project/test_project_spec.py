"""Specs and project files: JSON and .nnstudio round trips, and every validation error names its field."""

import copy
import json
import re
import zipfile

import pytest
import torch

from nnstudio.core.base.errors import NNStudioError, ProjectFileError, SpecError
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.project.spec import SCHEMA_VERSION, Project, default_project


def test_json_round_trip_is_exact():
    project = default_project()
    data = project.to_dict()
    again = Project.from_dict(json.loads(json.dumps(data)))
    assert again.to_dict() == data
    assert data["schema_version"] == SCHEMA_VERSION


def test_nnstudio_round_trip_with_weights_and_history(tmp_path):
    project = default_project()
    project.weights = {"linear2.weight": torch.randn(128, 64), "linear2.bias": torch.zeros(128)}
    project.history = {"train_loss": [1.0, 0.5], "epoch": [1.0, 2.0]}
    path = tmp_path / "p.nnstudio"
    save_project(project, path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["project.json", "weights.safetensors"]
    loaded = load_project(path)
    assert loaded.to_dict() == project.to_dict()
    assert torch.equal(loaded.weights["linear2.weight"], project.weights["linear2.weight"])


def test_bare_json_project_opens(tmp_path):
    path = tmp_path / "spec.json"
    save_project(default_project(), path)
    assert load_project(path).architecture.layers[1].params["in_features"] == 64


def _mutated(edit):
    data = default_project().to_dict()
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "field", "value_text"),
    [
        (lambda d: d["training"].update(lr=-1), "training.lr", "-1"),
        (lambda d: d["training"].update(lr="fast"), "training.lr", "'fast'"),
        (lambda d: d["training"].update(batch_size=0), "training.batch_size", "0"),
        (lambda d: d["training"].update(epochs=2.5), "training.epochs", "2.5"),
        (lambda d: d["training"].update(optimizer="adamax"), "training.optimizer", "'adamax'"),
        (lambda d: d["training"].update(loss="hinge2"), "training.loss", "'hinge2'"),
        (lambda d: d["training"].update(device="tpu"), "training.device", "'tpu'"),
        (lambda d: d["training"].update(momentum=0.9), "training.momentum", "0.9"),
        (lambda d: d["training"].update(optimizer_params={"beta1": 2}), "training.optimizer_params.beta1", "2"),
        (lambda d: d["architecture"]["layers"][1].update(kind="dense"), "architecture.layers[1].kind", "'dense'"),
        (lambda d: d["architecture"]["layers"][1]["params"].update(out_features=0), "architecture.layers[1].params.out_features", "0"),
        (lambda d: d["architecture"]["layers"][1]["params"].update(units=3), "architecture.layers[1].params.units", "3"),
        (lambda d: d["architecture"]["layers"][2].update(children=[]), "architecture.layers[2].children", "[]"),
        (lambda d: d["architecture"].update(input_kind="text"), "architecture.input_kind", "'text'"),
        (lambda d: d["architecture"].update(layers={}), "architecture.layers", "{}"),
        (lambda d: d["data"].update(source="imagenet"), "data.source", "'imagenet'"),
        (lambda d: d["data"].update(seed=-3), "data.seed", "-3"),
        (lambda d: d["data"]["split"].update(test=1.5), "data.split.test", "1.5"),
        (lambda d: d["data"]["split"].update(validation=0.5, test=0.45), "data.split.validation", "0.5"),
        (lambda d: d["data"].update(preprocessing=[{"kind": "whiten"}]), "data.preprocessing[0].kind", "'whiten'"),
        (lambda d: d.update(name=5), "name", "5"),
        (lambda d: d.pop("architecture"), "architecture", "None"),
    ],
)
def test_validation_error_names_field_and_value(edit, field, value_text):
    with pytest.raises(SpecError, match=rf"^{re.escape(field)}: ") as info:
        Project.from_dict(_mutated(edit))
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert f"(got {value_text})" in str(info.value)


def test_newer_schema_is_refused_with_version():
    with pytest.raises(ProjectFileError, match="newer nnstudio"):
        Project.from_dict(_mutated(lambda d: d.update(schema_version=99)))


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip at all", b"PK\x03\x04truncated"],
)
def test_bad_files_give_project_errors(tmp_path, content):
    path = tmp_path / "bad.nnstudio"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError, match=r"bad\.nnstudio is (damaged or truncated|not an nnstudio project)"):
        load_project(path)


def test_bad_json_names_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"name": "x",\n  "architecture": }')
    with pytest.raises(ProjectFileError, match="line 2"):
        load_project(path)


def test_truncated_zip_is_refused(tmp_path):
    good = tmp_path / "good.nnstudio"
    project = default_project()
    project.weights = {"w": torch.randn(100, 100)}
    save_project(project, good)
    cut = tmp_path / "cut.nnstudio"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ProjectFileError, match=r"cut\.nnstudio is damaged or truncated"):
        load_project(cut)


def test_spec_copy_is_independent():
    project = default_project()
    copied = project.architecture.copy()
    copied.layers[1].params["out_features"] = 7
    assert project.architecture.layers[1].params["out_features"] == 128
    assert copy.deepcopy(project.training).to_dict() == project.training.to_dict()


def test_errors_are_nnstudio_errors():
    assert issubclass(SpecError, NNStudioError) and issubclass(ProjectFileError, NNStudioError)
