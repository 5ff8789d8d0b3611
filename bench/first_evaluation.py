"""First evaluation vs later ones, and start-up: the first report must not pay for what later ones reuse.

Each sample is a fresh process (offscreen, or ``--platform xcb`` under Xvfb): the window comes up as the app's
does (deferred data, remaining tabs built when idle), the default project (SimpleNN on 8x8 digits) trains briefly, then either
- ``core``: ``nnstudio.core.evaluate.report.evaluate`` runs four times in a worker thread, as the tab runs it, or
- ``window``: the Evaluation tab's full refresh runs four times: from opening the tab (first) or pressing
  Evaluate (later) to ``evaluation_finished``, plus painting the window.
The first/later ratio is taken within each process (load on this shared machine hits both alike); medians
over processes are reported. Start-up reuses ``bench/startup.py``: first paint against the bare imports,
interleaved rounds. Targets: first report within 2x of later; start-up within startup.py's 1.3x.

    .venv/bin/python bench/first_evaluation.py [--processes 3] [--epochs 2] [--startup-rounds 3] [--platform xcb]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
TARGET = 2.0
REPORTS = 4  # the first and three later ones


def _child(mode: str, epochs: int, right_away: bool = False, saved: str = "") -> dict:
    """One fresh process: window up, train, time the reports. Returns the seconds measured."""
    import gc

    gc.disable()  # as nnstudio.__main__ does until the window is up
    started = time.perf_counter()
    import threading

    import torch  # noqa: F401 - torch before Qt, as in the app
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    from nnstudio.gui.app import configure_app, create_main_window
    from nnstudio.gui.settings_store import SettingsStore

    configure_app(app)
    window = create_main_window(SettingsStore(Path(tempfile.mkdtemp(prefix="nnstudio-bench-")) / "settings.ini"))
    window.show()

    def wait(cond, timeout: float = 600.0) -> None:
        end = time.time() + timeout
        while not cond():
            if time.time() > end:
                raise TimeoutError("the window did not get there in time")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    wait(lambda: not window.document.data_deferred)
    startup = time.perf_counter() - started
    # The app builds the other tabs when idle after the first paint, then turns the garbage collector back on
    # (app.settle_garbage_collector): wait for that, so the reports do not share the GUI thread with it.
    if not right_away:
        wait(gc.isenabled, 120)

    if saved:  # a project trained elsewhere, opened and evaluated at once (start-up's idle work still going)
        window.open_path(Path(saved), confirmed=True)
        wait(lambda: not window.document.data_deferred)
    else:
        training = window.training_panel
        window.document.project.training.epochs = epochs
        training._sync_from_document()
        window.show_tab("training")
        finished: list[bool] = []
        training.run_finished.connect(lambda *_: finished.append(True))
        training.train_button.click()
        wait(lambda: bool(finished))
        wait(lambda: not window.ctx.training_active)

    times: list[float] = []
    if mode == "core":
        from nnstudio.core.evaluate.report import evaluate

        model, bundle = window.document.trained_model(), window.document.bundle()
        for _ in range(REPORTS):
            t = time.perf_counter()
            job = threading.Thread(target=evaluate, args=(model, bundle), name="bench-evaluate")
            job.start()
            job.join()
            times.append(time.perf_counter() - t)
    else:
        panel = window.evaluation_panel
        done: list[object] = []
        panel.evaluation_finished.connect(done.append)
        for i in range(REPORTS):
            count = len(done)
            t = time.perf_counter()
            if i == 0:
                window.show_tab("evaluation")  # a stale tab evaluates when shown
            else:
                panel.evaluate()
            wait(lambda count=count: len(done) > count)
            if done[-1] is None:
                raise RuntimeError(f"the evaluation failed: {panel.status.text()}")
            window.grab()  # paint what the tab now shows
            times.append(time.perf_counter() - t)
    window.document.set_modified(False)
    window.close()
    return {"mode": mode, "startup": startup, "times": times}


def _run_child(mode: str, epochs: int, platform: str, right_away: bool, saved: str = "") -> dict:
    home = tempfile.mkdtemp(prefix="nnstudio-bench-")
    env = {**os.environ, "QT_QPA_PLATFORM": platform, "HOME": home, "XDG_CONFIG_HOME": home}
    extra = (["--right-away"] if right_away else []) + (["--saved", saved] if saved else [])
    proc = subprocess.run([sys.executable, __file__, "--child", mode, "--epochs", str(epochs)] + extra, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        raise RuntimeError(f"{mode} run failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=3, help="fresh processes per kind of report")
    parser.add_argument("--epochs", type=int, default=2, help="training epochs before the reports")
    parser.add_argument("--startup-rounds", type=int, default=3, help="bench/startup.py rounds (0 skips)")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"), help="Qt platform plugin")
    parser.add_argument("--right-away", action="store_true",
                        help="train as soon as the data is in, without waiting for start-up's idle work")
    parser.add_argument("--saved", nargs="?", const="train", default="",
                        help="open a project trained by `nnstudio train --save` right after start-up and evaluate it "
                             "at once (implies --right-away)")
    parser.add_argument("--child", choices=("core", "window"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.epochs, args.right_away, args.saved)), flush=True)
        return 0
    if args.saved:
        args.right_away = True
        args.saved = str(Path(tempfile.mkdtemp(prefix="nnstudio-bench-")) / "trained.nnstudio")
        subprocess.run([sys.executable, "-m", "nnstudio", "train", "--demo", "--epochs", str(args.epochs), "--save", args.saved],
                       cwd=ROOT, check=True, capture_output=True, timeout=600)

    worst = 0.0
    for mode in ("core", "window"):
        runs = [_run_child(mode, args.epochs, args.platform, args.right_away, args.saved) for _ in range(args.processes)]
        first = statistics.median(r["times"][0] for r in runs)
        later = statistics.median(statistics.median(r["times"][1:]) for r in runs)
        ratio = statistics.median(r["times"][0] / statistics.median(r["times"][1:]) for r in runs)
        worst = max(worst, ratio)
        label = "core report (evaluate)" if mode == "core" else "Evaluation tab refresh (window)"
        print(f"{label:<34} first {first:6.3f} s  later {later:6.3f} s  first/later {ratio:4.2f}x "
              f"(median of {args.processes} processes, {args.platform})", flush=True)
    print(f"target: first within {TARGET}x of later -> {'met' if worst <= TARGET else 'NOT met'} (worst {worst:.2f}x)")

    if args.startup_rounds:
        import startup  # bench/startup.py: the same launch and baseline

        home = tempfile.mkdtemp(prefix="nnstudio-bench-")
        env = {**os.environ, "QT_QPA_PLATFORM": args.platform, "HOME": home, "XDG_CONFIG_HOME": home,
               "NNSTUDIO_EXIT_AFTER_FIRST_PAINT": "1"}
        base_cmd = [sys.executable, "-c", startup.BASELINE_CODE]
        app_cmd = [sys.executable, "-m", "nnstudio"]
        startup.launch(base_cmd, env), startup.launch(app_cmd, env)  # warm the disk cache
        base, app = [], []
        for _ in range(args.startup_rounds):
            base.append(startup.launch(base_cmd, env))
            app.append(startup.launch(app_cmd, env))
        b, a = statistics.median(base), statistics.median(app)
        print(f"start-up to first paint {a:5.2f} s vs bare imports {b:5.2f} s: {a / b:4.2f}x "
              f"(target {startup.TARGET}x; median of {args.startup_rounds} interleaved rounds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
