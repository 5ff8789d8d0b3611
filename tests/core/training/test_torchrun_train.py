"""``torchrun -m nnstudio train``: the digits demo on two CPU processes, as CI runs it.

Each test starts torchrun (``python -m torch.distributed.run --standalone --nproc-per-node 2``) in its own
process group with a timeout, so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import json

import pytest
from helpers_torchrun import torchrun

from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.training.distributed import FAIL_RANK_ENV
from nnstudio.core.workspace.session import train_project

EPOCHS = 4


@pytest.fixture(scope="module")
def single_process() -> dict[str, list[float]]:
    """The reference: the same project, the same global batch, in this one process."""
    project = _digits()
    train_project(project)
    return project.history


def _digits(**training) -> object:
    project = default_project()
    project.training.epochs, project.training.device = EPOCHS, "cpu"
    for name, value in training.items():
        setattr(project.training, name, value)
    return project


def _write(tmp_path, **training) -> str:
    save_project(_digits(**training), tmp_path / "digits.json")
    return "digits.json"


def _ours(stderr: str) -> list[str]:
    """nnstudio's own lines; a rank's line may follow another rank's unfinished progress bar on the same line."""
    return ["nnstudio train:" + part.split("\r")[0] for line in stderr.splitlines()
            for part in line.split("nnstudio train:")[1:]]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """The digits demo trained by two processes, uninterrupted: (torchrun's outcome, its folder)."""
    folder = tmp_path_factory.mktemp("two")
    done = torchrun(["-m", "nnstudio", "train", _write(folder), "--save", "out.nnstudio", "--json"], folder)
    return done, folder


def test_two_processes_train_the_digits_like_one(two_processes, single_process):
    done, tmp_path = two_processes
    assert done.returncode == 0, done.stderr[-3000:]
    # Only rank 0 prints: one summary line, and no progress bar from the other rank.
    summaries = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1, done.stdout
    summary = summaries[0]
    assert summary["status"] == "completed" and summary["epochs"] == EPOCHS
    saved = load_project(tmp_path / "out.nnstudio")  # the project rank 0 saved reopens
    assert saved.weights and len(saved.history["epoch"]) == EPOCHS
    assert saved.history["val_accuracy"][-1] == pytest.approx(summary["val_accuracy"])
    # The same global batch of 64: the two-process run learns what the single process learns, within 1 point.
    assert abs(saved.history["val_accuracy"][-1] - single_process["val_accuracy"][-1]) <= 0.01
    assert abs(saved.history["train_loss"][-1] - single_process["train_loss"][-1]) < 0.02


def test_a_failing_rank_ends_the_job_with_its_message(tmp_path):
    """Rank 1 raises at the end of epoch 1 of a 200-epoch run: the job ends (no rank waits forever) and says why."""
    done = torchrun(["-m", "nnstudio", "train", _write(tmp_path, epochs=200), "--save", "out.nnstudio"], tmp_path,
                    env={FAIL_RANK_ENV: "1"})
    assert done.returncode != 0
    lines = _ours(done.stderr)
    assert "nnstudio train: rank 1 failed on purpose at the end of epoch 1 (NNSTUDIO_TEST_FAIL_RANK is set)" in lines
    # Rank 0 says why it stopped in words, not as the backend's socket error (or torchrun ended it first).
    assert all("Connection closed" not in line and "unexpected error" not in line for line in lines), lines
    assert set(lines) <= {lines[0], "nnstudio train: rank 0 stopped because another process of this torchrun job "
                                    "failed; that process's own message says why"}, lines
    assert not (tmp_path / "out.nnstudio").exists()  # no epoch was finished by every rank, nothing saved


def test_a_restarted_job_resumes_from_its_last_checkpoint(tmp_path, two_processes):
    """Rank 1 is killed (SIGKILL) at the end of epoch 3, after epoch 2's checkpoint; torchrun (--max-restarts 1)
    starts the job again, which resumes that checkpoint and ends exactly where the uninterrupted run ended."""
    done = torchrun(["-m", "nnstudio", "train", _write(tmp_path), "--save", "out.nnstudio", "--checkpoint-every", "1",
                     "--json"], tmp_path, env={FAIL_RANK_ENV: "kill:1@3"}, max_restarts=1)
    assert done.returncode == 0, done.stderr[-3000:]
    assert ("nnstudio train: note: torchrun restarted the job; resuming out.nnstudio from its checkpoint after "
            "epoch 2 of 4") in _ours(done.stderr)
    resumed = load_project(tmp_path / "out.nnstudio")
    whole = load_project(two_processes[1] / "out.nnstudio")
    assert resumed.history["epoch"] == [1.0, 2.0, 3.0, 4.0]
    for key in ("train_loss", "val_loss", "val_accuracy"):
        assert resumed.history[key] == pytest.approx(whole.history[key], abs=1e-6), key
    for name, tensor in whole.weights.items():
        assert (resumed.weights[name] - tensor).abs().max() <= 1e-6, name
    assert not (tmp_path / "out.nnstudio.checkpoints").exists()  # the run reached its end: nothing left to resume
