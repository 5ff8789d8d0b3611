"""Import and export of weights and models: safetensors, PyTorch state_dicts, ONNX, torch.export."""

import pytest
import torch

from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.project import weights_io
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.project.weights_io import (
    ONNX_HELP,
    ExportError,
    WeightsError,
    example_input,
    export_onnx,
    export_program,
    export_safetensors,
    import_weights,
    read_weights_file,
)
from nnstudio.core.workspace.document import load_model


@pytest.fixture(scope="module")
def prepared():
    return load_model(default_project())


@pytest.fixture
def trained_weights(prepared):
    return {k: torch.randn_like(v) for k, v in snapshot_weights(prepared.built.module).items()}


def _fresh(prepared):
    return load_model(default_project()).built.module


def test_safetensors_export_then_import_round_trips(tmp_path, prepared, trained_weights):
    path = tmp_path / "w.safetensors"
    export_safetensors(trained_weights, path)
    loaded = import_weights(path, _fresh(prepared))
    assert all(torch.equal(loaded[k], v) for k, v in trained_weights.items())


@pytest.mark.parametrize("wrap", ["plain", "state_dict", "dataparallel"])
def test_pytorch_state_dict_imports(tmp_path, prepared, trained_weights, wrap):
    obj = {
        "plain": trained_weights,
        "state_dict": {"epoch": 3, "state_dict": trained_weights},
        "dataparallel": {f"module.{k}": v for k, v in trained_weights.items()},
    }[wrap]
    path = tmp_path / "w.pth"
    torch.save(obj, path)
    module = _fresh(prepared)
    import_weights(path, module)
    assert all(torch.equal(module.state_dict()[k], v) for k, v in trained_weights.items())


def test_another_projects_weights_import(tmp_path, prepared, trained_weights):
    project = default_project()
    project.weights = trained_weights
    save_project(project, tmp_path / "other.nnstudio")
    assert read_weights_file(tmp_path / "other.nnstudio").keys() == trained_weights.keys()
    save_project(default_project(), tmp_path / "untrained.nnstudio")
    with pytest.raises(WeightsError, match="holds no trained weights"):
        read_weights_file(tmp_path / "untrained.nnstudio")


def test_mismatched_weights_name_every_tensor(tmp_path, prepared, trained_weights):
    bad = dict(trained_weights)
    bad["linear2.weight"] = torch.zeros(64, 64)
    bad["linear4.bias"] = torch.zeros(3)
    del bad["linear4.weight"]
    bad["head.weight"] = torch.zeros(1)
    path = tmp_path / "bad.safetensors"
    export_safetensors(bad, path)
    module = _fresh(prepared)
    before = snapshot_weights(module)
    with pytest.raises(WeightsError, match="do not fit this architecture") as info:
        import_weights(path, module)
    text = str(info.value)
    for expected in (
        "linear2.weight has shape (64, 64) but the network needs (128, 64)",
        "linear4.bias has shape (3,) but the network needs (10,)",
        "linear4.weight is missing",
        "head.weight is not part of this network",
    ):
        assert expected in text
    assert all(torch.equal(module.state_dict()[k], v) for k, v in before.items())  # untouched


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("w.safetensors", b"not safetensors", "not a readable safetensors file"),
        ("w.pt", b"PK\x03\x04broken", "not a readable PyTorch file"),
        ("missing.pt", None, "does not exist"),
    ],
)
def test_unreadable_weight_files_are_explained(tmp_path, prepared, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(WeightsError, match=message):
        import_weights(path, _fresh(prepared))


def test_non_tensor_state_dict_is_refused(tmp_path, prepared):
    path = tmp_path / "w.pt"
    torch.save({"linear2.weight": [1, 2, 3]}, path)
    with pytest.raises(WeightsError, match="not tensors: linear2.weight"):
        import_weights(path, _fresh(prepared))


def test_export_without_weights_says_train_first(tmp_path):
    with pytest.raises(ExportError, match="train the network"):
        export_safetensors(None, tmp_path / "w.safetensors")


def test_onnx_without_the_extra_says_how_to_enable_it(tmp_path, prepared, monkeypatch):
    monkeypatch.setattr(weights_io, "onnx_available", lambda: False)
    with pytest.raises(ExportError, match="pip install") as info:
        export_onnx(prepared.built.module, example_input(prepared.bundle.train.x), tmp_path / "m.onnx")
    assert str(info.value) == ONNX_HELP and 'pip install "nnstudio[onnx]"' in ONNX_HELP
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.slow
def test_onnx_export_runs_with_any_batch_size(tmp_path, prepared):
    # No skip: the dev install carries onnx and onnxscript, so a missing extra fails here instead of hiding.
    import onnx
    from onnx.reference import ReferenceEvaluator

    module = prepared.built.module.eval()
    path = tmp_path / "m.onnx"
    export_onnx(module, example_input(prepared.bundle.train.x), path)
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    dim = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_param  # a named, variable batch dimension
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]  # no temp file left behind
    # The graph computes what the torch model computes, on a batch size other than the traced one.
    x = prepared.bundle.validation.x[:7]
    (got,) = ReferenceEvaluator(model).run(None, {model.graph.input[0].name: x.numpy()})
    with torch.no_grad():
        expected = module(x)
    assert got.shape == (7, *expected.shape[1:])
    torch.testing.assert_close(torch.from_numpy(got), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_torch_export_program_reloads_and_matches(tmp_path, prepared):
    module = prepared.built.module.eval()
    path = tmp_path / "m.pt2"
    export_program(module, example_input(prepared.bundle.train.x), path)
    program = torch.export.load(str(path))
    x = prepared.bundle.validation.x[:7]
    with torch.no_grad():
        torch.testing.assert_close(program.module()(x), module(x))
