"""Saving is atomic: a save killed halfway leaves the previous file exactly as it was."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from nnstudio.core.base.errors import ProjectFileError
from nnstudio.core.project.file_format import CRASH_HOOK_ENV, load_project, save_project
from nnstudio.core.project.spec import default_project

SAVER = """
import sys, torch
from nnstudio.core.project.spec import default_project
from nnstudio.core.project.file_format import save_project
project = default_project()
project.name = "second version"
project.weights = {"w": torch.ones(300, 300)}
save_project(project, sys.argv[1])
print("finished")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_save_killed_after_a_partial_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "work.nnstudio"
    first = default_project()
    first.name = "first version"
    first.weights = {"w": torch.zeros(300, 300)}
    save_project(first, path)
    before = path.read_bytes()

    marker = tmp_path / "reached-hook"
    env = {**os.environ, CRASH_HOOK_ENV: str(marker)}
    proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the saving process never reached the hook"
            time.sleep(0.05)
        # The temp file beside the project holds part of the new version right now.
        partial = [p for p in tmp_path.iterdir() if p.name.startswith(".work.nnstudio.") and p.name.endswith(".part")]
        assert len(partial) == 1 and 0 < partial[0].stat().st_size == int(marker.read_text())
        assert path.read_bytes() == before
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    assert path.read_bytes() == before
    reopened = load_project(path)
    assert reopened.name == "first version" and torch.equal(reopened.weights["w"], torch.zeros(300, 300))


def test_a_save_that_fails_leaves_no_temp_file_and_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "work.nnstudio"
    save_project(default_project(), path)
    before = path.read_bytes()
    broken = default_project()
    broken.weights = {"w": torch.zeros(2)}

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("safetensors.torch.save", explode)
    with pytest.raises(ProjectFileError, match="No space left on device"):
        save_project(broken, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work.nnstudio"]


def test_save_keeps_file_permissions_and_reports_unwritable_folders(tmp_path):
    path = tmp_path / "p.nnstudio"
    save_project(default_project(), path)
    os.chmod(path, 0o640)
    save_project(default_project(), path)
    assert path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(ProjectFileError, match="choose another folder"):
        save_project(default_project(), tmp_path / "no" / "such" / "folder" / "p.nnstudio")
