"""Recovery copies: written atomically, found after an unclean exit, removed after a clean one."""

import os
import subprocess
import sys

import torch

from nnstudio.core.project.recovery import RecoveryStore
from nnstudio.core.project.spec import default_project


def test_copy_of_a_live_process_is_not_offered_and_discard_removes_it(tmp_path):
    store = RecoveryStore(tmp_path)
    project = default_project()
    store.save(project, None)
    assert store.path.exists() and store.path.with_suffix(".json").exists()
    assert store.leftovers() == []  # our own
    assert RecoveryStore(tmp_path, pid=os.getpid() + 10_000_000).leftovers() == []  # we are alive: not an unclean exit
    store.discard()
    assert list(tmp_path.iterdir()) == []


def test_copy_of_a_dead_process_is_offered_and_restores(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    crashed = RecoveryStore(tmp_path, pid=pid)
    project = default_project()
    project.name = "afternoon work"
    project.weights = {"w": torch.arange(4.0)}
    crashed.save(project, tmp_path / "lesson.nnstudio")

    store = RecoveryStore(tmp_path)
    (entry,) = store.leftovers()
    assert entry.pid == pid and entry.source == tmp_path / "lesson.nnstudio"
    assert "afternoon work (from lesson.nnstudio)" in entry.describe()
    restored = store.restore(entry)
    assert restored.name == "afternoon work" and torch.equal(restored.weights["w"], torch.arange(4.0))
    store.remove(entry)
    assert store.leftovers() == [] and list(tmp_path.iterdir()) == []


def test_copy_without_its_note_is_still_offered(tmp_path):
    RecoveryStore(tmp_path, pid=2**22 + 12345).save(default_project(), None)
    (tmp_path / f"recovery-{2**22 + 12345}.json").write_text("{broken")
    (entry,) = RecoveryStore(tmp_path).leftovers()
    assert entry.source is None and entry.name == "Unsaved project"
    assert (tmp_path / "recovery-notanumber.nnstudio").write_bytes(b"x") and len(RecoveryStore(tmp_path).leftovers()) == 1
