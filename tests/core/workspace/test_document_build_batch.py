"""The window's build of the network (Train button, Architecture checks) counts memory at the project's batch size."""

from __future__ import annotations

import pytest

from nnstudio.core.arch.builder import ModelTooBigError, estimate, plan
from nnstudio.core.base import memory
from nnstudio.core.workspace.document import ProjectDocument


def test_the_memory_check_uses_the_projects_batch_size_not_the_default(monkeypatch):
    doc = ProjectDocument()
    doc.project.training.batch_size = 4096
    planned = plan(doc.project.architecture, doc.bundle().input_shape)
    small, big = estimate(planned, 32).train_bytes, estimate(planned, 4096).train_bytes
    monkeypatch.setattr(memory, "available_bytes", lambda: (small + big) // 2)  # enough for 32, not for 4096
    with pytest.raises(ModelTooBigError, match="with batches of 4096 needs about"):
        doc.built()  # before the fix: checked with batches of 32, so the Train button allocated and ran out
