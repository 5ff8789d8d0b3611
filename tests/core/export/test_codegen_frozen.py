"""Exported code honours frozen layers: no gradients, left out of the optimizer, evaluation mode, and the
weights the project holds for them loaded from the ``_frozen.npz`` beside the script (both spellings)."""

from __future__ import annotations

import runpy

import pytest
import torch

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.export.codegen import export_project
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.session import train_project


def frozen_project() -> Project:
    body = [layer("conv2d", out_channels=4, kernel_size=3, padding=1), layer("batchnorm"), layer("relu")]
    for b in body:
        b.frozen = True
    head = layer("residual", children=[layer("linear", out_features=8)])
    head.frozen = True
    arch = ArchitectureSpec([*body, layer("flatten"), layer("linear", out_features=8), head,
                             layer("linear", out_features=10)], name="Tiny")
    p = Project("frozen", arch, DataSpec("digits"), TrainSpec(epochs=1, batch_size=64, lr=0.05, device="cpu", l1=1e-4))
    train_project(p)
    p.weights = {k: v + 0.125 if k.startswith(("conv2d1.", "batchnorm2.", "residual6.")) else v for k, v in p.weights.items()}
    return p


@pytest.mark.parametrize("exact", [False, True])
def test_exported_script_keeps_frozen_layers(tmp_path, exact):
    p = frozen_project()
    written = export_project(p, tmp_path / "net.py", exact=exact)
    assert [w.name for w in written] == ["net.py", "net_frozen.npz"]
    text = written[0].read_text()
    assert "(p for p in model.parameters() if p.requires_grad)" in text  # the optimizer gets only the others
    script = runpy.run_path(str(written[0]), run_name="exported")
    model, _ = script["train"](1) if exact else script["main"](1)
    state = model.state_dict()
    for key in ("conv2d1.weight", "batchnorm2.running_mean", "batchnorm2.running_var", "batchnorm2.weight"):
        assert torch.equal(state[key], p.weights[key]), key
    assert torch.equal(state["residual6_linear1.weight"], p.weights["residual6.body.linear1.weight"])
    assert not torch.equal(state["linear5.weight"], p.weights["linear5.weight"])  # the rest trained
    model.train()
    assert not model.batchnorm2.training and model.linear5.training


def test_project_without_frozen_layers_exports_as_before(tmp_path):
    p = Project("plain", ArchitectureSpec([layer("flatten"), layer("linear", out_features=10)]), DataSpec("digits"),
                TrainSpec(epochs=1, device="cpu"))
    written = export_project(p, tmp_path / "net.py")
    assert [w.name for w in written] == ["net.py"]
    text = written[0].read_text()
    assert "requires_grad" not in text and "frozen" not in text


def test_the_transfer_example_exports_and_keeps_its_pretrained_body(tmp_path):
    from nnstudio.core.project.file_format import load_project
    from nnstudio.core.project.templates import EXAMPLES_DIR
    from nnstudio.core.project.transfer_example import example_file

    p = load_project(example_file(EXAMPLES_DIR))
    written = export_project(p, tmp_path / "tuned.py")
    assert [w.name for w in written] == ["tuned.py", "tuned_data.npz", "tuned_frozen.npz"]  # its data: a sidecar
    model, test = runpy.run_path(str(written[0]), run_name="exported")["main"](2)
    assert torch.equal(model.state_dict()["conv2d4.weight"], p.weights["conv2d4.weight"])
    assert 0.0 <= test["accuracy"] <= 1.0
