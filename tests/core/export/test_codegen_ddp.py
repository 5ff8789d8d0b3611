"""``export-code --ddp``: one script that trains under plain python and under torchrun on two processes."""

from __future__ import annotations

import re
import sys

from helpers_torchrun import run_bounded, torchrun

from nnstudio.cli import main
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project

TEST_LINE = re.compile(r"^test loss ([0-9.]+)  test accuracy ([0-9.]+)$", re.MULTILINE)


def test_the_ddp_script_runs_under_python_and_under_torchrun(tmp_path, capsys):
    project = default_project()
    project.training.epochs = 2
    save_project(project, tmp_path / "digits.json")
    assert main(["export-code", str(tmp_path / "digits.json"), "--ddp", "-o", str(tmp_path / "digits.py")]) == 0
    script = (tmp_path / "digits.py").read_text()
    assert "torchrun --standalone --nproc-per-node N digits.py" in script  # the docstring says how

    alone = run_bounded([sys.executable, "digits.py"], tmp_path)
    assert alone.returncode == 0, alone.stderr[-1500:]
    shared = torchrun(["digits.py"], tmp_path)
    assert shared.returncode == 0, shared.stderr[-1500:]
    # Two processes, one report: only the first process prints, its epochs and its test score once.
    assert len(TEST_LINE.findall(shared.stdout)) == 1, shared.stdout
    assert shared.stdout.count("epoch   2/2") == 1
    (loss_1, acc_1), (loss_2, acc_2) = TEST_LINE.findall(alone.stdout)[0], TEST_LINE.findall(shared.stdout)[0]
    # The same global batch and the same starting weights: the two runs learn (nearly) the same network.
    assert abs(float(acc_1) - float(acc_2)) <= 0.02 and abs(float(loss_1) - float(loss_2)) < 0.05


def test_ddp_and_exact_together_are_refused(tmp_path, capsys):
    save_project(default_project(), tmp_path / "p.json")
    assert main(["export-code", str(tmp_path / "p.json"), "--ddp", "--exact", "-o", str(tmp_path / "p.py")]) == 2
    assert "drop --exact or --ddp" in capsys.readouterr().err
    assert not (tmp_path / "p.py").exists()
