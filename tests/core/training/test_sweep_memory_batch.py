"""A sweep checks each trial's memory at that trial's batch size, as training a project does."""

from __future__ import annotations

from nnstudio.core.arch.builder import estimate, plan
from nnstudio.core.base import memory
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.sweep import SweepSpec, run_sweep


def test_a_trial_whose_batch_does_not_fit_in_memory_fails_with_the_reason(monkeypatch):
    project = default_project()
    bundle = build_data(project.data)
    planned = plan(project.architecture, bundle.input_shape)
    small, big = estimate(planned, 32).train_bytes, estimate(planned, 1024).train_bytes
    monkeypatch.setattr(memory, "available_bytes", lambda: (small + big) // 2)  # enough for 32, not for 1024
    runs = run_sweep(SweepSpec(lrs=[1e-3], batch_sizes=[32, 1024], epochs=1), project.architecture, bundle, project.training)
    assert [r.status for r in runs] == ["completed", "failed"]
    assert "makes the network too big for this computer" in runs[1].message
    assert "with batches of 1024 needs about" in runs[1].message  # before the fix: checked at 32, and trained
