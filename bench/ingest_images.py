"""Benchmark (not a test): reading a folder of 20,000 32x32 PNGs in 10 class folders, cold.

nnstudio's image-folder reader (decoded cache disabled, so every file is decoded) against a plain
single-threaded PIL + numpy loop that makes the same float32 N x 3 x 32 x 32 array. Rounds alternate
between the two and the medians are compared; the folder is generated once in the temp folder and reused.

    .venv/bin/python bench/ingest_images.py [--rounds 3] [--files 20000]

Last line: ``images/s ratio R2`` (the plain loop's time over nnstudio's: above 1 nnstudio is faster; the
target is at least 1.5 on 2 cores). ``bench/ingest.py`` calls :func:`images_ratio`. A script that calls it
needs the ``if __name__ == "__main__":`` guard: the reader's worker processes are spawned, and import it.
So this module imports numpy only inside its functions, as nnstudio's own entry point imports nothing heavy:
a spawned worker runs the top of the main module again, and numpy there would be most of its start-up.

Each round also reports CPU seconds (this process and its worker processes together), which a machine loaded
by others changes much less than wall-clock time: the plain loop's CPU over nnstudio's is its work per image
against nnstudio's, whatever the number of cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_FILES = 20_000
N_CLASSES = 10
SIZE = 32


def make_folder(n_files: int = N_FILES) -> Path:
    """The benchmark's folder (generated the first time, reused after): smooth gradients with noise, so the
    PNGs compress about as well as small photos do (3-4 KB each)."""
    import numpy as np
    from PIL import Image

    folder = Path(tempfile.gettempdir()) / f"nnstudio-bench-images-{n_files}"
    if (folder / "complete").is_file():
        return folder
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    for c in range(N_CLASSES):
        (folder / f"class{c}").mkdir(parents=True, exist_ok=True)
        for i in range(n_files // N_CLASSES):
            a, b = rng.uniform(-4, 4, 2)
            base = (128 + a * (xx - 16) + b * (yy - 16))[..., None] + rng.normal(0, 20, (SIZE, SIZE, 3)) + 8 * c
            Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB").save(folder / f"class{c}" / f"{i:05d}.png")
    (folder / "complete").write_text("all files written\n")
    return folder


def plain_load(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """What a student would write: list, open each file with PIL, stack, scale to [0, 1]."""
    import numpy as np
    from PIL import Image

    images, labels = [], []
    for label, cls in enumerate(sorted(d for d in os.listdir(folder) if (folder / d).is_dir())):
        for name in sorted(os.listdir(folder / cls)):
            images.append(np.asarray(Image.open(folder / cls / name).convert("RGB")))
            labels.append(label)
    x = np.stack(images).transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    return x, np.array(labels)


def app_load(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    from nnstudio.core.data.image_folders import read_image_folder

    read = read_image_folder(folder, SIZE, True, cache_dir=None)  # cold: no decoded cache
    return read.x, read.y


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the reader joins its workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(fn, folder: Path, cpu: list[float] | None = None) -> float:
    start, start_cpu = time.perf_counter(), _cpu()
    fn(folder)
    seconds = time.perf_counter() - start
    if cpu is not None:
        cpu.append(_cpu() - start_cpu)
    return seconds


def rounds_of(
    rounds: int = 3, n_files: int = N_FILES, verbose: bool = False, cpu: tuple[list[float], list[float]] | None = None,
) -> tuple[list[float], list[float]]:
    """Seconds of each round (plain loop, nnstudio), rounds interleaved (the order alternates each round);
    ``cpu``: two lists that get each round's CPU seconds."""
    import numpy as np

    folder = make_folder(n_files)
    x_plain, y_plain = plain_load(folder)  # warm the OS file cache for both, and check they agree
    x_app, y_app = app_load(folder)
    if not (np.array_equal(x_plain, x_app) and np.array_equal(y_plain, y_app)):
        raise SystemExit("ingest_images: nnstudio's images differ from the plain loop's; the benchmark is void")
    del x_plain, x_app
    plain, app = [], []
    plain_cpu, app_cpu = cpu if cpu is not None else ([], [])
    for r in range(rounds):
        order = [(plain, plain_cpu, plain_load), (app, app_cpu, app_load)]
        for times, cpus, fn in order if r % 2 == 0 else order[::-1]:
            times.append(_timed(fn, folder, cpus))
        if verbose:
            print(f"round {r + 1}: plain {plain[-1]:.2f} s ({plain_cpu[-1]:.2f} s CPU), nnstudio {app[-1]:.2f} s "
                  f"({app_cpu[-1]:.2f} s CPU, workers included)", flush=True)
    return plain, app


def measure(rounds: int = 3, n_files: int = N_FILES, verbose: bool = False) -> tuple[float, float]:
    """Median seconds (plain loop, nnstudio)."""
    plain, app = rounds_of(rounds, n_files, verbose)
    return statistics.median(plain), statistics.median(app)


def images_ratio(rounds: int = 3) -> float:
    """The plain loop's median time over nnstudio's (images per second, nnstudio over plain)."""
    plain, app = measure(rounds)
    return plain / app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=N_FILES)
    args = parser.parse_args()
    cpu: tuple[list[float], list[float]] = ([], [])
    plain_rounds, app_rounds = rounds_of(args.rounds, args.files, verbose=True, cpu=cpu)
    plain, app = statistics.median(plain_rounds), statistics.median(app_rounds)
    print(f"{args.files:,} PNGs on {os.cpu_count()} CPUs, medians: plain loop {plain:.2f} s ({args.files / plain:,.0f} "
          f"images/s), nnstudio {app:.2f} s ({args.files / app:,.0f} images/s)")
    # on a machine shared with others one slow round moves a median; the fastest rounds show what each can do
    print(f"fastest rounds: plain {min(plain_rounds):.2f} s, nnstudio {min(app_rounds):.2f} s, "
          f"ratio {min(plain_rounds) / min(app_rounds):.2f}")
    plain_cpu, app_cpu = statistics.median(cpu[0]), statistics.median(cpu[1])
    print(f"CPU per image, medians: plain loop {plain_cpu / args.files * 1e6:.0f} us, nnstudio {app_cpu / args.files * 1e6:.0f} us "
          f"(all its processes; ratio {plain_cpu / app_cpu:.2f})")
    print(f"images/s ratio {plain / app:.2f}")


if __name__ == "__main__":
    main()
