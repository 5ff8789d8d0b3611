"""Training one project on many processes under torchrun: the process group, the shards, the reductions.

torchrun (``python -m torch.distributed.run``) starts one process per rank and tells each its place in
environment variables. :func:`process_group` turns that environment into a process group (gloo on the CPU,
NCCL on CUDA with one GPU per local rank) for the length of a command; while it is open the Trainer asks
:func:`active` and, when there is a group, wraps its model in DistributedDataParallel, takes its rank's
share of every global batch (:func:`local_order`) and agrees with the other ranks on every decision
(loss, stop, divergence) so no rank waits for a collective the others have left. Outside torchrun nothing
here is called, and a plain run is unchanged.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import torch
from torch import nn

from nnstudio.core.base.errors import TrainingError
from nnstudio.core.training.devices import resolve_device

# Test-only: the rank named here fails at an epoch's end (see Group._injected_failure), so a test can watch it.
FAIL_RANK_ENV = "NNSTUDIO_TEST_FAIL_RANK"
# Longest wait for a rank that is alive but silent (a peer that died is noticed at once by its closed socket).
TIMEOUT = timedelta(seconds=int(os.environ.get("NNSTUDIO_DIST_TIMEOUT", "300")))

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Launch:
    """Where torchrun put this process."""

    rank: int
    local_rank: int
    world_size: int


def detect() -> Launch | None:
    """This process's place in a torchrun job, or None for a plain process (torchrun sets all three)."""
    names = ("RANK", "LOCAL_RANK", "WORLD_SIZE")
    if not all(name in os.environ for name in names):
        return None
    try:
        rank, local_rank, world = (int(os.environ[name]) for name in names)
    except ValueError:
        raise TrainingError("RANK, LOCAL_RANK and WORLD_SIZE must be whole numbers; start the run with torchrun "
                            "(python -m torch.distributed.run), which sets them") from None
    return Launch(rank, local_rank, world)


def is_main() -> bool:
    """Whether this process prints and saves: always outside torchrun, only rank 0 inside it."""
    launch = detect()
    return launch is None or launch.rank == 0


def restarted() -> bool:
    """Whether torchrun restarted this job after a failure (``--max-restarts``): it then resumes its checkpoint."""
    return int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") or 0) > 0


def batch_problem(batch_size: int, world_size: int) -> str | None:
    """Why the project's (global) batch size cannot be split evenly between ``world_size`` processes, or None."""
    if batch_size % world_size == 0:
        return None
    lower, upper = batch_size // world_size * world_size, (batch_size // world_size + 1) * world_size
    nearest = f"{lower} or {upper}" if lower else f"{upper}"
    return (f"The batch size ({batch_size}) is the batch of all {world_size} processes together and must split "
            f"evenly between them; set it to a multiple of {world_size} (such as {nearest}) or change --nproc-per-node")


def shard_sizes(n: int, batch_size: int, world_size: int) -> tuple[int, int]:
    """(examples per epoch, examples per step) of each rank for ``n`` examples in global batches of ``batch_size``.

    The last ``n % world_size`` examples of each epoch's order are left out (at most world_size - 1, different
    ones every epoch as the order changes), so every rank takes the same number of examples at every step."""
    return n // world_size, batch_size // world_size


def local_order(perm: torch.Tensor, batch_size: int, world_size: int, rank: int) -> torch.Tensor:
    """Rank ``rank``'s examples, in step order, from one epoch's global order ``perm``.

    Global batch k is ``perm[k*batch_size:(k+1)*batch_size]``, as in a single process; each rank takes its
    contiguous share of it, so the ranks' shards are disjoint, cover the epoch and are equal at every step."""
    used = len(perm) - len(perm) % world_size
    pieces = []
    for start in range(0, used, batch_size):
        batch = perm[start : min(start + batch_size, used)]
        share = len(batch) // world_size
        pieces.append(batch[rank * share : (rank + 1) * share])
    return torch.cat(pieces) if pieces else perm[:0]


