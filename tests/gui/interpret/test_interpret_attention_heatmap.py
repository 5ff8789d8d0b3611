"""Inside the network -> Attention weights: the heatmap of a tiny Transformer's chosen test example."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import Qt

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.lessons.model_figures import attention_maps
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.document import load_model


def _transformer() -> Project:
    layers = [layer("reshape", shape="8,8"), layer("linear", out_features=16), layer("positional_encoding"),
              layer("transformer_encoder", num_heads=2, dim_feedforward=32, dropout=0.1), layer("global_avgpool"),
              layer("linear", out_features=10)]
    project = Project(name="tiny transformer", architecture=ArchitectureSpec(layers), data=DataSpec("digits"),
                      training=TrainSpec(epochs=1))
    project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)  # seeded, untrained
    return project


def _open(window, qtbot, project: Project):
    window.document.replace(project)
    panel = window.interpret_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale)
    view = panel.internals_view
    panel.modes.setCurrentWidget(view)
    qtbot.waitUntil(view.isVisible)
    view.what.setCurrentIndex(view.what.findData("attention"))
    return panel, view


def test_attention_heatmap_is_the_layers_weights_for_the_chosen_example(main_window, qtbot):
    panel, view = _open(main_window, qtbot, _transformer())
    try:
        view.picker.spin.setValue(5)
        assert view.run_button.isEnabled(), view.run_button.toolTip()
        with qtbot.waitSignal(view.runner.completed, timeout=60_000) as blocker:
            qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
        assert not blocker.args[0].error, blocker.args[0].error
        assert view.pages.currentWidget() is view.attention
        x = torch.as_tensor(np.asarray(view.picker.x(), dtype=np.float32))[None]
        expected = attention_maps(view.source.model, x)[0].double().numpy()  # heads x query x key
        shown = np.stack([image.image for image in view.attention.images])
        assert shown.shape == (2, 8, 8)
        np.testing.assert_allclose(shown, expected, atol=1e-6)
        np.testing.assert_allclose(shown.sum(axis=-1), 1.0, atol=1e-5)  # each query row is a share of attention
        other = attention_maps(view.source.model, torch.as_tensor(np.asarray(view.picker.xs[0], dtype=np.float32))[None])
        assert not np.allclose(shown, other[0].numpy(), atol=1e-4)  # it is this example's map, not the first one's
        assert "2 head(s) of 8×8" in view.status.text()
    finally:
        panel.shutdown()


def test_attention_refused_with_a_reason_for_a_network_without_attention(main_window, qtbot):
    project = _transformer()
    project.architecture = ArchitectureSpec([layer("flatten"), layer("linear", out_features=10)])
    project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)
    panel, view = _open(main_window, qtbot, project)
    try:
        assert not view.run_button.isEnabled()
        assert "no attention layer" in view.run_button.toolTip()
    finally:
        panel.shutdown()
