"""`nnstudio train` uses the project's training settings and shows a progress bar unless --json."""

from __future__ import annotations

import json
import math

from nnstudio.cli import main
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.project.spec import default_project


def test_progress_bar_on_stderr_and_plain_summary(capsys):
    assert main(["train", "--demo", "--epochs", "1"]) == 0
    captured = capsys.readouterr()
    batches = math.ceil(1257 / default_project().training.batch_size)  # 70% of the 1,797 digits train
    assert f"{batches}/{batches}" in captured.err and "100%" in captured.err and "batch" in captured.err
    assert "val_accuracy" in captured.err  # the epoch's numbers beside the bar
    assert captured.out.startswith("completed: 1 epochs")


def test_json_mode_has_no_bar_and_settings_come_from_the_project(tmp_path, capsys):
    project = default_project()
    training = project.training
    training.schedule, training.schedule_params = "step", {"step_size": 1, "gamma": 0.5}
    training.optimizer, training.optimizer_params = "adamw", {}
    training.grad_clip = 1.0
    path = tmp_path / "p.nnstudio"
    save_project(project, path)
    assert main(["train", str(path), "--epochs", "3", "--save", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert json.loads(captured.out.strip().splitlines()[-1])["epochs"] == 3
    saved = load_project(path)
    assert saved.history["lr"] == [training.lr, training.lr / 2, training.lr / 4]
    assert saved.training.optimizer == "adamw" and saved.training.grad_clip == 1.0
