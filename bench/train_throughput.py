"""Training throughput: nnstudio's engine (headless and inside the real window) against plain PyTorch.

One model, the lecture's SimpleNN (Flatten, Linear 784-128, ReLU, Linear 128-47), on 60,000 synthetic
28x28 samples, Adam at lr 1e-3, batch 32, one epoch, reshuffled each epoch, trained by

  (a) the lecture's plain loop: DataLoader over a TensorDataset,
  (b) a hand-written in-memory loop that gathers each batch by index,
  (c) nnstudio's Trainer, headless,
  (d) nnstudio inside the real MainWindow (offscreen), started with the Train button, with the Training
      tab's live plots and whatever statistics the window attaches by default,
  (e) as (d) with the Inside tab's statistics switched off: d/e is what watching the network from inside
      costs at its default rate (the budget is less than 10%, so d/e >= 0.90).

Same initial weights, hyperparameters and torch thread count for all four. They run interleaved (a, b, c,
d, e, a, b, ...) for ``--rounds`` rounds after one warm-up round; the script prints the median samples per
second of each, the median ratios c/b, d/b, d/a and d/e, and the lateness of a 10 ms QTimer in the GUI
thread during (d) (p50 and p99). Targets: d/b >= 0.95, d/a >= 1.2, d/e >= 0.90, p99 lateness <= 50 ms.

With a CUDA GPU present, (b) and (c) then run again on it, interleaved (data already on the GPU for both),
with (c) also in bf16 mixed precision; the script prints their medians and c/b on CUDA. Without a GPU it
says so in one line and skips them. ``--cuda-only`` runs just that part (no window, no Qt needed).

    python bench/train_throughput.py [--rounds 5] [--threads 1] [--samples 60000] [--cuda-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402  - torch before Qt, as in the app
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from nnstudio.core.arch.builder import build  # noqa: E402
from nnstudio.core.arch.spec import ArchitectureSpec, layer  # noqa: E402
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle, Split  # noqa: E402
from nnstudio.core.training.config import TrainSpec  # noqa: E402
from nnstudio.core.training.engine import Trainer, new_model  # noqa: E402

CLASSES = 47
BATCH = 32
LR = 1e-3
SEED = 0


def simple_nn_spec() -> ArchitectureSpec:
    return ArchitectureSpec(
        [layer("flatten"), layer("linear", in_features=784, out_features=128), layer("relu"),
         layer("linear", in_features=128, out_features=CLASSES)],
        name="SimpleNN",
    )


def synthetic_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """28x28 'images' whose class a random linear teacher decides, so the loss really falls."""
    g = torch.Generator().manual_seed(1234)
    x = torch.rand(n, 1, 28, 28, generator=g)
    teacher = torch.randn(784, CLASSES, generator=g)
    y = (x.reshape(n, -1) @ teacher).argmax(1)
    return x, y


def plain_model(init: dict[str, torch.Tensor]) -> nn.Module:
    """The lecture's model written by hand, given the same initial weights as nnstudio's."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, CLASSES))
    model.load_state_dict(dict(zip(model.state_dict().keys(), init.values(), strict=True)))
    return model


def run_a(x: torch.Tensor, y: torch.Tensor, init: dict[str, torch.Tensor]) -> float:
    model = plain_model(init)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    criterion = nn.CrossEntropyLoss()
    started = time.perf_counter()
    model.train()
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    return len(x) / (time.perf_counter() - started)


