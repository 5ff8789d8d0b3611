"""Built-in datasets: each one builds offline into the shapes, tasks and splits its description promises."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.base.errors import DataError
from nnstudio.core.base.registry import DATASETS
from nnstudio.core.data.assemble import build, load_raw
from nnstudio.core.data.spec import DataSpec

BUILT_IN = [e.name for e in DATASETS if e.category not in ("Your files",) and e.name != "drawn"]


def test_every_entry_explains_itself_and_declares_params():
    for entry in DATASETS:
        assert len(entry.help) > 40, entry.name
        assert entry.category, entry.name
        for p in entry.params:
            assert p.help, (entry.name, p.name)


@pytest.mark.parametrize(
    "name, task, shape, meta_key",
    [
        ("moons", "classification", (2,), "plane"),
        ("circles", "classification", (2,), "plane"),
        ("xor", "classification", (2,), "plane"),
        ("spiral", "classification", (2,), "plane"),
        ("blobs", "classification", (2,), "plane"),
        ("sine", "regression", (1,), None),
        ("polynomial", "regression", (1,), None),
        ("surface", "regression", (2,), "plane"),
        ("digits", "classification", (1, 8, 8), "image"),
        ("iris", "classification", (4,), None),
        ("wine", "classification", (13,), None),
        ("breast_cancer", "classification", (30,), None),
        ("diabetes", "regression", (10,), None),
        ("sine_forecast", "regression", (30, 1), "sequence"),
        ("long_memory", "classification", (20, 2), "sequence"),
        ("tanks", "classification", (1, 24, 24), "image"),
    ],
)
def test_builtin_builds_with_defaults(name, task, shape, meta_key):
    bundle = build(DataSpec(name))
    assert bundle.task == task
    assert bundle.input_shape == shape
    assert len(bundle.train) > len(bundle.validation) > 0 and len(bundle.test) > 0
    assert bundle.description
    if meta_key:
        assert bundle.meta.get(meta_key) is True
    if task == "classification":
        assert bundle.num_classes >= 2
        assert all(isinstance(c, str) for c in bundle.class_names)
        assert int(bundle.train.y.max()) < bundle.num_classes
    assert np.isfinite(bundle.train.x.numpy()).all()


def test_all_builtins_are_covered_by_the_shape_table():
    covered = {"moons", "circles", "xor", "spiral", "blobs", "sine", "polynomial", "surface", "digits", "iris",
               "wine", "breast_cancer", "diabetes", "sine_forecast", "long_memory", "tanks"}
    assert covered <= set(BUILT_IN)


def test_sources_are_seeded_and_take_their_params():
    a = load_raw(DataSpec("spiral", {"n_samples": 90, "classes": 3}, seed=4))
    b = load_raw(DataSpec("spiral", {"n_samples": 90, "classes": 3}, seed=4))
    c = load_raw(DataSpec("spiral", {"n_samples": 90, "classes": 3}, seed=5))
    assert a.x.shape == (90, 2) and len(a.class_names) == 3
    assert np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)


def test_polynomial_degree_changes_the_curve():
    line = load_raw(DataSpec("polynomial", {"degree": 1, "noise": 0.0}))
    assert np.allclose(line.y, line.x[:, 0], atol=1e-6)  # T1(x) = x
    cubic = load_raw(DataSpec("polynomial", {"degree": 3, "noise": 0.0}))
    x = cubic.x[:, 0]
    assert np.allclose(cubic.y, 4 * x**3 - 3 * x, atol=1e-5)


def test_sine_forecast_targets_the_value_after_the_window():
    raw = load_raw(DataSpec("sine_forecast", {"n_samples": 50, "length": 12, "horizon": 1, "noise": 0.0}))
    assert raw.x.shape == (50, 12, 1)
    # A clean sine continues smoothly: the target is close to the last value plus the last step.
    step = raw.x[:, -1, 0] - raw.x[:, -2, 0]
    assert np.abs(raw.y - (raw.x[:, -1, 0] + step)).max() < 0.2


def test_long_memory_label_is_the_sign_far_back():
    raw = load_raw(DataSpec("long_memory", {"n_samples": 200, "length": 20, "lag": 15, "noise": 0.0}))
    assert raw.x.shape == (200, 20, 2)
    assert np.array_equal(raw.y, (raw.x[:, 20 - 1 - 15, 0] > 0).astype(np.int64))
    assert np.array_equal(np.argmax(raw.x[:, :, 1], axis=1), np.full(200, 4))  # the marker points at it
    # No other position predicts the label: the last element agrees only by chance.
    assert 0.3 < np.mean((raw.x[:, -1, 0] > 0) == raw.y) < 0.7


def test_long_memory_refuses_a_lag_beyond_the_sequence():
    with pytest.raises(DataError, match="lag"):
        load_raw(DataSpec("long_memory", {"length": 10, "lag": 12}))


def _brightness(x) -> np.ndarray:
    return np.asarray(x).reshape(len(x), -1).mean(axis=1)


def test_tank_set_is_confounded_with_brightness_except_in_new_photos():
    bundle = build(DataSpec("tanks", {"n_samples": 400, "size": 16, "new_photos": 300}))
    assert list(bundle.extra) == ["new photos"] and len(bundle.extra["new photos"]) == 300
    # A "classifier" that only looks at mean brightness, with its threshold fitted on training images.
    train_b, train_y = _brightness(bundle.train.x), bundle.train.y.numpy()
    candidates = np.sort(train_b)
    accuracy = [np.mean((train_b < t) == train_y) for t in candidates]
    threshold = candidates[int(np.argmax(accuracy))]

    def score(split) -> float:
        return float(np.mean((_brightness(split.x) < threshold) == split.y.numpy()))

    assert score(bundle.test) > 0.95
    assert score(bundle.validation) > 0.95
    assert 0.35 < score(bundle.extra["new photos"]) < 0.65


def test_unknown_parameter_is_refused_with_its_name():
    from nnstudio.core.base.errors import SpecError

    with pytest.raises(SpecError, match="data.params.sizes"):
        DataSpec.from_dict({"source": "tanks", "params": {"sizes": 3}})


def test_small_set_with_many_classes_splits_instead_of_failing():
    bundle = build(DataSpec("blobs", {"n_samples": 20, "centers": 10}))
    assert len(bundle.train) + len(bundle.validation) + len(bundle.test) == 20
