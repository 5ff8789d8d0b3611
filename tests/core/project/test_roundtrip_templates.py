"""Save and reload give the same numbers: for every template, the metrics of the model trained in this
process equal the metrics of the weights read back from its .nnstudio file; and ``nnstudio train --save``
followed by ``nnstudio evaluate``, each in a fresh process, reports what training in this process reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from torch import nn

from nnstudio.core.evaluate.report import evaluate
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.project.spec import Project
from nnstudio.core.project.templates import TEMPLATES
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.session import train_project


class _KeepModel(Callback):
    """Holds on to the network the run trained (the one in memory, before anything is saved)."""

    model: nn.Module | None = None

    def on_fit_end(self, state, result) -> None:
        self.model = state.model


def _train_in_process(project: Project) -> tuple[nn.Module, dict]:
    keep = _KeepModel()
    result = train_project(project, epochs=1, callbacks=[keep])
    assert result.epochs == 1 and keep.model is not None
    return keep.model, result.history


def _same(a, b, path: str = "") -> None:
    """Two report dictionaries are equal: exactly for counts and names, to float precision for numbers."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-6, abs=1e-9), path
    else:
        assert a == b, path


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_a_saved_and_reloaded_template_gives_the_in_process_metrics(tmp_path, name):
    project = TEMPLATES[name].project()
    project.training.device = "cpu"
    model, history = _train_in_process(project)
    bundle = load_model(project, load_weights=False).bundle
    in_process = evaluate(model, bundle).to_dict()

    path = tmp_path / f"{name}.nnstudio"
    save_project(project, path)
    loaded = load_project(path)
    assert loaded.history == history
    reloaded = load_model(loaded)
    assert reloaded.built.module.training  # freshly built; evaluate() must switch it to eval mode itself
    after = evaluate(reloaded.built.module, reloaded.bundle).to_dict()
    assert after == in_process  # same weights, same data, same code: identical numbers

    # And the report agrees with the validation numbers the training curves showed.
    val = after["splits"]["validation"]
    if "accuracy" in val:
        assert val["accuracy"] == pytest.approx(history["val_accuracy"][-1], abs=1e-6)
        assert val["log_loss"] == pytest.approx(history["val_loss"][-1], rel=1e-4)
    else:
        assert val["rmse"] == pytest.approx(history["val_rmse"][-1], rel=1e-5)
        if project.training.loss == "mse":  # a VAE's validation loss is reconstruction + KL, not the MSE
            assert val["mse"] == pytest.approx(history["val_loss"][-1], rel=1e-5)


def _cli_all(commands: dict[str, tuple[list[str], object]]) -> dict[str, str]:
    """Run several ``nnstudio`` commands, each in its own fresh process (side by side), and return their
    standard output by key; each must exit 0."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "QT_QPA_PLATFORM": "offscreen"}
    running = {key: subprocess.Popen([sys.executable, "-m", "nnstudio", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
               for key, (args, cwd) in commands.items()}
    out = {}
    try:
        for key, proc in running.items():
            stdout, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 0, (key, stderr[-2000:])
            out[key] = stdout
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return out


CLI_PROJECTS = ("small_cnn", "autoencoder")  # a classification and a regression project


def test_train_save_then_evaluate_in_fresh_processes_matches_this_process(tmp_path):
    projects = {}
    for name in CLI_PROJECTS:
        (tmp_path / name).mkdir()
        projects[name] = TEMPLATES[name].project()
        projects[name].training.device = "cpu"
        save_project(projects[name], tmp_path / name / "project.json")
    train_args = ["train", "project.json", "--epochs", "1", "--save", "trained.nnstudio", "--json"]
    trained = _cli_all({name: (train_args, tmp_path / name) for name in CLI_PROJECTS})
    evaluated = _cli_all({name: (["evaluate", "trained.nnstudio", "--json"], tmp_path / name) for name in CLI_PROJECTS})

    for name, project in projects.items():
        summary = json.loads(trained[name].strip().splitlines()[-1])
        report = json.loads(evaluated[name])
        model, history = _train_in_process(project)
        expected = evaluate(model, load_model(project, load_weights=False).bundle).to_dict()
        _same(report, expected)
        assert summary["epochs"] == 1
        assert summary["val_loss"] == pytest.approx(history["val_loss"][-1], rel=1e-6)
        key = "val_accuracy" if "val_accuracy" in history else "val_rmse"
        assert summary[key] == pytest.approx(history[key][-1], rel=1e-6)
        saved = load_project(tmp_path / name / "trained.nnstudio")
        assert saved.history["val_loss"] == pytest.approx(history["val_loss"])
        for k, v in project.weights.items():
            np.testing.assert_allclose(saved.weights[k].numpy(), v.numpy(), rtol=1e-6, atol=1e-7, err_msg=f"{name} {k}")
