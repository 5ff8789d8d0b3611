"""Preprocessing steps (no Qt): what each does, that only training data is fitted, and saving without pickle."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch

from nnstudio.core.base.errors import DataError, ProjectFileError
from nnstudio.core.base.registry import PREPROCESSING
from nnstudio.core.data.assemble import build, prepare
from nnstudio.core.data.drawn import decode_points, encode_points
from nnstudio.core.data.preprocess import FittedPipeline, fit_pipeline
from nnstudio.core.data.spec import DataSpec, SplitSpec, StepSpec


def fit1(kind: str, x: np.ndarray, y: np.ndarray | None = None, names: list[str] | None = None, **params) -> FittedPipeline:
    y = np.zeros(len(x), dtype=np.int64) if y is None else y
    return fit_pipeline([StepSpec(kind, params)], x, y, names)


def table(n: int = 40, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 3)).astype(np.float32) * [1, 10, 100] + [0, 5, -50]


# ---------------------------------------------------------------------------- missing values
@pytest.mark.parametrize(("strategy", "expected"), [("mean", 2.0), ("median", 1.0), ("most_frequent", 1.0), ("constant", -7.0)])
def test_impute_fills_with_training_statistic(strategy, expected):
    x = np.array([[1.0], [1.0], [4.0], [np.nan]], dtype=np.float32)
    p = fit1("impute", x, strategy=strategy, fill_value=-7.0)
    assert p.transform(np.array([[np.nan], [3.0]], dtype=np.float32)).tolist() == [[expected], [3.0]]


def test_impute_drop_rows_drops_targets_too_and_refuses_single_examples():
    x = np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 3.0], [4.0, np.nan]], dtype=np.float32)
    y = np.array([10, 11, 12, 13])
    p = fit1("impute", x, y, strategy="drop_rows")
    assert p.steps[0].rows_in == 4 and p.steps[0].rows_out == 2
    xs, ys = p.apply(x, y)
    assert xs.tolist() == [[1.0, 2.0], [3.0, 3.0]] and ys.tolist() == [10, 12]
    with pytest.raises(DataError, match="missing values"):
        p.transform(x[1:2])


# ---------------------------------------------------------------------------- scaling
def test_standardize_and_minmax_ranges():
    x = table()
    z = fit1("standardize", x).transform(x)
    assert np.allclose(z.mean(0), 0, atol=1e-4) and np.allclose(z.std(0), 1, atol=1e-3)
    u = fit1("minmax", x).transform(x)
    assert np.allclose(u.min(0), 0) and np.allclose(u.max(0), 1)
    s = fit1("minmax", x, range="-1,1").transform(x)
    assert np.allclose(s.min(0), -1) and np.allclose(s.max(0), 1)


# ---------------------------------------------------------------------------- encoding and features
def test_onehot_auto_finds_codes_and_names_columns():
    x = np.array([[0, 1.5], [1, 2.5], [2, 0.1], [1, 7.0]], dtype=np.float32)
    p = fit1("onehot", x, names=["colour", "size"], max_categories=3)
    assert p.output_names == ["colour=0", "colour=1", "colour=2", "size"]
    out = p.transform(np.array([[2, 9.0], [5, 1.0]], dtype=np.float32))
    assert out.tolist() == [[0, 0, 1, 9.0], [0, 0, 0, 1.0]]  # unseen category 5 -> all zeros


def test_onehot_text_column_by_name():
    x = np.array([["red", 1.0], ["blue", 2.0], ["red", 3.0]], dtype=object)
    p = fit1("onehot", x, names=["colour", "n"], columns="colour")
    assert p.output_names == ["colour=blue", "colour=red", "n"]
    assert p.transform(x).tolist() == [[0, 1, 1], [1, 0, 2], [0, 1, 3]]


def test_construct_features_like_the_playground():
    x = np.array([[2.0, 3.0]], dtype=np.float32)
    p = fit1("construct", x, names=["x1", "x2"], sines=True)
    assert p.output_names == ["x1", "x2", "x1²", "x2²", "x1·x2", "sin(x1)", "sin(x2)"]
    assert np.allclose(p.transform(x), [[2, 3, 4, 9, 6, np.sin(2), np.sin(3)]])


def test_pca_keeps_k_components():
    x = table(60)
    p = fit1("pca", x, components=2)
    assert p.transform(x).shape == (60, 2) and p.output_names[0].startswith("PC1")
    with pytest.raises(DataError, match="at most 3"):
        fit1("pca", x, components=5)


def test_feature_selection_by_variance_and_correlation():
    rng = np.random.default_rng(0)
    a = rng.normal(size=50)
    x = np.stack([a, np.full(50, 3.0), 2 * a + 0.001 * rng.normal(size=50), rng.normal(size=50)], 1).astype(np.float32)
    names = ["a", "constant", "twice a", "noise"]
    assert fit1("drop_low_variance", x, names=names).output_names == ["a", "twice a", "noise"]
    assert fit1("drop_correlated", x, names=names, threshold=0.9).output_names == ["a", "constant", "noise"]


# ---------------------------------------------------------------------------- images
def images(n: int = 6, c: int = 1, h: int = 8, w: int = 8) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, size=(n, c, h, w)).astype(np.float32)


def test_image_scale_normalize_resize():
    x = images(c=3)
    scaled = fit1("image_scale", x).transform(x)
    assert scaled.max() <= 1.0 and scaled.max() > 0.9
    normed = fit1("image_normalize", scaled).transform(scaled)
    assert np.allclose(normed.mean(axis=(0, 2, 3)), 0, atol=1e-4)
    assert fit1("image_resize", x, height=4, width=5).transform(x).shape == (6, 3, 4, 5)
    with pytest.raises(DataError, match="images"):
        fit1("image_resize", table())


@pytest.mark.parametrize(("kind", "params"), [("augment_flip", {"probability": 1.0}), ("augment_rotate", {"degrees": 30.0}), ("augment_crop", {"padding": 2})])
def test_augmentation_changes_training_batches_only(kind, params):
    x = images()
    p = fit1(kind, x, **params)
    assert p.augments
    assert np.array_equal(p.transform(x), x)  # splits are untouched
    xb = torch.from_numpy(x)
    a = p.augment(xb, torch.Generator().manual_seed(3))
    b = p.augment(xb, torch.Generator().manual_seed(3))
    assert a.shape == xb.shape and torch.equal(a, b) and not torch.equal(a, xb)


def test_flip_mirrors_left_right():
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 1, 4)
    p = fit1("augment_flip", x, probability=1.0)
    assert p.augment(torch.from_numpy(x), torch.Generator()).flatten().tolist() == [3, 2, 1, 0]


def test_no_augmentation_returns_the_batch_itself():
    p = fit1("standardize", table())
    xb = torch.ones(2, 3)
    assert p.augment(xb, torch.Generator()) is xb and not p.augments


# ---------------------------------------------------------------------------- fitting on training data only
def drawn_spec(xy: np.ndarray, labels: np.ndarray, steps: list[StepSpec]) -> DataSpec:
    return DataSpec("drawn", {"classes": 2, "points": encode_points(xy, labels)}, steps, SplitSpec(0.25, 0.25, True), seed=3)


def test_validation_and_test_rows_do_not_leak_into_the_fit():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(80, 2))
    labels = np.arange(80) % 2
    steps = [StepSpec("impute"), StepSpec("standardize"), StepSpec("minmax"), StepSpec("pca", {"components": 2})]
    before = prepare(drawn_spec(xy, labels, steps))
    held = np.concatenate([before.val_idx, before.test_idx])
    assert len(held) and not set(held) & set(before.train_idx)
    # Move every validation and test point far away: a leaking fit would change; this one must not.
    moved = xy.copy()
    moved[held] += 1000.0
    after = prepare(drawn_spec(moved, labels, steps))
    assert np.array_equal(after.train_idx, before.train_idx)
    for s0, s1 in zip(before.pipeline.steps, after.pipeline.steps, strict=True):
        for key, value in s0.state.items():
            assert np.allclose(np.asarray(s1.state[key]), np.asarray(value), atol=1e-5), (s0.spec.kind, key)
    mean = before.pipeline.steps[1].state["mean"]
    assert np.allclose(mean, decode_points(drawn_spec(xy, labels, []).params["points"])[0][before.train_idx].mean(0), atol=1e-4)
    # ... while the held-out rows are transformed with the training statistics: far off the training range.
    bundle = build(drawn_spec(moved, labels, steps[:2]))
    assert bundle.train.x.abs().max() < 10 and bundle.test.x.abs().max() > 100


def test_split_is_seeded_and_stratified():
    xy = np.random.default_rng(0).normal(size=(60, 2))
    labels = (np.arange(60) < 20).astype(int)  # 20 vs 40
    a, b = prepare(drawn_spec(xy, labels, [])), prepare(drawn_spec(xy, labels, []))
    assert np.array_equal(a.test_idx, b.test_idx)
    assert abs(labels[a.test_idx].mean() - labels.mean()) < 0.1


# ---------------------------------------------------------------------------- saving without pickle
def sample_for(kind: str) -> tuple[np.ndarray, list[StepSpec]]:
    category = PREPROCESSING.get(kind).category
    if category in ("Images", "Augmentation"):
        return images(8), [StepSpec(kind)]
    x = table(30)
    x[3, 1] = np.nan
    if kind == "onehot":
        x[:, 0] = np.arange(30) % 3
        return x, [StepSpec("impute"), StepSpec(kind)]
    return x, ([StepSpec("impute")] if kind != "impute" else []) + [StepSpec(kind)]


@pytest.mark.parametrize("kind", PREPROCESSING.names())
def test_every_fitted_state_round_trips_through_json_and_arrays(kind):
    x, steps = sample_for(kind)
    pipeline = fit_pipeline(steps, x, np.zeros(len(x), dtype=np.int64), ["a", "b", "c"])
    meta, arrays = pipeline.to_state()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as stored:
        restored = FittedPipeline.from_state(json.loads(json.dumps(meta)), dict(stored))
    assert restored.output_names == pipeline.output_names
    assert [s.out_shape for s in restored.steps] == [s.out_shape for s in pipeline.steps]
    np.testing.assert_allclose(restored.transform(x), pipeline.transform(x), rtol=1e-6)
    if pipeline.augments:
        xb = torch.from_numpy(x)
        assert torch.equal(restored.augment(xb, torch.Generator().manual_seed(1)), pipeline.augment(xb, torch.Generator().manual_seed(1)))


def test_damaged_state_is_refused_with_a_clear_message():
    meta, arrays = fit1("standardize", table()).to_state()
    with pytest.raises(ProjectFileError, match="misses the array"):
        FittedPipeline.from_state(meta, {})
    with pytest.raises(ProjectFileError, match="damaged"):
        FittedPipeline.from_state({"steps": "nope"}, arrays)


# ---------------------------------------------------------------------------- bundles
def test_shapes_and_feature_names_reach_the_bundle():
    spec = DataSpec("iris", preprocessing=[StepSpec("standardize"), StepSpec("construct", {"products": False})])
    bundle = build(spec)
    assert bundle.input_shape == (8,)
    assert bundle.feature_names[4] == "sepal length (cm)²"
    digits = build(DataSpec("digits", preprocessing=[StepSpec("image_resize", {"height": 4, "width": 4})]))
    assert digits.input_shape == (1, 4, 4)


def test_bad_drawing_is_explained():
    with pytest.raises(DataError, match="at least 10"):
        build(DataSpec("drawn", {"points": "0,0,0;1,1,1"}))
    with pytest.raises(DataError, match="x,y,class"):
        build(DataSpec("drawn", {"points": "0,0,zero"}))


def test_a_hand_drawn_dataset_trains():
    from nnstudio.core.arch.builder import build as build_model
    from nnstudio.core.arch.spec import ArchitectureSpec, layer
    from nnstudio.core.training.config import TrainSpec
    from nnstudio.core.training.engine import Trainer

    rng = np.random.default_rng(0)
    # A ring around a disc, drawn point by point; x1² and x2² make it linearly separable.
    angle = rng.uniform(0, 2 * np.pi, 40)
    ring = np.stack([np.cos(angle), np.sin(angle)], 1) * rng.uniform(0.8, 1.0, (40, 1))
    disc = rng.normal(0, 0.2, (40, 2))
    spec = drawn_spec(np.concatenate([ring, disc]), np.repeat([0, 1], 40), [StepSpec("construct", {"products": False})])
    bundle = build(spec)
    assert bundle.input_shape == (4,) and bundle.class_names == ["class A", "class B"]
    model = build_model(ArchitectureSpec([layer("linear", in_features=4, out_features=8), layer("relu"), layer("linear", in_features=8, out_features=2)]), bundle.input_shape).module
    trainer = Trainer(model, bundle, TrainSpec(lr=0.05, batch_size=16, epochs=25))
    result = trainer.fit()
    assert result.last("train_accuracy") > 0.9
    assert result.last("val_accuracy") > 0.8


def test_onehot_uses_the_table_sources_category_text():
    x = np.array([[0, 1.0], [2, 2.0], [1, np.nan], [0, 4.0]], dtype=np.float32)  # codes as a CSV source stores them
    p = fit_pipeline([StepSpec("onehot")], x, np.zeros(4), ["colour", "n"], {"categorical": {"colour": ["red", "green", "blue"]}})
    assert p.output_names == ["colour=red", "colour=green", "colour=blue", "n"]
    assert p.transform(x[:2]).tolist() == [[1, 0, 0, 1], [0, 0, 1, 2]]


def test_the_trainer_augments_training_batches_only():
    from nnstudio.core.arch.builder import build as build_model
    from nnstudio.core.arch.spec import ArchitectureSpec, layer
    from nnstudio.core.training.config import TrainSpec
    from nnstudio.core.training.engine import Trainer

    bundle = build(DataSpec("digits", preprocessing=[StepSpec("augment_flip", {"probability": 1.0})]))
    seen: list[int] = []
    augment = bundle.pipeline.augment

    def counting(xb, generator):
        seen.append(len(xb))
        return augment(xb, generator)

    bundle.pipeline.augment = counting
    model = build_model(ArchitectureSpec([layer("flatten"), layer("linear", in_features=64, out_features=10)]), bundle.input_shape).module
    Trainer(model, bundle, TrainSpec(batch_size=256, epochs=1)).fit()
    assert sum(seen) == len(bundle.train)  # every training example, once per epoch; validation never
