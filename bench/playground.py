"""The Playground, live: training speed against plain PyTorch, frames per second, GUI lateness and the time
from a change to its first frame.

The spiral (500 points, 2 classes) with inputs x1 and x2, the network 2-8-8-1 (tanh, one logit, binary
cross-entropy), SGD at 0.03 in batches of 10, as in TensorFlow Playground. Interleaved ``--rounds`` times
(after a warm-up round):

  (a) the real MainWindow (offscreen) showing the Playground tab, playing for ``--seconds``: its training
      thread makes the engine's updates (core/playground/live.py: the engine Trainer's batches, loss and
      optimizer step) while every neuron picture and the boundary are repainted;
  (b) a plain PyTorch loop training the same model on the same pre-made tensors (batch 10, shuffled each
      epoch, same torch thread count, no window) for the same time.

Measured in (a): steps per second (batches), frames per second (a frame is a completed paint of the
boundary and every neuron picture), the lateness of a 10 ms QTimer in the GUI thread (p99), and, at the
end of the round, change-to-frame: from a simulated click on the activation combo (ReLU <-> tanh) to the
first painted frame of the new network. The last line reads

  playground: steps/s ratio R, frames/s F, p99 lateness L ms, change-to-frame C ms

with medians over the rounds. Targets: R >= 0.7, F >= 20, L <= 50, C <= 150. Frames and latencies are
absolute: quote them from a quiet machine. Each round also prints CPU per step (training thread, from /proc,
and the plain loop) and the GUI thread's CPU per frame, which a loaded machine leaves intact.

    python bench/playground.py [--rounds 5] [--seconds 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402  - torch before Qt, as in the app
from torch import nn  # noqa: E402

from nnstudio.core.arch.spec import ArchitectureSpec, layer  # noqa: E402
from nnstudio.core.data.spec import DataSpec, SplitSpec  # noqa: E402
from nnstudio.core.project.spec import Project  # noqa: E402
from nnstudio.core.training.config import TrainSpec  # noqa: E402

BATCH, LR, TIMER_MS = 10, 0.03, 10
SLICE_S = 0.5  # seconds of each side per alternation
TRAINING_THREAD = "nnstudio-playground"[:15]  # the runner's thread, as the kernel names it (15 characters)


def thread_cpu(name: str) -> float:
    """CPU seconds of this process's threads called ``name`` (Linux /proc; 0 elsewhere): unlike wall time,
    what a step costs survives a loaded machine."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 0.0
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                if f.read().strip() != name:
                    continue
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        except OSError:
            continue
    return total


def project() -> Project:
    last = layer("linear", in_features=8, out_features=1)
    last.pinned = True  # one logit for two classes, as TensorFlow Playground
    arch = ArchitectureSpec([layer("linear", in_features=2, out_features=8), layer("tanh"),
                             layer("linear", in_features=8, out_features=8), layer("tanh"), last], name="2-8-8-1")
    data = DataSpec("spiral", {"n_samples": 500, "noise": 0.1}, [], SplitSpec(0.0, 0.3), 0)
    p = Project(name="Playground bench", architecture=arch, data=data,
                training=TrainSpec(loss="bce", optimizer="sgd", lr=LR, batch_size=BATCH, epochs=1))
    return Project.from_dict(p.to_dict())