class Group:
    """The open process group as the Trainer sees it."""

    def __init__(self, launch: Launch, device: torch.device) -> None:
        self.launch = launch
        self.device = device
        self.epochs_reduced = 0

    @property
    def rank(self) -> int:
        return self.launch.rank

    @property
    def world_size(self) -> int:
        return self.launch.world_size

    def wrap(self, model: nn.Module) -> nn.Module:
        """The model for training steps: DDP averages the gradients over the ranks during ``backward``."""
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def local_order(self, perm: torch.Tensor, batch_size: int) -> torch.Tensor:
        return local_order(perm, batch_size, self.world_size, self.rank)

    def agree(self, loss: torch.Tensor, stop: bool) -> tuple[float, bool]:
        """After a batch's forward pass: the global batch's mean loss, and whether any rank must stop.

        One small all-reduce per batch, so every rank sees the same loss (and the same divergence) and stops
        at the same batch; a rank breaking out alone would leave the others waiting in ``backward``."""
        import torch.distributed as dist

        both = torch.stack([loss.detach().reshape(()).float(), torch.tensor(float(stop), device=loss.device)])
        dist.all_reduce(both)
        total, stops = both.tolist()
        return total / self.world_size, stops > 0

    def epoch_totals(self, values: list[float]) -> list[float]:
        """The ranks' per-epoch sums (loss, correct predictions, examples ...) added up, the same on every rank."""
        self.epochs_reduced += 1
        self._injected_failure()
        return self._all_reduce(values)

    def _all_reduce(self, values: list[float]) -> list[float]:
        import torch.distributed as dist

        totals = torch.tensor(values, dtype=torch.float64, device=self._collective_device())
        dist.all_reduce(totals)
        return totals.tolist()

    def mean(self, values: list[float]) -> list[float]:
        """The ranks' values averaged (means over equal shares of the examples), the same on every rank."""
        return [total / self.world_size for total in self._all_reduce(values)]

    def from_main(self, values: list[float]) -> list[float]:
        """Rank 0's numbers on every rank (validation metrics), so every rank's history is the printed one."""
        import torch.distributed as dist

        shared = torch.tensor(values, dtype=torch.float64, device=self._collective_device())
        dist.broadcast(shared, src=0)
        return shared.tolist()

    def _collective_device(self) -> torch.device:
        return self.device if self.device.type == "cuda" else torch.device("cpu")

    def _injected_failure(self) -> None:
        """Tests only: ``RANK`` or ``RANK@N`` fails that rank at the end of its N-th epoch (default 1), in the
        first attempt only (not after a torchrun restart); ``kill:`` before it kills the process outright."""
        wanted = os.environ.get(FAIL_RANK_ENV, "")
        kill = wanted.startswith("kill:")
        rank, _, epoch = wanted.removeprefix("kill:").partition("@")
        if rank != str(self.rank) or self.epochs_reduced != int(epoch or 1) or restarted():
            return
        if kill:
            os.kill(os.getpid(), signal.SIGKILL)
        raise TrainingError(f"rank {self.rank} failed on purpose at the end of epoch {self.epochs_reduced} "
                            f"({FAIL_RANK_ENV} is set)")


def peer_failure(exc: BaseException) -> str | None:
    """What to tell the user when a collective broke because another rank of the job failed, or None.

    The rank that failed prints its own message; the others would print the backend's socket error, which
    says nothing a student can act on."""
    if _ACTIVE is None:
        return None
    import torch.distributed as dist

    if not isinstance(exc, dist.DistError) and "closed by peer" not in str(exc) and "reset by peer" not in str(exc):
        return None
    return (f"rank {_ACTIVE.rank} stopped because another process of this torchrun job failed; that process's own "
            "message says why")


_ACTIVE: Group | None = None
_LEVEL = logging.NOTSET  # the notes' level before join quietened ranks other than 0


def active() -> Group | None:
    """The process group the current command opened, or None (a plain process, the window)."""
    return _ACTIVE


def join(device_name: str) -> Group | None:
    """Under torchrun, join the job's process group (once; :func:`leave` ends it); else do nothing and return None.

    The device setting decides the backend: NCCL with this rank's own GPU (``LOCAL_RANK``) for CUDA, gloo on
    the CPU. Ranks other than 0 keep their notes to themselves (rank 0 prints the same ones)."""
    global _ACTIVE, _LEVEL
    launch = detect()
    if launch is None or _ACTIVE is not None:
        return _ACTIVE
    import torch.distributed as dist

    device = resolve_device(device_name)
    if device.type == "mps":
        raise TrainingError("Apple's Metal backend (mps) cannot train on several processes; under torchrun "
                            "set the device to 'cpu', or train with plain nnstudio train on mps")
    if device.type == "cuda":
        if launch.local_rank >= torch.cuda.device_count():
            raise TrainingError(f"Rank {launch.rank} needs GPU {launch.local_rank} but this machine has "
                                f"{torch.cuda.device_count()}; give --nproc-per-node at most the number of GPUs")
        device = torch.device("cuda", launch.local_rank)
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    # The store torchrun's agent serves outlives a restart (--max-restarts), holding the failed attempt's gloo
    # addresses: each attempt's keys get their own prefix, or a restarted rank dials a dead peer.
    store, _, _ = next(dist.rendezvous("env://", timeout=TIMEOUT))
    store.set_timeout(TIMEOUT)
    attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
    store = dist.PrefixStore(f"nnstudio/attempt-{attempt}/default_pg", store)
    dist.init_process_group(backend, store=store, rank=launch.rank, world_size=launch.world_size, timeout=TIMEOUT,
                            device_id=device if device.type == "cuda" else None)
    notes = logging.getLogger("nnstudio")
    _LEVEL = notes.level
    if launch.rank != 0:
        notes.setLevel(logging.ERROR)
    _ACTIVE = Group(launch, device)
    return _ACTIVE


def leave() -> None:
    """Leave the process group :func:`join` opened, if any, so the rank exits cleanly."""
    global _ACTIVE
    if _ACTIVE is None:
        return
    import torch.distributed as dist

    _ACTIVE = None
    logging.getLogger("nnstudio").setLevel(_LEVEL)
    if dist.is_initialized():
        dist.destroy_process_group()
    # A DistributedDataParallel model still alive keeps the group's gloo threads; freed during interpreter
    # teardown they abort the process (SIGABRT). Collecting before teardown frees them while all is alive.
    atexit.register(gc.collect)


@contextmanager
def process_group(device_name: str) -> Iterator[Group | None]:
    """:func:`join` for the block, :func:`leave` after it, however it ends."""
    try:
        yield join(device_name)
    finally:
        leave()
