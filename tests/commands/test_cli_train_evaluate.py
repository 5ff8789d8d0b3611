"""The headless CLI: exit codes, the JSON line, --save then reopen."""

import json
import subprocess
import sys

import pytest

from nnstudio.cli import main
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.project.spec import default_project


def _last_json(capsys):
    out = capsys.readouterr().out.strip().splitlines()
    return json.loads(out[-1])


def test_train_demo_json_line(capsys):
    assert main(["train", "--demo", "--epochs", "2", "--json"]) == 0
    summary = _last_json(capsys)
    assert summary["epochs"] == 2
    assert {"train_loss", "val_loss", "epochs", "seconds", "val_accuracy"} <= set(summary)
    assert 0 <= summary["val_accuracy"] <= 1


def test_train_regression_reports_rmse(tmp_path, capsys):
    project = default_project()
    project.data.source, project.data.params = "sine", {}
    project.architecture.layers = project.architecture.layers[1:]
    project.architecture.layers[0].params["in_features"] = 1
    project.architecture.layers[-1].params["out_features"] = 1
    project.training.loss = "mse"
    project.training.loss_params = {"one_hot": True}
    path = tmp_path / "sine.json"
    save_project(project, path)
    assert main(["train", str(path), "--epochs", "1", "--json"]) == 0
    summary = _last_json(capsys)
    assert "val_rmse" in summary and "val_accuracy" not in summary


def test_save_writes_weights_back_and_reopens(tmp_path, capsys):
    path = tmp_path / "p.nnstudio"
    save_project(default_project(), path)
    assert load_project(path).weights is None
    assert main(["train", str(path), "--epochs", "1", "--save", "--json"]) == 0
    project = load_project(path)
    assert project.weights and len(project.history["train_loss"]) == 1


def test_json_input_needs_explicit_save_target(tmp_path, capsys):
    spec = tmp_path / "p.json"
    save_project(default_project(), spec)
    assert main(["train", str(spec), "--epochs", "1", "--save"]) == 2
    assert "--save OUT.nnstudio" in capsys.readouterr().err
    out = tmp_path / "trained.nnstudio"
    assert main(["train", str(spec), "--epochs", "1", "--save", str(out)]) == 0
    assert load_project(out).weights


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "missing.nnstudio"], "does not exist"),
        (["train"], "no project given"),
        (["train", "--demo", "--epochs", "0"], "--epochs must be at least 1"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_bad_file_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.nnstudio"
    bad.write_text("garbage")
    out = subprocess.run([sys.executable, "-m", "nnstudio", "train", str(bad)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "not an nnstudio project" in out.stderr and "Traceback" not in out.stderr


def test_unknown_option_exits_2(capsys):
    with pytest.raises(SystemExit, match="^2$") as info:
        main(["train", "--demo", "--bogus"])
    assert info.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
