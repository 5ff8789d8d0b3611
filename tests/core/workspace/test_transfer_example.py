"""The shipped transfer-learning example: its head, fine-tuned on 10 examples of each of digits 5-9 over the
convolutions pretrained on 0-4 (weights inside the example file), beats the same network trained from scratch on
those 50 examples by at least 0.10 test accuracy, for each of 3 seeds; and it trains standalone from the CLI."""

from __future__ import annotations

import json

import pytest
import torch

from nnstudio.cli import main as cli_main
from nnstudio.core.evaluate.report import evaluate
from nnstudio.core.project.file_format import load_project
from nnstudio.core.project.templates import EXAMPLES_DIR
from nnstudio.core.project.transfer_example import example_file, few_shot, fine_tuning
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.session import train_project

GAP = 0.10


def test_accuracy(project) -> float:
    loaded = load_model(project)
    return evaluate(loaded.built.module, loaded.bundle).to_dict()["splits"]["test"]["accuracy"]


test_accuracy.__test__ = False  # a helper, not a test


@pytest.fixture(scope="module")
def shipped():
    return load_project(example_file(EXAMPLES_DIR))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fine_tuning_beats_training_from_scratch(shipped, seed):
    tuned = fine_tuning(shipped.weights, seed)
    train_project(tuned)
    for key in ("conv2d1.weight", "conv2d4.bias"):
        assert torch.equal(tuned.weights[key], shipped.weights[key])  # the frozen body is the pretrained one
    scratch = few_shot(False, seed)
    train_project(scratch)
    assert len(load_model(scratch).bundle.train) == 50
    tuned_acc, scratch_acc = test_accuracy(tuned), test_accuracy(scratch)
    assert tuned_acc >= scratch_acc + GAP, (seed, tuned_acc, scratch_acc)


def test_the_example_is_the_few_shot_project_with_pretrained_weights(shipped):
    assert shipped.to_dict() == fine_tuning(shipped.weights).to_dict()
    assert [l.frozen for l in shipped.architecture.layers] == [True] * 6 + [False, False]


def test_train_and_evaluate_the_example_from_the_cli(tmp_path, capsys):
    out = tmp_path / "tuned.nnstudio"
    assert cli_main(["train", str(example_file(EXAMPLES_DIR)), "--save", str(out), "--json"]) == 0
    capsys.readouterr()
    assert cli_main(["evaluate", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    test = report["splits"]["test"]
    assert test["n"] == len(load_model(load_project(out)).bundle.test) > 800
    assert test["accuracy"] == pytest.approx(test_accuracy(load_project(out)), abs=1e-9)
    assert test["accuracy"] > 0.5


def test_info_lists_the_example_with_every_template_and_counts_frozen_weights(capsys):
    from nnstudio.core.project.templates import TEMPLATES, catalogue

    assert cli_main(["info", "--list", "templates"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == list(catalogue()) and names[: len(TEMPLATES)] == list(TEMPLATES)  # every template, then examples
    assert "transfer_digits      Transfer learning: fine-tune a CNN's head on digits 5-9" in lines
    assert cli_main(["info", str(example_file(EXAMPLES_DIR))]) == 0
    assert "  total 21,701 parameters (2,885 trainable, 18,816 frozen)," in capsys.readouterr().out
