"""The exam CSV project made hard to resume exactly: dropout (global RNG), shuffling, an LR schedule, an optimizer
with state; and the comparison of two finished runs."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import torch
from repo_paths import EXAMPLES

EXAMPLE = EXAMPLES / "csv_example"


def exam_folder(folder: Path, optimizer: str = "adam", epochs: int = 6) -> Path:
    """``folder/exam.json`` (+ its CSV): a dropout MLP, ``optimizer``, a step LR schedule; returns the JSON's path."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE / "exam.csv", folder / "exam.csv")
    data = json.loads((EXAMPLE / "exam.json").read_text())
    data["architecture"]["layers"].insert(2, {"kind": "dropout", "params": {"p": 0.3}})
    data["training"].update(optimizer=optimizer, epochs=epochs, batch_size=16, lr=0.02, schedule="step",
                            schedule_params={"step_size": 2, "gamma": 0.5}, device="cpu")
    path = folder / "exam.json"
    path.write_text(json.dumps(data))
    return path


def assert_same_run(weights: dict, reference_weights: dict, history: dict, reference_history: dict) -> None:
    """Weights within 1e-6 and the same history (per-epoch wall time aside, which no two runs share)."""
    assert weights.keys() == reference_weights.keys()
    for key, value in reference_weights.items():
        torch.testing.assert_close(weights[key], value, rtol=0, atol=1e-6, msg=f"weights {key} differ")
    keys = set(reference_history) - {"seconds"}
    assert set(history) - {"seconds"} == keys
    for key in keys:
        assert len(history[key]) == len(reference_history[key]), key
        for got, want in zip(history[key], reference_history[key], strict=True):
            assert math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-7), (key, history[key], reference_history[key])
