"""``nnstudio train --continue`` adds epochs to the saved run; ``--checkpoint-every``/``--resume`` refuse what
cannot work with one line and exit 2."""

from __future__ import annotations

import json

import pytest
from helpers_checkpoints import exam_folder
from trust_cases import Case, check_case

from nnstudio.cli import main
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.workspace.checkpoints import folder_for
from nnstudio.core.workspace.run_session import RunSession


def test_continue_adds_epochs_to_the_saved_run(tmp_path, capsys):
    path = exam_folder(tmp_path, epochs=8)
    out = tmp_path / "out.nnstudio"
    assert main(["train", str(path), "--save", str(out), "--json"]) == 0
    saved = load_project(out).history
    assert main(["train", str(out), "--continue", "--epochs", "3", "--save", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["epochs"] == 11 and summary["saved"] == str(out)
    history = load_project(out).history
    assert history["epoch"] == [float(e) for e in range(1, 12)]
    assert history["train_loss"][:8] == saved["train_loss"]  # appended, not replaced
    # Epoch 9 starts from the saved weights: its loss is near epoch 8's, far from fresh weights' first epoch.
    last, first_new, fresh = saved["train_loss"][-1], history["train_loss"][8], saved["train_loss"][0]
    assert abs(first_new - last) < 0.25 * abs(fresh - last), (fresh, last, first_new)


def _trained(tmp_path):
    """exam.json trained for 2 epochs into out.nnstudio, without checkpoints."""
    path = exam_folder(tmp_path, epochs=2)
    out = tmp_path / "out.nnstudio"
    assert main(["train", str(path), "--save", str(out), "--json"]) == 0
    return out


def _with_checkpoint(tmp_path):
    """out.nnstudio as a 3-epoch run stopped right after its checkpoint of epoch 2 leaves it."""
    path = exam_folder(tmp_path, epochs=3)
    out = tmp_path / "out.nnstudio"
    session = RunSession.fresh(load_project(path), tmp_path)
    session.save_with_checkpoints(out, 2)
    session.trainer.after_epoch.append(lambda state: state.epoch == 2 and session.control.request_stop())
    assert session.fit().epochs == 2 and folder_for(out).is_dir()
    return out


def _damaged(tmp_path):
    out = _with_checkpoint(tmp_path)
    tensors = next(folder_for(out).glob("epoch-*.safetensors"))
    tensors.write_bytes(tensors.read_bytes()[:-10] + b"0123456789")
    return ["train", str(out), "--resume"]


def _other_network(tmp_path):
    out = _with_checkpoint(tmp_path)
    project = load_project(out)
    project.architecture.layers[0].params["out_features"] = 8
    project.weights = None
    save_project(project, out)
    return ["train", str(out), "--resume"]


def _exam(tmp_path):
    return str(exam_folder(tmp_path))


CASES = [
    Case("checkpoint every zero", lambda t: ["train", _exam(t), "--save", str(t / "o.nnstudio"), "--checkpoint-every", "0"],
         2, ("--checkpoint-every must be at least 1",)),
    Case("checkpoint without save", lambda t: ["train", _exam(t), "--checkpoint-every", "2"], 2, ("needs --save",)),
    Case("checkpoint never reached", lambda t: ["train", _exam(t), "--epochs", "3", "--save", str(t / "o.nnstudio"),
                                               "--checkpoint-every", "5"], 2, ("writes no checkpoint", "at most 3")),
    Case("resume with nothing to resume", lambda t: ["train", str(_trained(t)), "--resume"], 2,
         ("no checkpoint to resume", "--checkpoint-every")),
    Case("resume a json project", lambda t: ["train", _exam(t), "--resume"], 2, ("--resume needs the .nnstudio file",)),
    Case("resume with epochs", lambda t: ["train", str(t / "o.nnstudio"), "--resume", "--epochs", "3"], 2,
         ("--resume cannot go with --epochs",)),
    Case("resume with continue", lambda t: ["train", str(t / "o.nnstudio"), "--resume", "--continue"], 2,
         ("--resume cannot go with --continue",)),
    Case("continue without weights", lambda t: ["train", _exam(t), "--continue"], 2, ("no trained weights to continue",)),
    Case("damaged checkpoint", _damaged, 2, ("damaged", "train again")),
    Case("checkpoint of another network", _other_network, 2, ("another network", "train again")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_run_options_are_refused_in_one_line(case, tmp_path, capsys):
    err = check_case(case, tmp_path, capsys)
    assert err.count("\n") == 1 and err.startswith("nnstudio train: "), err


def test_resume_after_a_stop_finishes_the_planned_epochs(tmp_path, capsys):
    out = _with_checkpoint(tmp_path)
    assert load_project(out).history["epoch"] == [1.0, 2.0]  # the file was written at the checkpoint
    assert main(["train", str(out), "--resume", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["epochs"] == 3
    assert load_project(out).history["epoch"] == [1.0, 2.0, 3.0]
    assert not folder_for(out).exists()
