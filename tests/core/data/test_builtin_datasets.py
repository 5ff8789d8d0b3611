"""The built-in datasets: shapes, classes, seeded splits, extra splits."""

import numpy as np
import pytest

from nnstudio.core.data.assemble import build
from nnstudio.core.data.spec import DataSpec, SplitSpec

EXPECTED = {
    "moons": ((2,), 2, "classification"),
    "circles": ((2,), 2, "classification"),
    "xor": ((2,), 2, "classification"),
    "spiral": ((2,), 2, "classification"),
    "blobs": ((2,), 3, "classification"),
    "sine": ((1,), 0, "regression"),
    "digits": ((1, 8, 8), 10, "classification"),
    "iris": ((4,), 3, "classification"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dataset_shape_classes_and_splits(name):
    shape, classes, task = EXPECTED[name]
    bundle = build(DataSpec(name))
    assert bundle.input_shape == shape
    assert bundle.num_classes == classes
    assert bundle.task == task
    total = len(bundle.train) + len(bundle.validation) + len(bundle.test)
    assert len(bundle.test) == pytest.approx(0.15 * total, abs=2)
    assert len(bundle.validation) == pytest.approx(0.15 * total, abs=2)
    if task == "classification":
        assert set(bundle.train.y.unique().tolist()) == set(range(classes))
    assert bundle.train.x.dtype.is_floating_point


def test_digits_are_real_images_in_unit_range():
    bundle = build(DataSpec("digits"))
    x = bundle.train.x
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    assert len(bundle.train) + len(bundle.validation) + len(bundle.test) == 1797


def test_splits_are_seeded_and_disjoint():
    a, b = build(DataSpec("moons", seed=3)), build(DataSpec("moons", seed=3))
    assert np.array_equal(a.test.x.numpy(), b.test.x.numpy())
    c = build(DataSpec("moons", seed=4))
    assert not np.array_equal(a.test.x.numpy(), c.test.x.numpy())
    rows = {tuple(r) for r in a.train.x.numpy().round(6)}
    assert not rows & {tuple(r) for r in a.test.x.numpy().round(6)}


def test_stratified_split_keeps_class_balance():
    bundle = build(DataSpec("iris", split=SplitSpec(0.2, 0.2)))
    counts = np.bincount(bundle.test.y.numpy())
    assert counts.max() - counts.min() <= 1


def test_dataset_parameters_change_the_data():
    small = build(DataSpec("blobs", params={"n_samples": 100, "centers": 4}))
    assert small.num_classes == 4
    assert len(small.train) + len(small.validation) + len(small.test) == 100
