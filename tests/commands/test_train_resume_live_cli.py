"""``nnstudio train OUT --resume`` while the run that writes OUT's checkpoints is still going: refused in one line
(exit 2), the live run's checkpoint and lock left as they were; once that run has ended, the resume goes ahead."""

from __future__ import annotations

import json

from helpers_checkpoints import exam_folder

from nnstudio.cli import main
from nnstudio.core.project.file_format import load_project
from nnstudio.core.workspace.checkpoints import INDEX, LOCK, folder_for, read_checkpoint, writer_lock
from nnstudio.core.workspace.run_session import RunSession


def test_resume_while_the_run_still_writes_its_checkpoints_is_refused(tmp_path, capsys):
    path = exam_folder(tmp_path, epochs=3)
    out = tmp_path / "out.nnstudio"
    folder = folder_for(out)
    with writer_lock(folder):  # the live run (this test) holds its folder while it trains
        session = RunSession.fresh(load_project(path), tmp_path)
        session.save_with_checkpoints(out, 1)
        session.trainer.after_epoch.append(lambda state: state.epoch == 2 and session.control.request_stop())
        assert session.fit().epochs == 2
        for _ in range(2):  # refused each time: the refusal does not take the lock away
            assert main(["train", str(out), "--resume"]) == 2
            err = capsys.readouterr().err
            assert err == (f"nnstudio train: another nnstudio run is still writing checkpoints into {folder}; "
                           "let it finish (or stop it), then resume\n")
        assert read_checkpoint(folder).epoch == 2 and (folder / LOCK).exists()
        assert sorted(p.name for p in folder.iterdir()) == [INDEX, "epoch-00002.safetensors", LOCK]
    assert main(["train", str(out), "--resume", "--json"]) == 0  # that run has ended: carried on to epoch 3
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["epochs"] == 3
    assert not folder.exists()  # finished: checkpoints and lock removed
