"""How ``assemble.prepare`` makes the tensors: the rows of each split taken once (``np.take``), a split's own
copy handed to torch without another, while arrays the loaded data still holds (a fixed test set, extra
splits) are copied, so training on a tensor can never change the loaded examples."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.base.errors import DataError
from nnstudio.core.data.assemble import prepare, rows
from nnstudio.core.data.bundle import RawDataset
from nnstudio.core.data.spec import DataSpec, StepSpec


def _raw(y: np.ndarray, **extra) -> RawDataset:
    x = np.arange(len(y) * 3, dtype=np.float32).reshape(len(y), 3)
    return RawDataset(x, y, "classification", [str(c) for c in sorted(set(y.tolist()))], ["a", "b", "c"], **extra)


@pytest.mark.parametrize("steps", [[], [StepSpec("standardize")]])
def test_no_tensor_shares_memory_with_the_loaded_data(steps):
    y = np.arange(40) % 2
    fixed = (np.ones((6, 3), np.float32), np.array([0, 1] * 3))
    new = (np.full((4, 3), 2.0, np.float32), np.array([1, 0] * 2))
    raw = _raw(y, fixed_test=fixed, extra={"new": new})
    kept = raw.x.copy(), fixed[0].copy(), fixed[1].copy(), new[0].copy()
    prepared = prepare(DataSpec("csv", preprocessing=steps), raw=raw)
    bundle, pipeline = prepared.bundle, prepared.pipeline
    for name, idx in (("train", prepared.train_idx), ("validation", prepared.val_idx)):  # the rows indexing gives
        want_x, want_y = pipeline.apply(raw.x[idx], raw.y[idx])
        assert bundle.splits()[name].x.numpy().tobytes() == want_x.tobytes() and bundle.splits()[name].y.tolist() == want_y.tolist()
    assert bundle.test.x.numpy().tobytes() == pipeline.apply(*fixed)[0].tobytes()
    for split in bundle.splits().values():
        split.x.add_(100.0)  # what an in-place step of a training loop would do
        split.y.add_(7)
    assert [a.tolist() for a in (raw.x, fixed[0], fixed[1], new[0])] == [a.tolist() for a in kept]


def test_rows_is_indexing():
    a = np.random.default_rng(0).standard_normal((50, 4)).astype(np.float32)
    idx = np.random.default_rng(1).permutation(50)[:30]
    taken = rows(a, idx)
    assert taken.tobytes() == a[idx].tobytes() and not np.shares_memory(taken, a)
    assert rows(a, idx[:0]).shape == (0, 4) and rows(np.arange(50), idx).tolist() == idx.tolist()


@pytest.mark.parametrize("labels", [np.zeros(30, np.int64), np.array(["cat"] * 30), np.full(30, 2.0)])
def test_a_single_class_is_refused_whatever_the_labels_are(labels):
    with pytest.raises(DataError, match="The target has a single class; a classifier needs at least two classes"):
        prepare(DataSpec("csv"), raw=_raw(labels))


@pytest.mark.parametrize("labels", [np.array([3] * 29 + [5]), np.array([1.0] * 29 + [0.0])])
def test_one_odd_label_makes_two_classes(labels):
    prepared = prepare(DataSpec("csv", split=DataSpec().split.__class__(stratify=False)), raw=_raw(labels))
    assert len(prepared.train_idx) + len(prepared.val_idx) + len(prepared.test_idx) == 30
