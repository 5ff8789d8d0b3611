"""``nnstudio export``: a trained project's weights and model, headless."""

import torch
from safetensors.torch import load_file

from nnstudio import cli
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.document import load_model


def _trained(tmp_path):
    project = default_project()
    project.weights = {k: torch.randn_like(v) for k, v in snapshot_weights(load_model(project).built.module).items()}
    path = tmp_path / "digits.nnstudio"
    save_project(project, path)
    return project, path


def test_export_weights_and_program(tmp_path, capsys):
    project, path = _trained(tmp_path)
    assert cli.main(["export", str(path)]) == 0
    weights = load_file(tmp_path / "digits.safetensors")
    assert all(torch.equal(weights[k], v) for k, v in project.weights.items())
    out = tmp_path / "model.pt2"
    assert cli.main(["export", str(path), "--format", "torch-export", "-o", str(out)]) == 0
    x = load_model(project).bundle.validation.x[:4]
    module = load_model(project).built.module.eval()
    torch.testing.assert_close(torch.export.load(str(out)).module()(x), module(x))
    assert "exported torch-export" in capsys.readouterr().out


def test_export_untrained_project_says_train_first(tmp_path, capsys):
    path = tmp_path / "untrained.nnstudio"
    save_project(default_project(), path)
    assert cli.main(["export", str(path)]) == 2
    assert "train it first" in capsys.readouterr().err
