"""A run that finishes no better than guessing says so, in the core, the CLI and the Training tab's status."""

from __future__ import annotations

import json

import pytest
import torch

from nnstudio.cli import main
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.training.verdict import no_better_than_guessing
from nnstudio.core.workspace.session import train_project


def _validation_share_of_training_majority(bundle) -> float:
    """What always answering the training split's most common class scores on the validation split."""
    majority = int(torch.bincount(bundle.train.y.long()).argmax())
    return float((bundle.validation.y.long() == majority).double().mean())


def _stuck_project():
    project = default_project()
    project.training.lr = 1e-7  # far too small: after an epoch the network still answers as it was initialised
    project.training.epochs = 1
    return project


def test_a_run_that_learned_nothing_is_called_out_with_the_numbers():
    project = _stuck_project()
    result = train_project(project)
    assert result.status == "completed"
    bundle = build_data(project.data)
    guess = _validation_share_of_training_majority(bundle)  # counted here
    last = result.history["val_accuracy"][-1]
    assert last <= guess + 0.02
    assert result.warning == (
        f"The validation accuracy is {last:.1%}, no better than always answering the most common class "
        f"({guess:.1%}): the network has not learned the task; the learning rate (1e-07) may be too high or too low, "
        "or the network may need more epochs."
    )


def test_a_run_that_learned_is_not_called_out():
    project = default_project()
    project.training.epochs = 3
    assert train_project(project).warning == ""


@pytest.mark.parametrize(("accuracy", "warned"), [(0.11, True), (0.12, True), (0.13, False)])
def test_the_margin_is_two_points_above_the_guess(accuracy, warned):
    bundle = build_data(default_project().data)
    guess = _validation_share_of_training_majority(bundle)
    history = {"val_loss": [1.0], "val_accuracy": [round(guess, 4) - 0.1024 + accuracy]}
    assert bool(no_better_than_guessing(history, bundle, 0.01)) is warned


def test_regression_compares_with_the_training_mean():
    project = default_project()
    project.data.source, project.data.params = "sine", {}
    bundle = build_data(project.data)
    mean = bundle.train.y.double().mean(dim=0)
    guess = float(((bundle.validation.y.double() - mean) ** 2).mean().sqrt())
    assert no_better_than_guessing({"val_loss": [1.0], "val_rmse": [guess]}, bundle, 0.01).startswith(
        f"The validation RMSE is {guess:.4g}, no better than always predicting the training mean ({guess:.4g})")
    assert no_better_than_guessing({"val_loss": [1.0], "val_rmse": [guess * 0.5]}, bundle, 0.01) == ""


def test_cli_train_prints_the_warning_and_puts_it_in_the_json(tmp_path, capsys):
    path = tmp_path / "stuck.json"
    save_project(_stuck_project(), path)
    assert main(["train", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert "nnstudio train: warning: The validation accuracy is" in captured.err
    payload = json.loads(captured.out.strip().splitlines()[-1])
    assert payload["warnings"][0].startswith("The validation accuracy is")


def _labels_bundle(train: list[int], validation: list[int]):
    from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle, Split

    def split(y: list[int]) -> Split:
        return Split(torch.zeros(len(y), 2), torch.tensor(y))

    return DataBundle(CLASSIFICATION, split(train), split(validation), split([]), (2,), class_names=["a", "b"])


def test_the_guess_is_scored_on_the_split_the_accuracy_comes_from():
    # Training is 60% 'a', validation only 20%: always answering 'a' scores 20% there, so 50% is better than guessing.
    bundle = _labels_bundle([0, 0, 0, 1, 1], [1, 1, 1, 1, 0])
    assert no_better_than_guessing({"val_loss": [1.0], "val_accuracy": [0.5]}, bundle, 0.01) == ""
    # Validation is 80% 'a': a network at 70% does worse than always answering 'a' there.
    bundle = _labels_bundle([0, 0, 0, 1, 1], [0, 0, 0, 0, 1])
    assert no_better_than_guessing({"val_loss": [1.0], "val_accuracy": [0.7]}, bundle, 0.01).startswith(
        "The validation accuracy is 70.0%, no better than always answering the most common class (80.0%)")
