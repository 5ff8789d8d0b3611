"""The default project is as good as the obvious peer.

scikit-learn's ``MLPClassifier(hidden_layer_sizes=(128,), random_state=0)`` reaches 0.978 test accuracy on
the default project's 70/15/15 split of the 8x8 digits. The default project (same 64-128-10 shape, settings
chosen on the validation split by ``bench/default_project_search.py``) must reach at least 0.975 on average
over training seeds 0, 1 and 2, and at least 0.97 with each. Trained in-process on one torch thread, so the
three runs are quick and repeatable.
"""

import statistics

import pytest
import torch

from nnstudio.core.project.spec import default_project
from nnstudio.core.training.engine import COMPLETED, Trainer
from nnstudio.core.workspace.document import load_model


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def test_default_project_matches_sklearns_mlp_on_the_digits_test_split(one_thread):
    accuracies = []
    for seed in (0, 1, 2):
        project = default_project()
        project.training.seed = seed
        prepared = load_model(project, load_weights=False)
        trainer = Trainer(prepared.built.module, prepared.bundle, project.training)
        result = trainer.fit()
        assert result.status == COMPLETED and result.epochs == project.training.epochs
        accuracies.append(trainer.evaluate_split(prepared.bundle.test, "test")["test_accuracy"])
    assert len(prepared.bundle.test) == 270  # the 70/15/15 split of the 1,797 digits
    per_seed = [round(a, 4) for a in accuracies]
    assert min(accuracies) >= 0.97, per_seed
    assert statistics.mean(accuracies) >= 0.975, per_seed


def test_default_project_keeps_the_lecture_shape_and_split():
    project = default_project()
    kinds = [(spec.kind, spec.params.get("in_features"), spec.params.get("out_features"))
             for spec in project.architecture.layers]
    assert kinds == [("flatten", None, None), ("linear", 64, 128), ("relu", None, None), ("linear", 128, 10)]
    split = project.data.split
    assert (split.validation, split.test) == (0.15, 0.15)
    # The scaling is a step of the project, so the pipeline, Try it and the exported script all apply it.
    assert [step.kind for step in project.data.preprocessing] == ["standardize"]
