"""Export as PyTorch code with ``exact``: the script regenerates the same data, and trains like the app does.

The default, idiomatic export is tested in test_codegen_idiomatic.py."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys

import numpy as np
import pytest
import torch

from nnstudio.cli import main as cli_main
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.export.codegen import export_project
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import Project, default_project
from nnstudio.core.project.templates import TEMPLATES
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.session import train_project

EPOCHS = 2


def exported(tmp_path, project, name="net"):
    written = export_project(project, tmp_path / f"{name}.py", exact=True)
    return written, runpy.run_path(str(written[0]), run_name="exported")


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_script_regenerates_the_apps_data_and_model(tmp_path, name):
    project = TEMPLATES[name].project()
    written, script = exported(tmp_path, project)
    assert len(written) == 1  # built-in data: no sidecar needed
    text = written[0].read_text()
    assert "\nfrom nnstudio" not in text and "import nnstudio" not in text
    bundle = build_data(project.data)
    x_train, y_train, x_val, y_val, x_test, y_test = script["load_data"]()
    for mine, theirs in ((x_train, bundle.train.x), (y_train, bundle.train.y), (x_val, bundle.validation.x),
                         (y_test, bundle.test.y), (x_test, bundle.test.x)):
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
        assert torch.allclose(mine.float(), theirs.float(), atol=1e-5)
    classes = [v for k, v in script.items() if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == "exported"]
    model_class = classes[-1]
    model = script["reset_weights"](model_class(), project.training.seed)
    from nnstudio.core.arch.builder import build
    from nnstudio.core.training.engine import new_model

    app_model = new_model(build(project.architecture, bundle.input_shape).module, project.training.seed)
    mine = [p.detach() for p in model.parameters()]
    theirs = [p.detach() for p in app_model.parameters()]
    assert [p.shape for p in mine] == [p.shape for p in theirs]
    assert all(torch.equal(a, b) for a, b in zip(mine, theirs, strict=True))  # same seeds, same init


def run_script(path, epochs):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(path), "--epochs", str(epochs)], capture_output=True, text=True,
                          timeout=600, env=env, cwd=path.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    final = [l for l in done.stdout.splitlines() if l.startswith("FINAL ")]
    return json.loads(final[-1][6:])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TEMPLATES))
def test_exported_script_trains_like_the_app(tmp_path, name):
    project = TEMPLATES[name].project()
    project.training.device = "cpu"
    written = export_project(project, tmp_path / f"{name}.py", exact=True)
    script = run_script(written[0], EPOCHS)
    result = train_project(project, epochs=EPOCHS)
    if "val_accuracy" in result.history:
        assert abs(script["val_accuracy"] - result.last("val_accuracy")) <= 0.03
    else:
        app = result.last("val_loss")
        assert abs(script["val_loss"] - app) <= 0.10 * app


def test_user_file_data_goes_to_a_sidecar_npz(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    np.savez(tmp_path / "mine.npz", X=x, y=y)
    project = Project(
        "Mine", ArchitectureSpec([layer("linear", out_features=8), layer("relu"), layer("linear", out_features=2)], name="Mine"),
        DataSpec("npz", {"path": str(tmp_path / "mine.npz")}), TrainSpec(batch_size=8, epochs=2, device="cpu"),
    )
    written, script = exported(tmp_path, project, "mine")
    assert [p.name for p in written] == ["mine.py", "mine_data.npz"]
    bundle = build_data(project.data)
    assert torch.equal(script["load_data"]()[0], bundle.train.x)
    with np.load(written[1], allow_pickle=False) as arrays:
        assert sorted(arrays.files) == ["x_test", "x_train", "x_val", "y_test", "y_train", "y_val"]


def test_residual_blocks_spell_out_the_skip(tmp_path):
    project = default_project()
    project.architecture.layers.insert(3, layer("residual", children=[layer("linear", out_features=128), layer("relu")]))
    written, script = exported(tmp_path, project)
    text = written[0].read_text()
    assert "skip1 = x" in text and "x = x + skip1" in text
    model = script["reset_weights"](script["SimpleNN"](), 0)
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_cli_export_code(tmp_path, capsys):
    target = tmp_path / "demo.py"
    assert cli_main(["export-code", "--demo", "-o", str(target)]) == 0
    assert "class SimpleNN(nn.Module)" in target.read_text()
    assert "DataLoader(train_set" in target.read_text() and "reset_weights" not in target.read_text()
    assert cli_main(["export-code", "--demo", "--exact", "-o", str(target)]) == 0
    assert "reset_weights(SimpleNN(), SEED)" in target.read_text() and "DataLoader" not in target.read_text()
    path = tmp_path / "p.json"
    save_project(TEMPLATES["deep_relu"].project(), path)
    assert cli_main(["export-code", str(path), "-o", str(tmp_path / "deep.py")]) == 0
    assert cli_main(["export-code", "--demo", "-o", str(tmp_path / "x.txt")]) == 2
    assert "needs a .py" in capsys.readouterr().err
