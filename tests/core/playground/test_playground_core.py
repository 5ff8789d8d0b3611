"""The Playground's Qt-free side: which networks it draws, its edits as undoable commands, the feature
toggles as the Construct step, and the one-pass frames computed inside the engine's own loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.arch.builder import build
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.base.errors import DataError, NNStudioError
from nnstudio.core.data.assemble import prepare
from nnstudio.core.playground import data as pdata
from nnstudio.core.playground import graph as pgraph
from nnstudio.core.playground.frames import FrameCallback, compute_frame, set_weight, surface_for
from nnstudio.core.project.spec import default_project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.engine import Trainer, new_model


def spiral(features=None):
    spec = pdata.toy_spec("spiral")
    spec.params["n_samples"] = 120
    if features:
        spec = pdata.with_features(spec, ["x1", "x2"], features)
    return prepare(spec)


def test_which_networks_are_drawn_and_why_not():
    g = pgraph.read_graph(pgraph.starter_architecture(2, 2))
    assert [(c.units, c.activation) for c in g.columns] == [(4, "tanh"), (2, "tanh")] and g.outputs == 2
    assert pgraph.drawable_problem(default_project().architecture) == ""  # Flatten first is a no-op on rows
    marked = ArchitectureSpec([layer("linear", out_features=3), layer("batchnorm"), layer("relu"), layer("dropout"),
                               layer("linear", out_features=2)])
    assert pgraph.read_graph(marked).columns[0].marks == ["batch norm", "dropout"]
    conv = ArchitectureSpec([layer("conv2d"), layer("flatten"), layer("linear", out_features=2)])
    assert pgraph.drawable_problem(conv) == ("The Playground draws stacks of Linear layers with activations; "
                                             "layer 1 is a Conv2d before the first Linear")
    ends = ArchitectureSpec([layer("linear", out_features=2), layer("softmax")])
    assert "ends with a Softmax" in pgraph.drawable_problem(ends)


@pytest.mark.parametrize("make", [
    lambda s: pgraph.add_layer(s, 2),
    lambda s: pgraph.remove_layer(s, 2, 0),
    lambda s: pgraph.remove_layer(s, 2),
    lambda s: pgraph.set_units(s, 0, 7),
    lambda s: pgraph.set_activation(s, "relu"),
])
def test_edits_build_and_undo_exactly(make):
    spec = pgraph.starter_architecture(2, 3)
    before = spec.to_dict()
    command = make(spec)
    command.apply(spec)
    built = build(spec, (2,))  # every in_features follows: the network still builds
    assert built.output_shape == (3,)
    command.revert(spec)
    assert spec.to_dict() == before


def test_edits_say_what_changed():
    spec = pgraph.starter_architecture(2, 2)
    cmd = pgraph.set_units(spec, 1, 3)
    cmd.apply(spec)
    assert [l.params.get("out_features") for l in spec.layers if l.kind == "linear"] == [4, 3, 2]
    assert spec.layers[4].params["in_features"] == 3
    assert cmd.text == "Add a neuron in hidden layer 2"
    with pytest.raises(NNStudioError, match="1 to 512 neurons"):
        pgraph.set_units(spec, 0, 0)
    relu = pgraph.set_activation(spec, "relu")
    relu.apply(spec)
    assert [l.kind for l in spec.layers] == ["linear", "relu", "linear", "relu", "linear"]


def test_feature_toggles_are_the_construct_step():
    prepared = spiral(["x2", "x1²", "sin(x1)"])
    step = prepared.spec.preprocessing[0]
    assert step.kind == "construct" and step.params["keep"] == "x2,x1²,sin(x1)"
    assert prepared.bundle.feature_names == ["x2", "x1²", "sin(x1)"]
    raw = prepared.raw.x[prepared.train_idx]
    got = prepared.bundle.train.x.numpy()
    assert np.allclose(got, np.column_stack([raw[:, 1], raw[:, 0] ** 2, np.sin(raw[:, 0])]), atol=1e-6)
    assert pdata.selected_features(prepared.spec, ["x1", "x2"]) == ["x2", "x1²", "sin(x1)"]
    plain = pdata.with_features(prepared.spec, ["x1", "x2"], ["x1", "x2"])
    assert plain.preprocessing == []  # the raw columns need no step
    with pytest.raises(NNStudioError, match="at least one input feature"):
        pdata.with_features(prepared.spec, ["x1", "x2"], [])


def test_construct_keep_names_an_unknown_column():
    spec = pdata.toy_spec("spiral")
    spec.preprocessing = [pdata.StepSpec("construct", {"keep": "x1,x3²"})]
    with pytest.raises(DataError, match="no column named 'x3²' is made"):
        prepare(spec)


def test_one_forward_pass_gives_every_neuron_and_the_output():
    prepared = spiral()
    surface = surface_for(prepared, resolution=16)
    arch = pgraph.starter_architecture(2, 2)
    model = new_model(build(arch, (2,)).module, 0)
    graph = pgraph.read_graph(arch)
    frame = compute_frame(model, graph, surface, "classification")
    assert [n.shape for n in frame.neurons] == [(4, 16, 16), (2, 16, 16)]
    with torch.no_grad():
        first = torch.tanh(model.linear1(surface.inputs)).numpy()
        logits = model(surface.inputs)
    assert np.allclose(frame.neurons[0][3].ravel(), first[:, 3], atol=1e-6)  # the activation's output
    assert np.array_equal(frame.output.ravel(), logits.argmax(-1).numpy())
    set_weight(model, graph, 0, 3, 1, 2.5)
    assert float(model.linear1.weight[3, 1].detach()) == 2.5


def test_frames_come_from_the_engine_s_own_loop():
    prepared = spiral()
    arch = pgraph.starter_architecture(2, 2)
    model = new_model(build(arch, (2,)).module, 0)
    frames = []
    callback = FrameCallback(pgraph.read_graph(arch), surface_for(prepared, 8), frames.append, 7, prepared.bundle.test,
                             period=0.0)
    callback.sink = lambda f: (frames.append(f), callback.shown.set())
    trainer = Trainer(model, prepared.bundle, pdata.run_spec(TrainSpec(lr=0.03, batch_size=10)))
    trainer.fit(2, [callback])
    batches = 2 * -(-len(prepared.bundle.train) // 10)
    assert frames[0].steps == 0 and frames[-1].epoch == 2 and frames[-1].steps == batches
    assert len(frames) == batches + 2 and {f.generation for f in frames} == {7}
    with torch.no_grad():
        expected = float(trainer.loss_fn(model.eval()(prepared.bundle.test.x), prepared.bundle.test.y))
    assert frames[-1].test_loss == pytest.approx(expected)


def test_a_stop_ends_a_run_s_wait_for_its_frame_s_paint(monkeypatch):
    """A reset that comes while the run waits for a paint (the view is busy resetting, it never paints that
    frame) must not hold the run, and so the reset, until the wait times out."""
    import threading

    from nnstudio.core.playground import frames
    from nnstudio.core.training.control import TrainingControl

    monkeypatch.setattr(frames, "PAINT_TIMEOUT", 60.0)
    prepared = spiral()
    arch = pgraph.starter_architecture(2, 2)
    control = TrainingControl()

    def sink(frame) -> None:
        if frame.steps:  # a batch's frame: the reset arrives now and the paint never comes
            control.request_stop()
        else:
            callback.shown.set()

    callback = FrameCallback(pgraph.read_graph(arch), surface_for(prepared, 8), sink, period=0.0)
    trainer = Trainer(new_model(build(arch, (2,)).module, 0), prepared.bundle, pdata.run_spec(TrainSpec(batch_size=10)))
    run = threading.Thread(target=trainer.fit, args=(50, [callback], control), daemon=True)
    run.start()
    run.join(20)
    stuck = run.is_alive()
    callback.shown.set()  # a stuck run is let go, so the test ends either way
    run.join(20)
    assert not stuck
    assert callback.steps == 1
