"""Distributed training overhead: nnstudio's Trainer on 1 and 2 processes under torchrun, on the same total work.

The lecture's SimpleNN (784-128-47) on synthetic 28x28 samples, Adam, one global batch of ``--batch``
examples per step (each of N processes takes batch/N of it), ``--epochs`` epochs. Variants, run interleaved
for ``--rounds`` rounds after one warm-up round:

  plain   nnstudio train's engine in one ordinary process (no process group)
  ddp-1   the same under torchrun with one process (DistributedDataParallel, one all-reduce per batch)
  ddp-2   two processes, each with half of every batch

Every process uses ``--threads`` torch threads (default 1), so ddp-2 uses twice the cores of plain; on a
2-core machine shared with other work expect no speed-up: the point is what the process group costs.
samples/s is measured inside the run (the Trainer's own time, rank 0), so torchrun's start-up is left out;
the wall time of each launch is printed beside it. With CUDA GPUs present, the same on ``cuda`` (one GPU
per process, NCCL) follows; without, a line says it was skipped.

    python bench/ddp.py [--rounds 3] [--samples 20000] [--batch 64] [--epochs 1] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def worker(args: argparse.Namespace) -> int:
    """One process of a variant: train once, rank 0 prints a RESULT line."""
    import torch

    sys.path.insert(0, str(ROOT / "bench"))
    from train_throughput import bundle_for, nnstudio_model, synthetic_data

    from nnstudio.core.training import distributed
    from nnstudio.core.training.config import TrainSpec
    from nnstudio.core.training.engine import Trainer

    torch.set_num_threads(args.threads)
    x, y = synthetic_data(args.samples)
    bundle = bundle_for(x, y)
    spec = TrainSpec(loss="cross_entropy", optimizer="adam", lr=1e-3, batch_size=args.batch, epochs=args.epochs,
                     seed=0, device=args.device)
    with distributed.process_group(args.device):
        trainer = Trainer(nnstudio_model(bundle), bundle, spec)
        result = trainer.fit(args.epochs)
        assert result.status == "completed", result.message
        if distributed.is_main():
            rate = args.samples * args.epochs / result.seconds
            print("RESULT " + json.dumps({"rate": rate, "loss": result.last("train_loss")}), flush=True)
    return 0


def launch(args: argparse.Namespace, device: str, nproc: int | None) -> tuple[float, float, float]:
    """(samples/s inside the run, final train loss, wall seconds of the launch) of one variant; nproc None: plain."""
    own = [str(Path(__file__).resolve()), "--worker", "--device", device, "--samples", str(args.samples),
           "--batch", str(args.batch), "--epochs", str(args.epochs), "--threads", str(args.threads)]
    if nproc is None:
        argv = [sys.executable, *own]
    else:
        argv = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}", *own]
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "LOCAL_RANK", "WORLD_SIZE")}
    env["OMP_NUM_THREADS"] = str(args.threads)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=args.timeout, check=False)
    wall = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}")
    result = json.loads(lines[-1].removeprefix("RESULT "))
    return result["rate"], result["loss"], wall


def compare(args: argparse.Namespace, device: str, variants: dict[str, int | None]) -> None:
    rates: dict[str, list[float]] = {k: [] for k in variants}
    walls: dict[str, list[float]] = {k: [] for k in variants}
    losses: dict[str, float] = {}
    for round_no in range(args.rounds + 1):
        measured = {}
        for name, nproc in variants.items():
            rate, loss, wall = launch(args, device, nproc)
            measured[name], losses[name] = rate, loss
            if round_no:
                rates[name].append(rate)
                walls[name].append(wall)
        label = "warm-up" if round_no == 0 else f"round {round_no}"
        print(f"{label:>8}: " + "  ".join(f"{k} {v:9,.0f}/s" for k, v in measured.items()), flush=True)
    base = next(iter(variants))
    print(f"\n{device}: median samples/s (inside the run), median launch wall time, last train loss")
    for name in variants:
        ratio = statistics.median(r / b for r, b in zip(rates[name], rates[base], strict=True))
        print(f"  {name:<7} {statistics.median(rates[name]):>10,.0f}/s  {ratio:5.2f}x {base}  "
              f"wall {statistics.median(walls[name]):5.1f}s  loss {losses[name]:.4f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=64, help="the global batch (all processes together)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads of every process")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one launch may take")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--device", default="cpu", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    import torch

    print(f"SimpleNN 784-128-47, {args.samples:,} samples x {args.epochs} epoch(s), global batch {args.batch}, "
          f"{args.threads} torch thread(s) per process, {os.cpu_count()} CPU cores, {args.rounds} rounds + 1 warm-up, "
          f"torch {torch.__version__}", flush=True)
    compare(args, "cpu", {"plain": None, "ddp-1": 1, "ddp-2": 2})
    gpus = torch.cuda.device_count()
    if gpus == 0:
        print("\ncuda: no CUDA GPU here; the GPU comparison was skipped")
        return 0
    print(f"\n{gpus} CUDA GPU(s): {torch.cuda.get_device_name(0)}")
    compare(args, "cuda", {"plain": None, "ddp-1": 1, **({"ddp-2": 2} if gpus >= 2 else {})})
    if gpus < 2:
        print("  (one GPU: ddp-2 needs two, skipped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