def run_b(x: torch.Tensor, y: torch.Tensor, init: dict[str, torch.Tensor]) -> float:
    """The in-memory loop on the device ``x`` lives on (the CPU, or a GPU for the CUDA comparison)."""
    model = plain_model(init).to(x.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    criterion = nn.CrossEntropyLoss()
    n = len(x)
    started = time.perf_counter()
    model.train()
    perm = torch.randperm(n).to(x.device)
    for i in range(0, n, BATCH):
        idx = perm[i : i + BATCH]
        xb, yb = x[idx], y[idx]
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    if x.device.type == "cuda":
        torch.cuda.synchronize()  # the GPU may still be working through the queued steps
    return n / (time.perf_counter() - started)


def train_spec(device: str = "cpu", precision: str = "fp32") -> TrainSpec:
    return TrainSpec(loss="cross_entropy", optimizer="adam", lr=LR, batch_size=BATCH, epochs=1, seed=SEED, device=device,
                     precision=precision)


def bundle_for(x: torch.Tensor, y: torch.Tensor) -> DataBundle:
    empty = Split(x[:0], y[:0])  # no validation pass: all four variants do the same work
    return DataBundle(CLASSIFICATION, Split(x, y), empty, empty, (1, 28, 28),
                      class_names=[f"class {i}" for i in range(CLASSES)], description="synthetic 28x28")


def synthetic_prepared(bundle: DataBundle):
    """The synthetic examples as the document's prepared data (every example trains, in order, unscaled)."""
    from nnstudio.core.data.assemble import prepare
    from nnstudio.core.data.bundle import RawDataset
    from nnstudio.core.data.spec import DataSpec, SplitSpec

    spec = DataSpec(source="digits", split=SplitSpec(validation=0.0, test=0.0, stratify=False))
    raw = RawDataset(bundle.train.x.numpy(), bundle.train.y.numpy(), CLASSIFICATION, class_names=bundle.class_names,
                     description=bundle.description)
    return spec, prepare(spec, raw=raw)


def nnstudio_model(bundle: DataBundle) -> nn.Module:
    return new_model(build(simple_nn_spec(), bundle.input_shape).module, SEED)


def run_c(bundle: DataBundle, device: str = "cpu", precision: str = "fp32") -> float:
    trainer = Trainer(nnstudio_model(bundle), bundle, train_spec(device, precision))
    result = trainer.fit(1)
    assert result.status == "completed", result.message
    return len(bundle.train) / result.seconds


class WindowRun:
    """(d): the real main window, Train clicked, the event loop spinning until the run finishes."""

    def __init__(self, bundle: DataBundle) -> None:
        from PySide6.QtCore import QEventLoop, QObject, QTimer, Slot
        from PySide6.QtWidgets import QApplication

        from nnstudio.core.project.spec import Project
        from nnstudio.gui.app import settle_garbage_collector
        from nnstudio.gui.main_window import MainWindow
        from nnstudio.gui.settings_store import SettingsStore

        self.app = QApplication.instance() or QApplication([])
        settings = SettingsStore(Path(os.environ.get("TMPDIR", "/tmp")) / "nnstudio-bench-settings.ini")
        self.window = MainWindow(settings)
        self.stats_switch = self.window.inside_panel.collect  # the Inside tab's "collect statistics" box
        self.window.resize(1280, 800)
        self.window.show()
        document = self.window.document
        document.replace(Project("SimpleNN benchmark", simple_nn_spec(), training=train_spec()))
        document.set_data(*synthetic_prepared(bundle))  # the synthetic data stands in for a loaded dataset
        document.set_architecture(simple_nn_spec())
        document.set_modified(False)
        self.panel = self.window.training_panel
        self.window.tabs.setCurrentWidget(self.panel)
        settle_garbage_collector()  # as the app does once its window is up

        class Watch(QObject):
            def __init__(self) -> None:
                super().__init__()
                self.loop = QEventLoop()
                self.outcome = None
                self.last = 0.0
                self.lateness: list[float] = []
                self.timer = QTimer()
                self.timer.setInterval(10)
                self.timer.timeout.connect(self.tick)

            @Slot()
            def tick(self) -> None:
                now = time.perf_counter()
                if self.last:
                    self.lateness.append(max(0.0, now - self.last - 0.010))
                self.last = now

            @Slot(object)
            def finished(self, outcome) -> None:
                self.outcome = outcome
                self.loop.quit()

        self.watch = Watch()
        self.panel.run_finished.connect(self.watch.finished)
        self.lateness: list[float] = []

    def run(self, inside_stats: bool = True) -> float:
        self.stats_switch.setChecked(inside_stats)
        watch = self.watch
        watch.outcome, watch.last = None, 0.0
        watch.lateness = []
        watch.timer.start()
        self.panel.train_button.click()
        if watch.outcome is None:
            watch.loop.exec()
        watch.timer.stop()
        if inside_stats:  # the lateness quoted is that of (d)
            self.lateness.extend(watch.lateness)
        result = watch.outcome.result
        assert result is not None and result.status == "completed", watch.outcome.error or result.message
        return len(self.panel.trainer.bundle.train) / result.seconds

    def close(self) -> None:
        self.panel.shutdown()
        self.window.document.set_modified(False)
        self.window.close()


def on_device(x: torch.Tensor, y: torch.Tensor, init: dict[str, torch.Tensor], bundle: DataBundle, rounds: int,
              device: str = "cuda") -> None:
    """(b) and (c) again on ``device``, interleaved, with (c) in bf16 too; medians and c/b on that device."""
    if device == "cuda" and not torch.cuda.is_available():
        print("\nCUDA: no GPU here; (b) and (c) on CUDA skipped")
        return
    xd, yd = x.to(device), y.to(device)
    rates: dict[str, list[float]] = {"b": [], "c": [], "c bf16": []}
    name = torch.cuda.get_device_name(0) if device == "cuda" else device
    print(f"\n(b) and (c) on {name}, {rounds} rounds + 1 warm-up", flush=True)
    for round_no in range(rounds + 1):
        measured = {"b": run_b(xd, yd, init), "c": run_c(bundle, device)}
        if device == "cuda":
            measured["c bf16"] = run_c(bundle, device, "bf16")
        label = "warm-up" if round_no == 0 else f"round {round_no}"
        print(f"{label:>8}: " + "  ".join(f"{k} {v:9,.0f}/s" for k, v in measured.items()), flush=True)
        for k, v in measured.items():
            if round_no:
                rates[k].append(v)
    for k, v in rates.items():
        if v:
            print(f"  ({k}) on {device}: median {statistics.median(v):>10,.0f} samples/s")
    ratio = statistics.median(c / b for c, b in zip(rates["c"], rates["b"], strict=True))
    print(f"  c/b on {device}: {ratio:.3f} (the engine against the plain in-memory loop on the same device)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for every variant")
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--cuda-only", action="store_true",
                        help="only (b) and (c) on the CUDA GPU: headless, no window (a GPU server without Qt)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = synthetic_data(args.samples)
    bundle = bundle_for(x, y)
    init = {k: v.clone() for k, v in nnstudio_model(bundle).state_dict().items()}
    if args.cuda_only:
        on_device(x, y, init, bundle, args.rounds)
        return 0
    window = WindowRun(bundle)
    rates: dict[str, list[float]] = {k: [] for k in "abcde"}
    print(f"SimpleNN 784-128-{CLASSES}, {args.samples:,} samples, batch {BATCH}, Adam lr {LR}, "
          f"{args.threads} torch thread(s), {args.rounds} rounds + 1 warm-up, torch {torch.__version__}", flush=True)
    try:
        for round_no in range(args.rounds + 1):
            torch.manual_seed(round_no)
            measured = {
                "a": run_a(x, y, init),
                "b": run_b(x, y, init),
                "c": run_c(bundle),
                "d": window.run(),
                "e": window.run(inside_stats=False),
            }
            label = "warm-up" if round_no == 0 else f"round {round_no}"
            print(f"{label:>8}: " + "  ".join(f"{k} {v:9,.0f}/s" for k, v in measured.items()), flush=True)
            if round_no == 0:
                window.lateness.clear()
                continue
            for k, v in measured.items():
                rates[k].append(v)
    finally:
        window.close()

    med = {k: statistics.median(v) for k, v in rates.items()}
    ratios = {
        "c/b": statistics.median(c / b for c, b in zip(rates["c"], rates["b"], strict=True)),
        "d/b": statistics.median(d / b for d, b in zip(rates["d"], rates["b"], strict=True)),
        "d/a": statistics.median(d / a for d, a in zip(rates["d"], rates["a"], strict=True)),
        "d/e": statistics.median(d / e for d, e in zip(rates["d"], rates["e"], strict=True)),
    }
    late = np.array(window.lateness) * 1000
    p50, p99 = (float(np.percentile(late, q)) for q in (50, 99)) if len(late) else (float("nan"),) * 2
    names = {"a": "plain DataLoader loop", "b": "in-memory index loop", "c": "nnstudio engine, headless",
             "d": "nnstudio in the window", "e": "(d) without Inside statistics"}
    print("\nmedian samples/s")
    for k in "abcde":
        print(f"  ({k}) {names[k]:<28} {med[k]:>10,.0f}")
    print("median ratios (per round)")
    targets = {"c/b": None, "d/b": 0.95, "d/a": 1.2, "d/e": 0.90}
    for k, v in ratios.items():
        goal = f"  (target >= {targets[k]})" if targets[k] else ""
        print(f"  {k}: {v:.3f}{goal}")
    print(f"GUI event loop lateness during (d), 10 ms QTimer, {len(late)} ticks: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
          f"(target p99 <= 50 ms)")
    on_device(x, y, init, bundle, args.rounds)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown, where the PySide6 bug above would abort on None