def plain_loop(x: torch.Tensor, y: torch.Tensor, seconds: float) -> float:
    """Steps per second of the textbook loop on pre-made tensors (its CPU per step in ``plain_loop.cpu``)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.BCEWithLogitsLoss()
    steps, n = 0, len(x)
    end = time.perf_counter() + seconds
    started, cpu = time.perf_counter(), time.thread_time()
    while time.perf_counter() < end:
        perm = torch.randperm(n)
        for i in range(0, n, BATCH):
            idx = perm[i : i + BATCH]
            loss = loss_fn(model(x[idx]).reshape(-1), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
    plain_loop.cpu = (time.thread_time() - cpu, steps)
    return steps / (time.perf_counter() - started)


class Round:
    def __init__(self, app, window) -> None:
        from PySide6.QtCore import QTimer

        self.app, self.window, self.panel = app, window, window.playground_panel
        self.frames = 0
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(TIMER_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self.panel.frame_painted.connect(self._painted)
        self.waiting_for: int | None = None
        self.changed_at = 0.0
        self.change_ms: float | None = None

    def _painted(self, frame) -> None:
        self.frames += 1
        if self.waiting_for is not None and frame.generation == self.waiting_for:
            self.change_ms = (time.perf_counter() - self.changed_at) * 1000
            self.waiting_for = None

    def spin(self, seconds: float) -> None:
        """Run the GUI's own event loop (it sleeps while idle, as in the app) for ``seconds``."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def play(self, seconds: float) -> tuple[float, float, np.ndarray]:
        panel = self.panel
        callback = panel.callback
        steps0, self.frames, self.ticks = callback.steps, 0, []
        started, training_cpu, gui_cpu = time.perf_counter(), thread_cpu(TRAINING_THREAD), time.thread_time()
        self.timer.start()
        self.spin(seconds)
        self.timer.stop()
        elapsed = time.perf_counter() - started
        steps = panel.callback.steps - steps0 if panel.callback is callback else 0
        self.cpu = (thread_cpu(TRAINING_THREAD) - training_cpu, time.thread_time() - gui_cpu, steps, self.frames)
        gaps = np.diff(self.ticks) * 1000 - TIMER_MS  # how late each 10 ms tick came
        return steps / elapsed, self.frames / elapsed, gaps

    def change(self) -> float:
        """A simulated pick on the activation combo; ms until the new network's first painted frame."""
        combo = self.panel.top.activation
        kind = "relu" if combo.currentData() == "tanh" else "tanh"
        self.changed_at = time.perf_counter()
        self.waiting_for = self.panel.generation + 1
        self.change_ms = None
        index = combo.findData(kind)
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        self.panel.frame_painted.connect(loop.quit)
        QTimer.singleShot(5000, loop.quit)
        while self.change_ms is None and time.perf_counter() - self.changed_at < 5:
            loop.exec()
        self.panel.frame_painted.disconnect(loop.quit)
        return self.change_ms if self.change_ms is not None else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--switch", type=float, default=0.0)
    args = parser.parse_args()
    if args.switch:
        sys.setswitchinterval(args.switch)
    torch.set_num_threads(args.threads)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    from nnstudio.gui.main_window import MainWindow
    from nnstudio.gui.settings_store import SettingsStore

    window = MainWindow(SettingsStore(Path(tempfile.mkdtemp()) / "settings.ini"))
    window.document.replace(project())
    window.resize(1600, 1000)
    window.show()
    window.show_tab("playground")
    bundle = window.document.bundle()
    x, y = bundle.train.x.clone(), bundle.train.y.float().clone()
    bench = Round(app, window)
    bench.spin(1.0)
    panel = window.playground_panel
    rows = []
    slices = max(1, round(args.seconds / SLICE_S))
    try:
        for r in range(args.rounds + 1):  # round 0 warms up
            pg_steps = pg_time = frames = plain_steps = plain_time = 0.0
            lateness = []
            cpu = np.zeros(6)  # training thread s, GUI thread s, steps, frames; plain loop s, steps
            for _ in range(slices):  # short alternations: a load that drifts hits both alike
                panel.set_playing(True)
                steps_per_s, fps, gaps = bench.play(SLICE_S)
                pg_steps, frames, pg_time = pg_steps + steps_per_s * SLICE_S, frames + fps * SLICE_S, pg_time + SLICE_S
                lateness.append(gaps)
                panel.set_playing(False)  # the plain loop gets the CPU to itself
                bench.spin(0.05)
                plain_steps += plain_loop(x, y, SLICE_S) * SLICE_S
                plain_time += SLICE_S
                cpu += (*bench.cpu, *plain_loop.cpu)
            panel.set_playing(True)
            bench.spin(0.3)
            change = bench.change()
            ratio = (pg_steps / pg_time) / (plain_steps / plain_time)
            late = float(np.percentile(np.concatenate(lateness), 99))
            if r:
                rows.append((ratio, frames / pg_time, late, change))
                print(f"round {r}: playground {pg_steps / pg_time:.0f} steps/s, plain {plain_steps / plain_time:.0f} steps/s, "
                      f"ratio {ratio:.2f}, {frames / pg_time:.1f} frames/s, p99 lateness {late:.1f} ms, "
                      f"change-to-frame {change:.0f} ms", flush=True)
                if cpu[0]:  # CPU per item: what a loaded machine leaves intact
                    print(f"  cpu: training thread {cpu[0] / max(cpu[2], 1) * 1e6:.0f} us/step (its frames' computing "
                          f"included), plain {cpu[4] / max(cpu[5], 1) * 1e6:.0f} us/step; GUI thread "
                          f"{cpu[1] / max(cpu[3], 1) * 1000:.1f} ms/frame", flush=True)
    finally:
        panel.set_playing(False)
        window.shutdown_panels()
        window.document.set_modified(False)
        window.close()
    med = [statistics.median(col) for col in zip(*rows, strict=True)]
    print(f"playground: steps/s ratio {med[0]:.2f}, frames/s {med[1]:.1f}, p99 lateness {med[2]:.1f} ms, "
          f"change-to-frame {med[3]:.0f} ms")


if __name__ == "__main__":
    main()
