"""The Trainer's DistributedDataParallel path in this process: a gloo group of one rank (no torchrun), so the
wrapping, the per-batch agreement and the epoch reductions run here, and must train as a plain run does."""

from __future__ import annotations

import pytest
import torch
import torch.distributed as dist
from helpers_training import blobs_bundle, trainer_for

from nnstudio.core.project.templates import vae_moons
from nnstudio.core.training import distributed
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.distributed import Group, Launch
from nnstudio.core.workspace.session import train_project


@pytest.fixture
def one_rank(tmp_path, monkeypatch):
    """A real gloo process group of world size 1, opened and closed by the test."""
    dist.init_process_group("gloo", store=dist.FileStore(str(tmp_path / "store"), 1), rank=0, world_size=1)
    monkeypatch.setattr(distributed, "_ACTIVE", Group(Launch(0, 0, 1), torch.device("cpu")))
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_a_one_rank_group_trains_as_a_plain_run(one_rank):
    trainer = trainer_for(blobs_bundle(), epochs=3)
    assert isinstance(trainer._net, torch.nn.parallel.DistributedDataParallel)
    seen: list[float] = []
    trainer.fit(3, callbacks=[_BatchLosses(seen)])
    reduced = trainer.history
    distributed._ACTIVE = None  # the same run without the group
    plain_trainer = trainer_for(blobs_bundle(), epochs=3)
    plain_seen: list[float] = []
    plain_trainer.fit(3, callbacks=[_BatchLosses(plain_seen)])
    plain = plain_trainer.history
    assert seen == pytest.approx(plain_seen, abs=1e-6)  # the agreed batch loss is the batch's loss
    for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        assert reduced[key] == pytest.approx(plain[key], abs=1e-6), key


def test_a_loss_with_parts_keeps_them_in_the_history_under_a_group(one_rank):
    """The VAE's reconstruction and KL curves are averaged over the ranks like the loss itself."""
    project = vae_moons()
    project.training.epochs, project.training.device = 2, "cpu"
    train_project(project)
    for key in ("train_recon", "train_kl", "val_recon", "val_kl"):
        assert len(project.history[key]) == 2, key


class _BatchLosses(Callback):
    """Records the loss the loop reports after every batch."""

    def __init__(self, out: list[float]) -> None:
        self.out = out

    def on_batch_end(self, state, loss: float) -> None:
        self.out.append(loss)
