"""What watching a run from inside costs: the Inside tab's statistics (and, for 2-D data, live boundary)
callbacks and the Runs tab's recorder, against the same training without them and a plain PyTorch loop.

Two workloads, rounds interleaved, medians printed:

  SimpleNN (784-128-47, 60,000 synthetic samples, batch 32, Adam), as in bench/train_throughput.py:
    (b) plain in-memory PyTorch loop     (c) nnstudio Trainer, no callbacks
    (s) Trainer + statistics every 10 batches (the default) + run recorder
    (s1) Trainer + statistics every batch (the slowest setting)
  2-D moons-like data (1,000 points, MLP 2-16-16-2, batch 32, --epochs-2d epochs, default 100):
    (m) Trainer, no callbacks            (mb) Trainer + statistics + live boundary + neurons (default rate)

Target: s/c and mb/m >= 0.90 (less than 10% of the throughput).

    python bench/inside_overhead.py [--rounds 5] [--samples 60000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from train_throughput import bundle_for, nnstudio_model, run_b, synthetic_data, train_spec  # noqa: E402

from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle, Split  # noqa: E402
from nnstudio.core.insight.grid import plane_from_raw  # noqa: E402
from nnstudio.core.insight.live import BoundaryCallback  # noqa: E402
from nnstudio.core.insight.stats import DEFAULT_EVERY, StatsCallback  # noqa: E402
from nnstudio.core.training.callbacks import Callback  # noqa: E402
from nnstudio.core.training.config import TrainSpec  # noqa: E402
from nnstudio.core.training.engine import Trainer, new_model  # noqa: E402
from nnstudio.core.workspace.runs import RunRecorder, RunStore  # noqa: E402


class Timed(Callback):
    """Forwards every hook to ``inner`` and adds up the seconds spent inside it (contention hits this
    share far less than it hits throughput ratios on a busy machine)."""

    def __init__(self, inner: Callback, clock: list[float]) -> None:
        self.inner, self.clock = inner, clock

    def _timed(self, hook: str, *args) -> None:
        started = time.perf_counter()
        getattr(self.inner, hook)(*args)
        self.clock[0] += time.perf_counter() - started

    def on_fit_start(self, state) -> None:
        self._timed("on_fit_start", state)

    def on_batch_end(self, state, loss) -> None:
        self._timed("on_batch_end", state, loss)

    def on_epoch_end(self, state, metrics) -> None:
        self._timed("on_epoch_end", state, metrics)

    def on_fit_end(self, state, result) -> None:
        self._timed("on_fit_end", state, result)


SHARES: dict[str, list[float]] = {}
CPU: dict[str, list[float]] = {}  # samples per CPU-second of this thread: robust on a busy, shared machine


def rate(bundle: DataBundle, model: nn.Module, spec: TrainSpec, callbacks, label: str = "") -> float:
    trainer = Trainer(model, bundle, spec)
    clock = [0.0]
    cpu = time.thread_time()
    result = trainer.fit(spec.epochs, [Timed(cb, clock) for cb in callbacks] if label else [])
    cpu = time.thread_time() - cpu
    assert result.status == "completed", result.message
    samples = result.epochs * len(bundle.train)
    CPU.setdefault(label or name_of(bundle), []).append(samples / cpu)
    if label:
        SHARES.setdefault(label, []).append(clock[0] / result.seconds)
    return samples / result.seconds


def name_of(bundle: DataBundle) -> str:
    return "m" if bundle.input_shape == (2,) else "c"


def inside_callbacks(every: int, plane=None) -> list:
    sink: list = []
    store = RunStore()
    cbs = [StatsCallback(sink.append, every=every), RunRecorder(store.new_run(TrainSpec(), None))]
    if plane is not None:
        cbs.append(BoundaryCallback(plane, sink.append, every=every))
    return cbs


def moons(n: int) -> DataBundle:
    from sklearn.datasets import make_moons

    x, y = make_moons(n, noise=0.2, random_state=0)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    empty = Split(xt[:0], yt[:0])
    return DataBundle(CLASSIFICATION, Split(xt, yt), empty, empty, (2,), class_names=["a", "b"])


def mlp2d() -> nn.Module:
    return new_model(nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2)), 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs-2d", type=int, default=100, help="epochs of the 2-D run (fixed per-run costs amortise)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = synthetic_data(args.samples)
    bundle = bundle_for(x, y)
    init = {k: v.clone() for k, v in nnstudio_model(bundle).state_dict().items()}
    small = moons(1000)
    raw = small.train.x.numpy().astype(np.float64)
    plane = plane_from_raw(raw, small.train.y.numpy(), raw[:0], np.zeros(0))
    small_spec = TrainSpec(lr=0.01, batch_size=32, epochs=args.epochs_2d, device="cpu")
    rates: dict[str, list[float]] = {k: [] for k in ("b", "c", "s", "s1", "m", "mb")}
    print(f"{args.samples:,} samples, {args.threads} torch thread(s), {args.rounds} rounds + 1 warm-up, "
          f"statistics every {DEFAULT_EVERY} batches by default", flush=True)
    for round_no in range(args.rounds + 1):
        measured = {
            "b": run_b(x, y, init),
            "c": rate(bundle, nnstudio_model(bundle), train_spec(), []),
            "s": rate(bundle, nnstudio_model(bundle), train_spec(), inside_callbacks(DEFAULT_EVERY), "s"),
            "s1": rate(bundle, nnstudio_model(bundle), train_spec(), inside_callbacks(1), "s1"),
            "m": rate(small, mlp2d(), small_spec, []),
            "mb": rate(small, mlp2d(), small_spec, inside_callbacks(DEFAULT_EVERY, plane), "mb"),
        }
        print(("warm-up " if round_no == 0 else f"round {round_no} ") + "  ".join(
            f"{k} {v:9,.0f}/s" for k, v in measured.items()), flush=True)
        if round_no:
            for k, v in measured.items():
                rates[k].append(v)

    def ratio(a: str, b: str) -> float:
        return statistics.median(p / q for p, q in zip(rates[a], rates[b], strict=True))

    print("\nmedian ratios (per round)")
    print(f"  c/b  engine vs plain loop:                         {ratio('c', 'b'):.3f}")
    print(f"  s/c  + statistics every {DEFAULT_EVERY} + recorder (default): {ratio('s', 'c'):.3f}  (target >= 0.90)")
    print(f"  s1/c + statistics every batch:                     {ratio('s1', 'c'):.3f}")
    print(f"  mb/m 2-D: + statistics + live boundary (default):  {ratio('mb', 'm'):.3f}  (target >= 0.90)")
    def cpu_ratio(a: str, b: str) -> float:
        return statistics.median(p / q for p, q in zip(CPU[a][1:], CPU[b][1:], strict=True))

    print("median ratios of samples per CPU-second of the training thread (insensitive to other processes)")
    print(f"  s/c  default statistics + recorder: {cpu_ratio('s', 'c'):.3f}  (target >= 0.90)")
    print(f"  s1/c statistics every batch:        {cpu_ratio('s1', 'c'):.3f}")
    print(f"  mb/m 2-D statistics + boundary:     {cpu_ratio('mb', 'm'):.3f}  (target >= 0.90)")
    print("median share of the run's wall time spent inside the callbacks")
    for k, v in SHARES.items():
        print(f"  {k:<3} {100 * statistics.median(v[1:]):.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
