"""The default export reads like the lecture: a model class, a DataLoader over a TensorDataset, a plain loop,
the test score at the end, and only the code the project's settings use. It learns as well as the app
(not number for number: the DataLoader shuffles with its own draws; ``--exact`` keeps the app's)."""

from __future__ import annotations

import contextlib
import io
import re
import runpy
import sys

import pytest
import torch

from nnstudio.cli import main as cli_main
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.data.spec import StepSpec
from nnstudio.core.export.codegen import export_project, generate
from nnstudio.core.project.spec import default_project
from nnstudio.core.project.templates import TEMPLATES
from nnstudio.core.training.engine import Trainer
from nnstudio.core.workspace.document import load_model

# What the exact script needs for parity and a student does not: none of it belongs in the default export.
PARITY_MACHINERY = ("reset_weights", "1_000_003", "if L1:", "if GRAD_CLIP:", "L1 =", "GRAD_CLIP =",
                    "CLASSIFICATION =", "randperm", "xs[start", "FINAL ", "import math", "import json")


def script_of(project, tmp_path, name="net"):
    """The exported script, run as a module (defines everything, trains nothing)."""
    written = export_project(project, tmp_path / f"{name}.py")
    return written[0].read_text(), runpy.run_path(str(written[0]), run_name="exported")


def run_main(script, epochs):
    """``main(epochs)`` of an exported script, quietly; torch's thread count is put back afterwards."""
    threads = torch.get_num_threads()
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            model, scores = script["main"](epochs)
    finally:
        torch.set_num_threads(threads)
    return model, scores, out.getvalue()


def test_default_export_is_the_lecture_loop_without_parity_machinery():
    text = generate(default_project())[0]
    for piece in PARITY_MACHINERY:
        assert piece not in text, piece  # before: every one of them was in the default export
    for piece in ("class SimpleNN(nn.Module):", "from torch.utils.data import DataLoader, TensorDataset",
                  "train_loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)",
                  "def train_one_epoch(model, loader, optimizer):", "loss_fn = nn.CrossEntropyLoss()",
                  "optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)\n",
                  "test = evaluate(model, test_loader)", "test accuracy"):
        assert piece in text, piece


def test_options_that_are_on_are_written_and_only_those():
    project = default_project()
    t = project.training
    t.l1, t.grad_clip, t.weight_decay, t.schedule, t.schedule_params = 1e-5, 1.0, 1e-4, "step", {"step_size": 5, "gamma": 0.5}
    t.early_stopping = True
    text = generate(project)[0]
    assert "L1 = 1e-05  #" in text and "loss = loss + L1 * sum(" in text
    assert "GRAD_CLIP = 1.0  #" in text and "nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)" in text
    assert "torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, weight_decay=0.0001)" in text
    assert "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)" in text
    assert "        scheduler.step()" in text
    assert "Not included: early stopping (nnstudio applies them; this script trains without)." in text


@pytest.mark.parametrize("name", ["simple_nn_8x8", "lstm_classifier", "deep_relu", "autoencoder"])
def test_load_data_gives_the_apps_splits_as_tensor_datasets(tmp_path, name):
    project = TEMPLATES[name].project()
    _, script = script_of(project, tmp_path)
    bundle = build_data(project.data)
    sets = script["load_data"]()
    for mine, theirs in zip(sets, (bundle.train, bundle.validation, bundle.test), strict=True):
        assert isinstance(mine, torch.utils.data.TensorDataset)
        x, y = mine.tensors
        assert x.dtype == theirs.x.dtype and y.dtype == theirs.y.dtype and x.shape == theirs.x.shape
        assert torch.allclose(x.float(), theirs.x.float(), atol=1e-5) and torch.equal(y, theirs.y)


def test_standardized_iris_with_no_validation_split(tmp_path):
    project = default_project()
    project.data.source, project.data.params = "iris", {}
    project.data.preprocessing = [StepSpec("standardize", {})]
    project.data.split.validation = 0.0
    project.architecture = ArchitectureSpec([layer("linear", out_features=8), layer("relu"), layer("linear", out_features=3)], name="Iris")
    text, script = script_of(project, tmp_path)
    assert "val_loader" not in text and "x_val, y_val = x[:0], y[:0]" in text
    bundle = build_data(project.data)
    train, _, test = script["load_data"]()
    assert torch.allclose(train.tensors[0], bundle.train.x, atol=1e-5) and torch.equal(test.tensors[1], bundle.test.y)
    _, scores, out = run_main(script, 2)
    assert 0.0 <= scores["accuracy"] <= 1.0 and "val loss" not in out


def test_idiomatic_script_reaches_the_apps_test_accuracy_on_8x8_digits(tmp_path):
    project = default_project()  # SimpleNN on the 8x8 digits
    project.training.device = "cpu"
    epochs = project.training.epochs = 10
    prepared = load_model(project, load_weights=False)
    trainer = Trainer(prepared.built.module, prepared.bundle, project.training)
    trainer.fit(epochs)
    app = trainer.evaluate_split(prepared.bundle.test, "test")["test_accuracy"]
    _, script = script_of(project, tmp_path)
    _, scores, out = run_main(script, epochs)
    assert app > 0.9  # a trained network: the comparison means something
    assert abs(scores["accuracy"] - app) <= 0.02, (scores["accuracy"], app)
    last = out.strip().splitlines()[-1]
    assert last == f"test loss {scores['loss']:.4f}  test accuracy {scores['accuracy']:.4f}"


@pytest.mark.parametrize("exact", [False, True], ids=["idiomatic", "exact"])
def test_both_variants_run_as_programs(tmp_path, monkeypatch, capsys, exact):
    """``export-code --demo [--exact]``, then the script's own command line, in this process (no second torch
    import); test_codegen_injection.py runs both variants in a subprocess."""
    target = tmp_path / "demo.py"
    assert cli_main(["export-code", "--demo", "-o", str(target), *(["--exact"] if exact else [])]) == 0
    monkeypatch.setattr(sys, "argv", [str(target), "--epochs", "1"])
    threads = torch.get_num_threads()
    try:
        runpy.run_path(str(target), run_name="__main__")
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert re.search(r"^epoch   1/1  train[ _]loss \d\.\d{4}", out, re.M)
    if exact:
        assert re.search(r'^FINAL \{"val_loss": ', out, re.M)
    else:
        assert re.search(r"^test loss \d\.\d{4}  test accuracy 0\.\d{4}$", out, re.M)


def test_regression_reports_rmse(tmp_path):
    _, script = script_of(TEMPLATES["autoencoder"].project(), tmp_path)
    _, scores, out = run_main(script, 1)
    assert set(scores) == {"loss", "rmse"} and scores["rmse"] == pytest.approx(scores["loss"] ** 0.5, rel=1e-4)
    assert f"test rmse {scores['rmse']:.4f}" in out
