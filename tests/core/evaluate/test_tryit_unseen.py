"""Try it says when an input lies where the training data never went (the answer may be confidently wrong)."""

from __future__ import annotations

import numpy as np
from test_tryit_values import DIGITS, drawing

from nnstudio.core.data.assemble import load_raw, prepare, split_indices
from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.evaluate.tryit import IMAGE_MARGIN, image_raw, unseen_features
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.document import load_model

# The 0 of the try-it test, widened into the border columns the training digits leave nearly blank.
WIDE_ZERO = """
.######.
##....##
#......#
#......#
#......#
#......#
##....##
.######."""


def _digits() -> tuple[DataSpec, DataBundle]:
    project = default_project()
    return project.data, load_model(project, load_weights=False).bundle


def test_pixels_inked_beyond_every_training_image_are_named():
    spec, bundle = _digits()
    raw = prepare(spec).raw_view
    data = load_raw(spec)
    train_idx, _, _ = split_indices(data, spec)
    train_max = data.x[train_idx].reshape(len(train_idx), -1).max(axis=0)  # counted here, not by the app
    wide = np.array([[c == "#" for c in row] for row in WIDE_ZERO.strip().splitlines()], dtype=np.float32)
    example = image_raw(bundle, wide, raw.value_range)
    assert example.max() == raw.value_range[1]  # ink 1.0 is the data's brightest pixel value
    full = raw.value_range[1] - raw.value_range[0]
    expected = np.flatnonzero(example.reshape(-1) > train_max + IMAGE_MARGIN * full)
    assert len(expected) >= 6  # the border columns hold ink no training digit comes near there
    np.testing.assert_array_equal(unseen_features(raw, example, IMAGE_MARGIN), expected)
    assert all(i % 8 in (0, 7) for i in expected)  # and it is the border
    assert len(unseen_features(raw, example)) > len(expected)  # without the margin, bold strokes count too


def test_a_digit_drawn_like_the_training_digits_is_familiar():
    spec, bundle = _digits()
    raw = prepare(spec).raw_view
    for digit in (1, 7):
        assert len(unseen_features(raw, image_raw(bundle, drawing(digit), raw.value_range), IMAGE_MARGIN)) == 0, digit
    assert set(DIGITS) >= {1, 7}


def test_typed_values_outside_the_training_range_are_named():
    spec = DataSpec("iris")
    raw = prepare(spec).raw_view
    inside = (raw.minimum + raw.maximum) / 2
    assert len(unseen_features(raw, inside)) == 0
    outside = inside.copy()
    outside[2] = raw.maximum[2] * 2  # petal length twice the longest in training
    outside[0] = raw.minimum[0] - 1.0
    np.testing.assert_array_equal(unseen_features(raw, outside), [0, 2])
    assert len(unseen_features(raw, raw.maximum)) == 0  # the largest seen is still seen
