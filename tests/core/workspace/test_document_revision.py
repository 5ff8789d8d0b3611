"""The document's prepared data and built network: made once per change, the same objects until then, and a
revision number that goes up on every change (views key their refresh on it)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers_data_counts import count_data_work

from nnstudio.core.arch.adapt import adapt_project
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.data import assemble
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.evaluate.tryit import feature_input
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.document import ProjectDocument


@pytest.fixture
def counts(monkeypatch) -> dict[str, int]:
    return count_data_work(monkeypatch)


def iris_document() -> ProjectDocument:
    project = default_project()
    project.data = DataSpec("iris", preprocessing=[StepSpec("standardize")])
    doc = ProjectDocument(project)
    adapt_project(project, doc.bundle())  # the digits network's sizes, fitted to 4 columns and 3 classes
    return doc


def test_every_kind_of_change_raises_the_revision():
    doc = iris_document()
    seen = [doc.revision]

    def changed(what: str) -> None:
        assert doc.revision > seen[-1], f"{what} did not raise the revision"
        seen.append(doc.revision)

    spec = doc.project.data.copy()
    spec.preprocessing = []
    doc.set_data(spec)
    changed("set_data")
    doc.set_architecture(doc.project.architecture)
    changed("set_architecture")
    training = doc.project.training.copy()
    training.lr *= 2
    doc.set_training(training)
    changed("set_training")
    doc.set_trained(snapshot_weights(doc.fresh_model()), {"train_loss": [1.0]})
    changed("set_trained")
    doc.replace(iris_document().project)
    changed("replace")
    doc.defer_data()
    doc.load_deferred_data()
    changed("load_deferred_data")
    assert len(set(seen)) == len(seen) == 7


def test_views_get_the_same_objects_until_what_they_derive_from_changes(counts):
    doc = iris_document()
    prepared, built = doc.prepared(), doc.built()
    assert doc.prepared() is prepared and doc.bundle() is prepared.bundle and doc.built() is built
    assert doc.current_prepared is prepared

    doc.set_trained(snapshot_weights(doc.fresh_model()), {})  # new weights: same data, same network
    assert doc.prepared() is prepared and doc.built() is built
    training = doc.project.training.copy()
    training.lr *= 2
    doc.set_training(training)  # a setting the network does not depend on
    assert doc.built() is built
    training = doc.project.training.copy()
    training.batch_size *= 2
    doc.set_training(training)  # the batch size decides whether the network fits in memory
    assert doc.built() is not built and doc.prepared() is prepared
    built = doc.built()
    doc.set_architecture(doc.project.architecture)
    assert doc.built() is not built and doc.prepared() is prepared

    spec = doc.project.data.copy()
    spec.preprocessing = []
    doc.set_data(spec)
    assert doc.prepared() is not prepared and doc.prepared().spec.preprocessing == []
    assert counts["fits"] == 2 and counts["reads"] == 2  # the first prepare and the data change, nothing else


def test_preprocessing_is_fitted_once_however_many_views_read_it(counts):
    doc = iris_document()
    doc.set_trained(snapshot_weights(doc.fresh_model()), {})
    for _ in range(3):  # what the Data, Training, Inside, Evaluation and Interpret tabs read
        doc.bundle()
        doc.built()
        doc.trained_model()
        doc.fresh_model()
        assert doc.prepared().raw_view is not None
    assert counts == {"fits": 1, "reads": 1}


def test_fresh_models_are_the_documents_network_but_never_its_shared_module():
    doc = iris_document()
    shared = doc.built().module
    before = {k: v.clone() for k, v in shared.state_dict().items()}
    a, b = doc.fresh_model(), doc.fresh_model()
    assert a is not shared and b is not shared
    for k, v in a.state_dict().items():  # seeded from the project's seed: the same start every time
        assert torch.equal(v, b.state_dict()[k])
    with torch.no_grad():
        for p in a.parameters():
            p.add_(1.0)  # a run training its own module ...
    assert all(torch.equal(v, before[k]) for k, v in shared.state_dict().items())  # ... leaves the document's alone


def test_the_raw_view_is_the_prepared_rows_in_their_own_units(counts):
    doc = iris_document()
    prepared = doc.prepared()
    view = prepared.raw_view
    assert view is prepared.raw_view  # made once
    np.testing.assert_array_equal(view.splits["test"], prepared.raw.x[prepared.test_idx])
    train = prepared.raw.x[prepared.train_idx]
    np.testing.assert_allclose(view.mean, train.astype(np.float64).mean(axis=0))
    assert not np.allclose(view.mean, 0.0, atol=0.1)  # centimetres, not standardized values
    # typed values in the data's units become exactly the model inputs the bundle holds for those rows
    for i in range(3):
        np.testing.assert_allclose(feature_input(prepared.bundle, view.splits["test"][i]), prepared.bundle.test.x[i].numpy(), rtol=1e-6)
    assert counts["reads"] == 1


def test_editing_steps_reuses_the_rows_already_read(counts):
    doc = iris_document()
    doc.prepared()
    spec = doc.project.data.copy()
    spec.preprocessing = [StepSpec("minmax")]
    raw = doc.reusable_raw(spec)
    assert raw is doc.prepared().raw
    doc.set_data(spec, assemble.prepare(spec, doc.base_dir, raw))
    assert counts == {"fits": 2, "reads": 1}
    other = DataSpec("wine")
    assert doc.reusable_raw(other) is None  # another source is read afresh
    seeded = doc.project.data.copy()
    seeded.seed += 1
    assert doc.reusable_raw(seeded) is None  # a generated source depends on the seed
