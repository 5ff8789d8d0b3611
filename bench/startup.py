"""Start-up time: seconds from launch to the main window's first paint, against the bare imports.

Baseline: ``python -c "import torch, PySide6.QtWidgets"`` (the least any PySide6 + torch app pays),
timed to the end of its imports. Contenders: the dev install (``python -m nnstudio``) and, when built,
the frozen app (``dist/nnstudio/nnstudio``), each timed to its first paint (``NNSTUDIO_EXIT_AFTER_FIRST_PAINT``
makes the app print the moment and close). Rounds are interleaved so load on this shared machine hits
all alike; one warm-up round is discarded; medians are reported. Target: first paint within 1.3x baseline.

    .venv/bin/python bench/startup.py [--rounds 7] [--frozen dist/nnstudio/nnstudio] [--platform offscreen]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.3
BASELINE_CODE = "import torch, PySide6.QtWidgets\nimport time\nprint('first-paint', 0, f'{time.time():.6f}', flush=True)"


def launch(cmd: list[str], env: dict[str, str], timeout: float = 180.0) -> float:
    """Seconds from spawning ``cmd`` to the wall-clock stamp on its ``first-paint`` line."""
    with tempfile.TemporaryFile(mode="w+") as errors:  # stderr, shown only when the app fails
        start = time.time()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True)
        stamp = None
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("first-paint"):
                    stamp = float(line.split()[2])
                    break
            proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if stamp is None:
            errors.seek(0)
            tail = "".join(errors.readlines()[-15:])
            raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode} before painting a window:\n{tail}")
    return stamp - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--frozen", default=str(ROOT / "dist" / "nnstudio" / "nnstudio"), help="the built app (skipped if missing)")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"), help="Qt platform plugin")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="nnstudio-bench-")  # settings and caches of the runs stay out of the user's
    env = {**os.environ, "QT_QPA_PLATFORM": args.platform, "HOME": home, "XDG_CONFIG_HOME": home, "NNSTUDIO_EXIT_AFTER_FIRST_PAINT": "1"}
    contenders = {
        "baseline: import torch, PySide6.QtWidgets": [sys.executable, "-c", BASELINE_CODE],
        "dev install: python -m nnstudio": [sys.executable, "-m", "nnstudio"],
    }
    if Path(args.frozen).is_file():
        contenders["frozen app: " + os.path.relpath(args.frozen, ROOT)] = [args.frozen]
    else:
        print(f"(no frozen app at {args.frozen}: run `make package` to include it)")

    times: dict[str, list[float]] = {name: [] for name in contenders}
    for round_ in range(args.rounds + 1):
        for name, cmd in contenders.items():
            seconds = launch(cmd, env)
            if round_ > 0:  # round 0 warms the disk cache
                times[name].append(seconds)
        if round_ > 0:
            print(f"round {round_}: " + "  ".join(f"{v[-1]:.2f}s" for v in times.values()), flush=True)

    base = statistics.median(next(iter(times.values())))
    print(f"\nmedian of {args.rounds} interleaved rounds ({args.platform} platform, {os.cpu_count()} cores):")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<48} {median:6.2f} s  {median / base:5.2f}x baseline")
    worst = max(statistics.median(v) for v in list(times.values())[1:]) / base
    print(f"target: first paint within {TARGET}x baseline -> {'met' if worst <= TARGET else 'NOT met'} (worst {worst:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
