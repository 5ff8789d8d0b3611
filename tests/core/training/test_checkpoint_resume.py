"""Resumable checkpoints: a 6-epoch run interrupted after epoch 3 and resumed from its checkpoint ends with the
weights (within 1e-6) and the history of an uninterrupted 6-epoch run. Dropout, shuffling, a step LR schedule
and the optimizer's state (Adam, the default, and SGD with momentum) all have to carry over for that.

One run is stopped through the control in-process; another is a real ``nnstudio train`` subprocess killed with
SIGKILL while it waits after epoch 3's checkpoint, then resumed with ``nnstudio train OUT --resume``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from helpers_checkpoints import assert_same_run, exam_folder
from repo_paths import ROOT

from nnstudio.cli import main
from nnstudio.core.project.file_format import load_project
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import COMPLETED, STOPPED
from nnstudio.core.workspace.checkpoints import INDEX, CheckpointError, folder_for, read_checkpoint
from nnstudio.core.workspace.run_session import RunSession

WAIT_S = 120  # a bound for a loaded machine; never asserted as a time


class StopAfter(Callback):
    def __init__(self, control: TrainingControl, epoch: int) -> None:
        self.control, self.epoch = control, epoch

    def on_epoch_end(self, state, metrics) -> None:
        if state.epoch == self.epoch:
            self.control.request_stop()


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_stopped_and_resumed_run_equals_the_uninterrupted_one(tmp_path, optimizer):
    path = exam_folder(tmp_path, optimizer)
    reference = RunSession.fresh(load_project(path), tmp_path)
    assert reference.fit().epochs == 6

    folder = tmp_path / "checkpoints"
    first = RunSession.fresh(load_project(path), tmp_path)
    first.checkpoint_into(folder, 1)
    control = TrainingControl()
    stopped = first.fit([StopAfter(control, 3)], control)
    assert (stopped.status, stopped.epochs) == (STOPPED, 3)
    assert sorted(p.name for p in folder.iterdir()) == [INDEX, "epoch-00003.safetensors"]  # safetensors + JSON only
    # Whatever this process draws meanwhile must not matter: the checkpoint carries the RNG states.
    torch.rand(100), np.random.rand(10), random.random()

    resumed = RunSession.resume(load_project(path), folder, tmp_path)
    assert resumed.trainer.epochs_done == 3 and resumed.target_epochs == 6
    result = resumed.fit()
    assert (result.status, result.epochs) == (COMPLETED, 6)
    assert_same_run(resumed.weights(), reference.weights(), resumed.history(), reference.history())
    with pytest.raises(CheckpointError, match="no checkpoint to resume"):  # a finished run leaves nothing to resume
        read_checkpoint(folder)


KILLABLE = """
import sys, time
from pathlib import Path
from nnstudio.core.workspace import run_session

write = run_session.RunSession._after_epoch

def after_epoch(self, state):  # the real checkpoint, then a wait for the test's SIGKILL
    write(self, state)
    if state.epoch == 3:
        Path("after-epoch-3").touch()
        time.sleep(600)

run_session.RunSession._after_epoch = after_epoch
from nnstudio.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_killed_subprocess_resumes_to_the_uninterrupted_result(tmp_path, capsys):
    exam_folder(tmp_path)
    out = tmp_path / "out.nnstudio"
    with (tmp_path / "stderr.txt").open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLABLE, "train", "exam.json", "--save", str(out), "--checkpoint-every", "1", "--json"],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    try:
        deadline = time.monotonic() + WAIT_S
        while not (tmp_path / "after-epoch-3").exists():
            assert proc.poll() is None, (tmp_path / "stderr.txt").read_text()[-800:]
            assert time.monotonic() < deadline, "the run never reached epoch 3"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=WAIT_S) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    killed = load_project(out)  # the killed run left a valid project: its last checkpoint's epochs
    assert killed.history["epoch"] == [1.0, 2.0, 3.0] and killed.weights and killed.fitted_preprocessing is not None
    assert read_checkpoint(folder_for(out)).epoch == 3

    assert main(["train", str(out), "--resume", "--json"]) == 0
    assert main(["train", str(tmp_path / "exam.json"), "--save", str(tmp_path / "ref.nnstudio"), "--json"]) == 0
    capsys.readouterr()
    resumed, reference = load_project(out), load_project(tmp_path / "ref.nnstudio")
    assert_same_run(resumed.weights, reference.weights, resumed.history, reference.history)
    assert not folder_for(out).exists()  # finished: nothing left to resume

    assert main(["train", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nnstudio train: there is no checkpoint to resume"), err
