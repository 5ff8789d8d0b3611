"""How an epoch's global batches are split between torchrun's ranks, checked without starting processes."""

from __future__ import annotations

import pytest
import torch
from helpers_training import blobs_bundle, trainer_for

from nnstudio.core.base.errors import TrainingError
from nnstudio.core.training import distributed
from nnstudio.core.training.distributed import (
    Group,
    Launch,
    batch_problem,
    detect,
    is_main,
    local_order,
    shard_sizes,
)

CASES = [(1257, 64, 2), (1257, 32, 4), (100, 10, 2), (65, 64, 2), (7, 4, 2), (96, 96, 3), (10, 2, 2)]


@pytest.mark.parametrize(("n", "batch", "world"), CASES)
def test_shards_are_disjoint_cover_the_epoch_and_match_the_global_batches(n, batch, world):
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(n))
    shards = [local_order(perm, batch, world, rank) for rank in range(world)]
    rows, step = shard_sizes(n, batch, world)
    used = n - n % world  # at most world - 1 examples of each epoch's order are left out
    assert n - used < world
    assert all(len(s) == rows for s in shards)
    assert step * world == batch
    together = torch.cat(shards)
    assert len(set(together.tolist())) == len(together) == used  # disjoint
    assert set(together.tolist()) == set(perm[:used].tolist())  # covering
    # Step by step: every rank takes the same number of examples, and together they are the global batch
    # a single process would take at that step, in the same order.
    for k, start in enumerate(range(0, rows, step)):
        pieces = [s[start : start + step] for s in shards]
        assert len({len(p) for p in pieces}) == 1, (k, [len(p) for p in pieces])
        assert torch.equal(torch.cat(pieces), perm[k * batch : min((k + 1) * batch, used)])


def test_one_process_takes_the_whole_order():
    perm = torch.randperm(50)
    assert torch.equal(local_order(perm, 8, 1, 0), perm)
    assert shard_sizes(50, 8, 1) == (50, 8)


def test_a_batch_the_world_does_not_divide_is_refused_with_multiples_to_choose():
    assert batch_problem(64, 2) is None and batch_problem(96, 3) is None
    message = batch_problem(30, 4)
    assert message.startswith("The batch size (30) is the batch of all 4 processes together")
    assert "multiple of 4 (such as 28 or 32)" in message
    assert "multiple of 4 (such as 4)" in batch_problem(3, 4)  # no smaller multiple than the world itself


def test_torchrun_environment(monkeypatch):
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    assert detect() is None and is_main()
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    launch = detect()
    assert (launch.rank, launch.local_rank, launch.world_size) == (1, 1, 2)
    assert not is_main()


def test_every_rank_refuses_such_a_batch_before_any_collective(monkeypatch):
    """The Trainer checks the batch against the world before it wraps the model (DDP's first collective), so
    each rank refuses on its own and none waits for a peer: exit 2 everywhere, no hang."""
    monkeypatch.setattr(distributed, "_ACTIVE", Group(Launch(rank=1, local_rank=1, world_size=2), torch.device("cpu")))
    with pytest.raises(TrainingError) as caught:
        trainer_for(blobs_bundle(), batch_size=15)
    assert str(caught.value) == batch_problem(15, 2)
    assert "multiple of 2 (such as 14 or 16)" in str(caught.value)
