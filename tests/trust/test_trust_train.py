"""Trust catalogue for ``nnstudio train`` (and the CLI's exits): each bad input, its exit code, its words.

Also: a run that diverges says so and exits 1 reporting the project's task; a reader that closes the pipe
early (``nnstudio ... | head``) ends the command quietly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from trust_cases import Case, check_case, run_cli


def diverging_project(tmp: Path) -> Path:
    """A classification project that blows up in its first epoch: huge inputs, no scaling, SGD at lr 10."""
    rows = ["a,b,label"] + [f"{(i % 7) * 1e30},{(i % 5) * 1e30},{'yes' if i % 2 else 'no'}" for i in range(40)]
    (tmp / "big.csv").write_text("\n".join(rows) + "\n")
    project = {
        "format": "nnstudio-project", "name": "diverges",
        "architecture": {"name": "lin", "layers": [{"kind": "linear", "params": {"in_features": 2, "out_features": 2}}]},
        "data": {"source": "csv", "params": {"path": "big.csv", "target": "label", "task": "classification"},
                 "preprocessing": [], "split": {"validation": 0.2, "test": 0.2, "stratify": True}, "seed": 0},
        "training": {"loss": "cross_entropy", "optimizer": "sgd", "lr": 10.0, "batch_size": 8, "epochs": 2, "seed": 0},
    }
    path = tmp / "div.json"
    path.write_text(json.dumps(project))
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def missing(tmp: Path) -> str:
    """A project that does not exist: the bound on --epochs must be checked before anything is read or trained."""
    return str(tmp / "missing.nnstudio")


CASES = [
    Case("epochs above the project field's bound", lambda t: ["train", missing(t), "--epochs", "100001"], 2,
         ("--epochs must be at most 100000", "got 100001")),
    Case("epochs astronomically large", lambda t: ["train", missing(t), "--epochs", str(10**30)], 2, ("at most 100000",)),
    Case("epochs above the bound with --save", lambda t: ["train", missing(t), "--epochs", "200000", "--save"], 2,
         ("at most 100000",)),
    Case("epochs zero", lambda t: ["train", "--demo", "--epochs", "0"], 2, ("--epochs must be at least 1",)),
    Case("epochs negative", lambda t: ["train", "--demo", "--epochs", "-5"], 2, ("at least 1", "got -5")),
    Case("epochs not a number", lambda t: ["train", "--demo", "--epochs", "many"], 2, ("--epochs", "invalid int")),
    Case("epochs checked before the project is read", lambda t: ["train", missing(t), "--epochs", "0"], 2,
         ("at least 1",)),
    Case("save target not a project file", lambda t: ["train", "--demo", "--epochs", "1", "--save", str(t / "out.txt")], 2,
         ("--save needs a .nnstudio file name",)),
    Case("save into a folder that does not exist",
         lambda t: ["train", missing(t), "--epochs", "1", "--save", str(t / "nowhere" / "out.nnstudio")], 2,
         ("--save", "nowhere", "does not exist; create it")),
    Case("save onto a folder", lambda t: ["train", missing(t), "--save", str(_folder(t / "dir.nnstudio"))], 2,
         ("is a folder; give a file name inside it",)),
    Case("save without any project", lambda t: ["train", "--save"], 2, ("no project given",)),
    Case("save back into a .json project", lambda t: ["train", str(diverging_project(t)), "--save"], 2,
         ("give --save OUT.nnstudio",)),
    Case("a run that diverges", lambda t: ["train", str(diverging_project(t)), "--json"], 1,
         ("the loss became nan in epoch 1", "try a lower learning rate", "no epoch had finished")),
    Case("a run that diverges at once saves nothing",
         lambda t: ["train", str(diverging_project(t)), "--save", str(t / "out.nnstudio")], 1,
         ("the loss became nan", "nothing was saved")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_train_refuses_clearly(case: Case, tmp_path, capsys):
    check_case(case, tmp_path, capsys)


def test_diverged_classification_reports_the_projects_task(tmp_path, capsys):
    code, out, err = run_cli(["train", str(diverging_project(tmp_path)), "--json", "--save", str(tmp_path / "o.nnstudio")], capsys)
    assert code == 1
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "diverged" and summary["epochs"] == 0
    assert summary["task"] == "classification"  # not guessed from an empty history
    assert "val_accuracy" in summary and "val_rmse" not in summary
    assert "saved" not in summary and not (tmp_path / "o.nnstudio").exists()
    assert err.count("\n") == 1 and "unexpected error" not in err


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(tmp_path):
    """``nnstudio info --list layers | head -0``: the reader is gone before the first write."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader closes early: every write now fails with EPIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "nnstudio", "info", "--list", "layers"], stdout=write_end,
            stderr=subprocess.PIPE, text=True, timeout=120, cwd=tmp_path,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == ""  # no "unexpected error: BrokenPipeError", no "Exception ignored"
    assert proc.returncode == 141  # 128 + SIGPIPE, as a shell reports a writer the pipe closed on
