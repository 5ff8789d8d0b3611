"""Latent space: an autoencoder with a 2-D code rebuilds digits far better than before it trained, and in its
code the classes (never shown to it) sit apart well enough for a 5-nearest-neighbour vote."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.lessons import model_figures
from nnstudio.core.lessons.experiments import run_lesson, train_run
from nnstudio.core.lessons.figures import FIGURES, FinishedRun
from nnstudio.core.lessons.format import find_lesson


def test_latent_space_lesson_outcome():
    result = run_lesson(find_lesson("latent_space"))
    assert result.outcome_met, [c.sentence() for c in result.checks if not c.met]
    f = result.figures
    assert f["test_mse@code"] <= 0.5 * f["untrained_test_mse@code"]
    assert f["latent_knn_accuracy@code"] >= 0.7


def test_the_code_is_the_two_neuron_layer_and_every_digit_has_its_class():
    project = find_lesson("latent_space").start_project()
    project.training.epochs = 2
    run = train_run(project, None)
    trainer = run.trainer
    test = trainer.bundle.test
    codes = model_figures.encode(trainer.model.eval(), test.x)
    assert codes.shape == (len(test), 2)
    classes = model_figures.digit_classes(test.x)
    assert classes.min() >= 0 and set(classes.tolist()) == set(range(10))
    # the untrained figure is the test MSE of the run's starting weights, scored like the trained one
    assert model_figures._mse(trainer.model.eval(), trainer) == pytest.approx(FIGURES["test_mse"].compute(
        FinishedRun(trainer, run.result)), rel=1e-5)
    untrained = model_figures.untrained(trainer)
    assert any(not torch.equal(a, b) for a, b in zip(untrained.parameters(), trainer.model.parameters(), strict=True))
    assert model_figures.untrained_test_mse(trainer) > model_figures._mse(trainer.model.eval(), trainer)


def test_neighbour_vote_counts_the_majority_of_five():
    """On a hand-made plane: each query's five nearest points vote; a query that sits among the other class's
    points is counted wrong, so two right of three is 2/3."""
    points = torch.cat([torch.zeros(5, 2), torch.full((5, 2), 10.0), torch.tensor([[0.2, 0.2]])])
    labels = torch.tensor([0] * 5 + [1] * 5 + [1])  # one stray 1 among the 0s: outvoted four to one
    queries = torch.tensor([[0.1, 0.0], [9.9, 10.0], [10.0, 9.0]])
    assert model_figures.knn_accuracy(points, labels, queries, torch.tensor([0, 1, 1])) == pytest.approx(1.0)
    assert model_figures.knn_accuracy(points, labels, queries, torch.tensor([0, 1, 0])) == pytest.approx(2 / 3)
    assert model_figures.knn_accuracy(points, labels, queries[:1], torch.tensor([0]), k=1) == 1.0
