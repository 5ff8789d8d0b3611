"""Frozen layers (transfer learning): the flag round-trips and is checked, the builder counts frozen weights
apart, every optimizer leaves them bit for bit as they were, a fresh run keeps the project's weights for them,
and the edit is undoable."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.arch.builder import build
from nnstudio.core.arch.commands import SetFrozen
from nnstudio.core.arch.spec import ArchitectureSpec, LayerSpec, layer
from nnstudio.core.base.errors import SpecError, TrainingError
from nnstudio.core.base.registry import OPTIMIZERS
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.session import train_project


def frozen(spec: LayerSpec) -> LayerSpec:
    spec.frozen = True
    return spec


def cnn(freeze_body: bool = True) -> ArchitectureSpec:
    body = [layer("conv2d", out_channels=4, kernel_size=3, padding=1), layer("batchnorm"), layer("relu")]
    if freeze_body:
        body = [frozen(b) for b in body]
    return ArchitectureSpec([*body, layer("flatten"), layer("linear", out_features=10)], name="Tiny")


def project(optimizer: str = "adam", **train) -> Project:
    params = OPTIMIZERS.get(optimizer).validate({}, "optimizer_params")
    return Project("frozen", cnn(), DataSpec("digits"),
                   TrainSpec(optimizer=optimizer, optimizer_params=params, epochs=1, batch_size=64, lr=0.05,
                             device="cpu", **train))


def test_flag_round_trips_and_is_checked(tmp_path):
    arch = cnn()
    again = ArchitectureSpec.from_dict(arch.to_dict())
    assert [l.frozen for l in again.layers] == [True, True, True, False, False]
    assert "frozen" not in ArchitectureSpec([layer("relu")]).to_dict()["layers"][0]  # unset: files unchanged
    p = project()
    save_project(p, tmp_path / "p.nnstudio")
    assert [l.frozen for l in load_project(tmp_path / "p.nnstudio").architecture.layers][:4] == [True, True, True, False]
    with pytest.raises(SpecError, match=r"architecture.layers\[0\].frozen: must be true .* or false \(got 'yes'\)"):
        ArchitectureSpec.from_dict({"layers": [{"kind": "relu", "frozen": "yes"}]})


def test_builder_counts_frozen_weights_apart():
    built = build(cnn(), (1, 8, 8))
    conv, bn = built.layers[0], built.layers[1]
    assert (conv.params, conv.trainable) == (40, 0) and (bn.params, bn.trainable) == (8, 0)
    head = built.layers[-1]
    assert head.trainable == head.params == 4 * 64 * 10 + 10
    assert (built.trainable_params, built.frozen_params) == (head.params, 48)
    assert not any(p.requires_grad for p in built.module.conv2d1.parameters())


def test_a_frozen_block_freezes_its_inner_layers():
    spec = ArchitectureSpec([layer("flatten"), frozen(layer("residual", children=[layer("linear", out_features=64)])),
                             layer("linear", out_features=10)])
    built = build(spec, (1, 8, 8))
    inner = next(i for i in built.layers if i.index == "2.1")
    assert inner.trainable == 0 and inner.params == 64 * 64 + 64
    assert built.frozen_params == 64 * 64 + 64


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS.names()))
def test_every_optimizer_leaves_frozen_layers_bit_for_bit(optimizer):
    p = project(optimizer, weight_decay=0.01, l1=1e-4)
    train_project(p)  # the first run: every layer starts fresh, the frozen ones keep their start
    for k in ("conv2d1.weight", "batchnorm2.weight", "batchnorm2.running_var"):
        p.weights[k] = p.weights[k] + 0.25  # as if loaded from another project: not what a fresh seed gives
    before = {k: v.clone() for k, v in p.weights.items()}
    result = train_project(p, epochs=2)  # a fresh run: the frozen layers keep the project's weights
    after = p.weights
    frozen_keys = [k for k in before if k.startswith(("conv2d1.", "batchnorm2."))]
    assert {"conv2d1.weight", "batchnorm2.running_mean", "batchnorm2.running_var"} <= set(frozen_keys)
    for k in frozen_keys:
        assert torch.equal(before[k], after[k]), k
    assert not torch.equal(before["linear5.weight"], after["linear5.weight"])  # the head did train
    assert result.last("train_loss") == result.last("train_loss")  # finite


def test_frozen_weights_are_left_out_of_the_optimizer():
    from nnstudio.core.workspace.run_session import RunSession

    session = RunSession.fresh(project("sgd"))
    given = {id(q) for group in session.trainer.optimizer.param_groups for q in group["params"]}
    model = session.trainer.model
    assert given == {id(q) for q in model.linear5.parameters()}
    model.train()
    assert model.training and not model.conv2d1.training and not model.batchnorm2.training  # frozen: evaluating


def test_fresh_run_without_weights_for_a_frozen_layer_says_so(caplog):
    p = project()
    with caplog.at_level("WARNING"):
        train_project(p)
    assert "conv2d1 is frozen but the project holds no weights for it, so it keeps its fresh random weights" in caplog.text


def test_everything_frozen_is_refused_in_words():
    p = project()
    p.architecture.layers[-1].frozen = True
    with pytest.raises(TrainingError, match="Every layer with weights is frozen, so training has nothing to change; "
                                            "unfreeze at least one layer"):
        train_project(p)


def test_freezing_is_one_undoable_edit():
    spec = cnn(freeze_body=False)
    command = SetFrozen((0,), True)
    command.apply(spec)
    assert spec.layers[0].frozen and command.text == "Freeze Conv2d (layer 1)"
    command.revert(spec)
    assert not spec.layers[0].frozen


def test_sweep_trials_keep_the_frozen_layers_weights():
    from nnstudio.core.data.assemble import build as build_data
    from nnstudio.core.workspace.sweep import SweepSpec, run_sweep

    p = project()
    train_project(p)
    p.weights["conv2d1.weight"] = p.weights["conv2d1.weight"] + 0.25  # not what a fresh seed gives
    runs = run_sweep(SweepSpec(lrs=[0.01, 0.05], epochs=1), p.architecture, build_data(p.data), p.training,
                     weights=p.weights)
    assert [r.status for r in runs] == ["completed", "completed"]
    for run in runs:
        assert torch.equal(run.weights["conv2d1.weight"], p.weights["conv2d1.weight"])
        assert not torch.equal(run.weights["linear5.weight"], p.weights["linear5.weight"])
