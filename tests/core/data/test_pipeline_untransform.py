"""Preprocessing undone for showing: the pipeline maps model inputs back to the data's own units."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.data.assemble import load_raw, split_indices
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.document import load_model


def _bundle(steps: list[StepSpec], source: str = "digits"):
    project = default_project()
    project.data = DataSpec(source, preprocessing=steps)
    return project.data, load_model(project, load_weights=False).bundle


def _raw_test(spec: DataSpec) -> np.ndarray:
    raw = load_raw(spec)
    _, _, test_idx = split_indices(raw, spec)
    return raw.x[test_idx].astype(np.float32)


@pytest.mark.parametrize("steps", [
    [StepSpec("standardize")],
    [StepSpec("minmax", {"range": "0,1"})],
    [StepSpec("minmax", {"range": "-1,1"})],
    [StepSpec("minmax", {"range": "-1,1"}), StepSpec("standardize")],
])
def test_scaling_steps_undo_to_the_raw_pixels(steps):
    spec, bundle = _bundle(steps)
    shown = bundle.pipeline.untransform(bundle.test.x.numpy())
    model_input = bundle.test.x.numpy()
    assert not np.allclose(model_input, _raw_test(spec), atol=1e-3)  # the steps did change the pixels
    np.testing.assert_allclose(shown, _raw_test(spec), atol=1e-5)


def test_a_step_that_cannot_be_undone_says_so():
    _, bundle = _bundle([StepSpec("standardize"), StepSpec("pca", {"components": 2})], "iris")
    assert bundle.pipeline.untransform(bundle.test.x.numpy()) is None
