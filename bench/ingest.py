"""Own data at real sizes: nnstudio's ingest against the plain libraries, in separate processes.

(a) ``nnstudio info PROJECT`` on a generated 1,000,000 x 5 CSV (a project that reads it: four numeric features,
    a three-class target, standardized), against a plain process that imports torch and pandas and calls
    ``pandas.read_csv`` on the same file. R1 = time ratio (target <= 1.3: the app's overhead on top of torch
    and the parse), M1 = peak RSS ratio (target <= 1.5), each child's own peak read by ``os.wait4``.
(b) images/s ratio R2 from ``bench/ingest_images.py`` (its ``images_ratio()``), or 'n/a' until it exists.

Rounds interleave (app, plain, app, plain, ...) after one warm-up pair (which also writes the children's
bytecode, as an installed app has it); medians are printed. The last line is
``ingest: csv time ratio R1, csv memory ratio M1, images/s ratio R2``.

    python bench/ingest.py [--rounds 7] [--rows 1000000] [--keep DIR]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_table(folder: Path, rows: int) -> Path:
    """A 1,000,000 x 5 CSV like a course's (about 31 MB): four measurements and a class, seeded."""
    import numpy as np

    path = folder / f"table_{rows}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, 4)) * [1.0, 3.0, 10.0, 0.5]
    y = (x[:, 0] + 0.3 * x[:, 1] > 0).astype(int) + (x[:, 2] > 8).astype(int)
    with path.open("w", encoding="utf-8") as f:
        f.write("a,b,c,d,label\n")
        step = 100_000
        for start in range(0, rows, step):
            block = x[start:start + step]
            f.write("".join(f"{p:.4f},{q:.4f},{r:.3f},{s:.5f},{t}\n" for (p, q, r, s), t in zip(block.tolist(), y[start:start + step].tolist(), strict=True)))
    return path


def write_project(folder: Path, table: Path) -> Path:
    from nnstudio.core.project.spec import default_project

    project = default_project().to_dict()
    project["name"] = "ingest benchmark"
    project["architecture"] = {"name": "MLP", "layers": [
        {"kind": "linear", "params": {"in_features": 4, "out_features": 16}}, {"kind": "relu", "params": {}},
        {"kind": "linear", "params": {"in_features": 16, "out_features": 3}}]}
    project["data"] = {"source": "csv", "params": {"path": table.name, "target": "label", "task": "classification"},
                       "preprocessing": [{"kind": "standardize", "params": {}}],
                       "split": {"validation": 0.15, "test": 0.15, "stratify": True}, "seed": 0}
    path = folder / "ingest.json"
    path.write_text(json.dumps(project, indent=1), encoding="utf-8")
    return path


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in bytes) of one child process, its own peak from wait4 (not the family's)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed ({child.returncode}): {err.strip()[-400:]}")
    return seconds, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def images_ratio() -> str:
    try:
        from bench.ingest_images import images_ratio as measure
    except ImportError:
        return "n/a"
    return f"{measure():.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="folder for the generated table (kept between runs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnstudio-ingest-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        table = write_table(folder, args.rows)
        project = write_project(folder, table)
        print(f"table {table} ({table.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows)", flush=True)
        app = [sys.executable, "-m", "nnstudio", "info", str(project)]
        plain = [sys.executable, "-c", f"import torch, pandas; pandas.read_csv({str(table)!r})"]
        # Bytecode as an installed app has it: with PYTHONDONTWRITEBYTECODE set (as here) every nnstudio module
        # would be compiled from source at each start while torch and pandas load theirs; the warm-up round
        # writes them under a prefix in the benchmark's folder, never into the source tree.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        times: dict[str, list[float]] = {"app": [], "plain": []}
        peaks: dict[str, list[int]] = {"app": [], "plain": []}
        for round_no in range(args.rounds + 1):  # round 0 warms the page cache and the imports
            for name, argv in (("app", app), ("plain", plain)):
                seconds, peak = run_child(argv, env)
                if round_no:
                    times[name].append(seconds)
                    peaks[name].append(peak)
                print(f"  round {round_no}{' (warm-up)' if not round_no else ''} {name:<5} {seconds:6.2f} s  {peak / 2**20:7.0f} MiB", flush=True)
    t = {k: statistics.median(v) for k, v in times.items()}
    m = {k: statistics.median(v) for k, v in peaks.items()}
    print(f"nnstudio info: {t['app']:.2f} s, {m['app'] / 2**20:.0f} MiB; plain torch + pandas.read_csv: {t['plain']:.2f} s, {m['plain'] / 2**20:.0f} MiB (medians of {args.rounds})")
    r1, m1 = t["app"] / t["plain"], m["app"] / m["plain"]
    # On a shared machine one slow round moves a median of a few; the best rounds show the floor.
    print(f"best rounds: time ratio {min(times['app']) / min(times['plain']):.2f}; "
          f"plain torch alone is most of both ({m['plain'] / 2**20:.0f} MiB peak is mostly torch's import)")
    print(f"ingest: csv time ratio {r1:.2f}, csv memory ratio {m1:.2f}, images/s ratio {images_ratio()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
