"""Ctrl-C or SIGTERM during ``nnstudio train --save`` keeps every finished epoch, in a real subprocess.

The run is started with far more epochs than it will get; once the progress bar shows a finished epoch's
numbers (``val_loss=``), the signal is sent. The command must stop at the next batch, save the last whole
epoch's weights and history, print one line of its own and exit 128 + the signal.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from repo_paths import EXAMPLES

from nnstudio.core.project.file_format import load_project
from nnstudio.core.workspace.session import train_project

EXAMPLE = EXAMPLES / "csv_example"
WAIT_S = 120  # generous bounds for a loaded machine; the test never asserts on time itself


class Run:
    """One ``train --save`` subprocess in its own folder, its output in files (no reader threads)."""

    def __init__(self, folder: Path, signum: int) -> None:
        folder.mkdir()
        for name in ("exam.csv", "exam.json"):
            shutil.copy(EXAMPLE / name, folder / name)
        self.folder, self.signum, self.signalled = folder, signum, False
        self.out, self.err_path, self.out_path = folder / "out.nnstudio", folder / "stderr.txt", folder / "stdout.txt"
        with self.err_path.open("w") as err, self.out_path.open("w") as stdout:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "nnstudio", "train", "exam.json", "--epochs", "100000", "--save", str(self.out)],
                cwd=folder, stdout=stdout, stderr=err, env={**os.environ, "COLUMNS": "100"},
            )

    def poll(self) -> bool:
        """Send the signal once epoch 1's numbers are beside the bar; True once the process has ended."""
        if self.proc.poll() is not None:
            return True
        if not self.signalled and "val_loss=" in self.err_path.read_text(errors="replace"):
            self.proc.send_signal(self.signum)
            self.signalled = True
        return False


def test_interrupted_train_saves_its_finished_epochs(tmp_path):
    """SIGTERM exits 143 and SIGINT (Ctrl-C) 130; both runs go side by side to halve the wait."""
    runs = [Run(tmp_path / "term", signal.SIGTERM), Run(tmp_path / "int", signal.SIGINT)]
    deadline = time.monotonic() + WAIT_S
    try:
        while not all([run.poll() for run in runs]):
            assert time.monotonic() < deadline, [r.err_path.read_text()[-300:] for r in runs]
            time.sleep(0.1)
    finally:
        for run in runs:
            if run.proc.poll() is None:
                run.proc.kill()
            run.proc.wait()
    for run in runs:
        assert run.signalled, f"train ended before its first epoch: {run.err_path.read_text()[-800:]}"
        check_interrupted(run)


def check_interrupted(run: Run) -> None:
    stderr, out, signum = run.err_path.read_text(), run.out, run.signum
    assert run.proc.returncode == 128 + signum, stderr[-800:]
    ours = [line for line in stderr.split("\n") if "nnstudio train:" in line]
    assert len(ours) == 1, ours
    line = ours[0]
    assert line.startswith("nnstudio train: stopped by " + signal.Signals(signum).name), repr(line)  # not glued to the bar
    assert line.endswith(f"saved to {out}"), line
    assert "Traceback" not in stderr and "unexpected error" not in stderr
    assert run.out_path.read_text() == ""
    epochs = int(re.search(r"after (\d+) finished epoch", line).group(1))
    assert epochs >= 1

    saved = load_project(out)
    assert len(saved.history["epoch"]) == epochs and saved.history["epoch"][-1] == float(epochs)
    assert saved.weights and saved.fitted_preprocessing is not None
    # The weights are those of the last whole epoch: the same as a run of exactly that many epochs.
    reference = load_project(run.folder / "exam.json")
    train_project(reference, epochs=epochs, base_dir=run.folder)
    assert reference.history["train_loss"] == pytest.approx(saved.history["train_loss"], rel=1e-4)
    for key, value in reference.weights.items():
        torch.testing.assert_close(saved.weights[key], value, rtol=1e-4, atol=1e-5)
