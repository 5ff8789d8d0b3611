"""Running a command under torchrun (two CPU processes) in a test: bounded, and killed whole on timeout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

TIMEOUT_S = 120  # generous for a loaded 2-core machine; tests never assert on time itself


def run_bounded(argv: list[str], cwd: Path, env: dict[str, str] | None = None,
                timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess:
    """Run ``argv`` in its own process group; on timeout kill the group (torchrun and every rank it started)."""
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "100", **(env or {})}
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        full_env.pop(name, None)  # a test run under torchrun itself must not leak its place into the child
    proc = subprocess.Popen(argv, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"{' '.join(argv)} ran past {timeout}s; stderr ends: {err[-1500:]}") from None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def torchrun(args: list[str], cwd: Path, nproc: int = 2, env: dict[str, str] | None = None,
             timeout: float = TIMEOUT_S, max_restarts: int = 0) -> subprocess.CompletedProcess:
    """``python -m torch.distributed.run --standalone --nproc-per-node NPROC ARGS`` (torchrun), bounded."""
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
                f"--max-restarts={max_restarts}", "--monitor-interval=0.2"]
    result = run_bounded([*launcher, *args], cwd, env, timeout)
    if "(SIGABRT)" in result.stderr:  # gloo's TCP store now and then aborts a rank at start-up on a loaded
        result = run_bounded([*launcher, *args], cwd, env, timeout)  # 2-core machine: one fresh try, no more
    return result
