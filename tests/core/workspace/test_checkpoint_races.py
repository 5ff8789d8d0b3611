"""A checkpoint folder that a live run keeps rewriting: a reader that catches it between the index and the
tensors file reads the newer checkpoint, and a writer whose tensors file another writer removed does not crash
with FileNotFoundError; what cannot be read is refused in words (CheckpointError), never an unexpected error."""

from __future__ import annotations

import json

import pytest
import torch

from nnstudio.core.workspace import checkpoints
from nnstudio.core.workspace.checkpoints import CheckpointError, read_checkpoint, write_checkpoint


def _write(folder, epoch: int) -> None:
    write_checkpoint(folder, {"epochs_done": epoch, "w": torch.full((3,), float(epoch))},
                     target_epochs=9, every=1, training={}, fingerprint="f")


def test_a_checkpoint_replaced_between_index_and_tensors_is_read_anew(tmp_path, monkeypatch):
    _write(tmp_path, 2)
    loads, replaced = json.loads, []

    def live_run_commits_meanwhile(text, *args, **kwargs):
        if not replaced:  # the live run writes epoch 3 (removing epoch 2's tensors) after this index was read
            replaced.append(True)
            _write(tmp_path, 3)
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(checkpoints.json, "loads", live_run_commits_meanwhile)
    checkpoint = read_checkpoint(tmp_path)
    assert replaced and checkpoint.epoch == 3
    assert checkpoint.state["w"].tolist() == [3.0, 3.0, 3.0]


def test_a_tensors_file_removed_by_another_writer_is_refused_in_words(tmp_path, monkeypatch):
    save = checkpoints.atomic_save

    def another_writer_cleans_up(path, *args, **kwargs):
        save(path, *args, **kwargs)
        if path.suffix == ".safetensors":
            path.unlink()  # a second run writing here removes every tensors file but its own

    monkeypatch.setattr(checkpoints, "atomic_save", another_writer_cleans_up)
    _write(tmp_path, 4)  # before: FileNotFoundError from re-reading the file just written
    with pytest.raises(CheckpointError) as info:
        read_checkpoint(tmp_path)
    assert str(info.value) == (f"epoch-00004.safetensors, which {checkpoints.INDEX} names, is missing from {tmp_path} "
                               "(another run may be writing into this folder); let it finish, then resume, or train again")


def test_an_index_removed_before_it_is_read_means_no_checkpoint(tmp_path, monkeypatch):
    _write(tmp_path, 2)
    read_bytes = type(tmp_path).read_bytes

    def finished_meanwhile(path):
        if path.name == checkpoints.INDEX:
            checkpoints.remove_checkpoints(tmp_path)  # the live run reached its end and removed its checkpoints
        return read_bytes(path)

    monkeypatch.setattr(type(tmp_path), "read_bytes", finished_meanwhile)
    with pytest.raises(CheckpointError, match="^there is no checkpoint to resume"):
        read_checkpoint(tmp_path)
