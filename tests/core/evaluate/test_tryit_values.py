"""Try it, core side: a drawing or typed values become the model's input and its probabilities.

The expected numbers are computed here without the try-it code: the drawing (or the typed row) is mapped
to the data's units and standardized with statistics counted on the training rows, the network is called
on it, and softmax is taken. A trained network must also read clearly drawn digits and typical flowers
correctly.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, load_iris

from nnstudio.core.data.assemble import load_raw, prepare, split_indices
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.evaluate.predict import predict_one
from nnstudio.core.evaluate.tryit import feature_input, image_input
from nnstudio.core.project.spec import Project, default_project
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.session import train_project

# Drawn on the 8x8 grid the Evaluation tab shows, shaped like the dataset's digits.
DIGITS = {
    0: """
..####..
.##..##.
.#....#.
##....##
##....##
.#....#.
.##..##.
..####..""",
    1: """
...##...
..###...
...##...
...##...
...##...
...##...
...##...
..####..""",
    7: """
.######.
.....##.
....##..
...##...
..##....
..##....
..##....
........""",
}


def drawing(digit: int) -> np.ndarray:
    """The ASCII drawing as ink in [0, 1], (8, 8)."""
    rows = DIGITS[digit].strip().splitlines()
    return np.array([[c == "#" for c in row] for row in rows], dtype=np.float32)


def softmax_of(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out = model.eval()(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]).double()
    return torch.softmax(out[0], 0).numpy()


def training_rows(spec: DataSpec) -> np.ndarray:
    """The raw training rows (before preprocessing), picked with the project's seeded split."""
    raw = load_raw(spec)
    train_idx, _, _ = split_indices(raw, spec)
    return raw.x[train_idx].reshape(len(train_idx), -1).astype(np.float64)


@pytest.fixture(scope="module")
def digits_model():
    project = default_project()  # SimpleNN on the 8x8 digits
    project.data.preprocessing = []  # no preprocessing here (the default standardizes; tested below)
    project.training.epochs = 12
    train_project(project)
    prepared = load_model(project)
    return project, prepared.bundle, prepared.built.module


@pytest.fixture(scope="module")
def standardized_digits_model():
    project = default_project()
    project.data.preprocessing = [StepSpec("standardize", {})]
    project.training.epochs = 2
    train_project(project)
    prepared = load_model(project)
    return project, prepared.bundle, prepared.built.module


def test_a_drawn_digit_gives_the_models_own_softmax_and_is_read_correctly(digits_model):
    project, bundle, model = digits_model
    raw = prepare(project.data).raw_view
    assert raw is not None and raw.value_range == (0.0, 1.0)  # the digits are scaled to [0, 1]
    for digit in DIGITS:
        canvas = drawing(digit)
        x = image_input(bundle, canvas, raw.value_range)
        np.testing.assert_array_equal(x, canvas[None])  # no preprocessing: ink 1.0 is pixel 1.0
        shown = predict_one(model, x, bundle.task)
        expected = softmax_of(model, canvas[None])
        np.testing.assert_allclose(shown, expected, rtol=1e-6, atol=1e-9)
        assert int(np.argmax(shown)) == digit, (digit, shown.round(3))


def test_a_drawing_is_standardized_with_the_training_statistics(standardized_digits_model):
    project, bundle, model = standardized_digits_model
    raw = prepare(project.data).raw_view
    train = training_rows(project.data)
    mean, std = train.mean(0), train.std(0)
    std = np.where(std > 1e-12, std, 1.0)
    everything = (load_digits().images / 16.0).reshape(-1, 64)
    assert not np.allclose(mean, everything.mean(0))  # statistics of all rows would give other inputs
    canvas = drawing(0)
    expected_input = ((canvas.reshape(-1) - mean) / std).reshape(1, 8, 8)
    x = image_input(bundle, canvas, raw.value_range)
    np.testing.assert_allclose(x, expected_input, rtol=1e-5, atol=1e-5)
    # float32 against float64 standardizing: near-constant pixels have tiny spreads, so allow 1e-4
    np.testing.assert_allclose(predict_one(model, x, bundle.task), softmax_of(model, expected_input), rtol=1e-4, atol=1e-6)


def test_a_larger_drawing_is_averaged_down_to_the_datas_grid(digits_model):
    """A 32x32 drawing whose strokes are half as wide as an 8x8 pixel: each pixel of the grid is the mean
    of its 4x4 block, so thin strokes come out grey (0.5), not dropped or thickened."""
    project, bundle, model = digits_model
    canvas = drawing(7)
    half_block = np.array([[1, 1, 0, 0]] * 4, dtype=np.float32)
    big = np.kron(canvas, half_block)
    x = image_input(bundle, big, (0.0, 1.0))
    np.testing.assert_allclose(x, 0.5 * canvas[None], atol=1e-6)
    np.testing.assert_allclose(predict_one(model, x, bundle.task), softmax_of(model, 0.5 * canvas[None]), rtol=1e-6)


IRIS_TYPED = {  # (sepal length, sepal width, petal length, petal width) in cm -> species
    (5.0, 3.4, 1.5, 0.2): 0,  # setosa
    (5.9, 2.8, 4.3, 1.3): 1,  # versicolor
    (6.8, 3.1, 5.8, 2.2): 2,  # virginica
}


@pytest.fixture(scope="module")
def iris_model():
    from nnstudio.core.arch.spec import ArchitectureSpec, layer
    from nnstudio.core.training.config import TrainSpec

    project = Project(
        "iris", ArchitectureSpec([layer("linear", out_features=16), layer("relu"), layer("linear", out_features=3)]),
        DataSpec("iris", preprocessing=[StepSpec("standardize", {})]), TrainSpec(epochs=60, lr=0.01, batch_size=16),
    )
    project = Project.from_dict(project.to_dict())
    train_project(project)
    prepared = load_model(project)
    return project, prepared.bundle, prepared.built.module


def test_typed_values_give_the_models_own_softmax_and_a_typical_flower_is_named(iris_model):
    project, bundle, model = iris_model
    train = training_rows(project.data)
    mean, std = train.mean(0), train.std(0)
    assert not np.allclose(mean, load_iris().data.mean(0))
    for values, species in IRIS_TYPED.items():
        expected_input = (np.asarray(values) - mean) / std
        x = feature_input(bundle, list(values))
        np.testing.assert_allclose(x, expected_input, rtol=1e-5, atol=1e-6)
        shown = predict_one(model, x, bundle.task)
        np.testing.assert_allclose(shown, softmax_of(model, expected_input), rtol=1e-5, atol=1e-7)
        assert int(np.argmax(shown)) == species, (values, shown.round(3))
