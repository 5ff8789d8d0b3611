"""The Diffusion tab: the noise-step slider shows q(x_t | x_0) of the training data for the fixed seed, and a
trained model's reverse walk ends on its samples; the tab is offered for diffusion models only, and would say
where to find one."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from nnstudio.core.generative.diffusion import Schedule, q_sample
from nnstudio.core.project.templates import catalogue
from nnstudio.core.workspace.session import train_project


def _shown(item) -> np.ndarray:
    xs, ys = item.getData()
    return np.stack([xs, ys], axis=1)


def _open(window, qtbot, epochs: int):
    project = catalogue()["diffusion_spiral"].project()
    project.data.params["n_samples"] = 600
    if epochs:
        project.training.batch_size = 100
        train_project(project, epochs=epochs)
    window.document.replace(project)
    window.show_tab("diffusion")
    panel = window.panel("diffusion")
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale)
    return panel


@pytest.fixture
def window(main_window):
    yield main_window
    panel = main_window.panel("diffusion")
    if panel is not None:
        panel.shutdown()


def test_the_noise_step_slider_shows_the_forward_process_at_that_step(window, qtbot):
    panel = _open(window, qtbot, epochs=0)
    slider = panel.noise_step
    assert slider.isEnabled() and slider.maximum() == 50
    x0 = window.document.bundle().train.x.double()
    slider.setFocus()
    for _ in range(20):  # the keyboard moves it, as a student would
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == 20
    sched = Schedule(50, 1e-3, 0.2)
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(19), dtype=torch.float64)
    expected = q_sample(sched, x0, torch.full((len(x0),), 19), noise)
    assert np.allclose(_shown(panel.forward_points), expected.numpy(), atol=1e-9)
    assert panel.noise_label.text() == f"20 of 50: x = {sched.closed_form(19)[0]:.2f}·data + {sched.closed_form(19)[1]:.2f}·noise"
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    assert np.allclose(_shown(panel.forward_points), x0.numpy())  # step 0: the data itself
    assert panel.noise_label.text() == "0 of 50: the data"
    assert not panel.reverse_step.isEnabled() and "Train (Training tab)" in panel.status.text()


def test_a_trained_model_walks_samples_back_and_other_projects_get_the_note(window, qtbot):
    panel = _open(window, qtbot, epochs=6)
    walk = panel.walk
    assert walk is not None and walk.shape == (51, 500, 2)
    assert np.allclose(_shown(panel.reverse_points), walk[-1].numpy())
    qtbot.mouseClick(panel.play, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.timer.isActive(), timeout=10_000)
    assert panel.reverse_step.value() == 50 and panel.reverse_label.text() == "50 of 50: the samples"
    panel.reverse_step.setValue(0)
    assert np.allclose(_shown(panel.reverse_points), walk[0].numpy()) and panel.reverse_label.text() == "0 of 50: pure noise"
    window.document.replace(catalogue()["vae_moons"].project())
    qtbot.waitUntil(lambda: not panel.isVisible())  # the tab is offered for diffusion models only
    panel.refresh()  # what it would show
    assert not panel.noise_step.isEnabled()
    assert "Open the example 'Diffusion on a spiral'" in panel.status.text()


def test_the_diffusion_tab_is_offered_only_for_a_diffusion_model(window, qtbot):
    def shown() -> bool:
        index = next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == "Diffusion")
        return window.tabs.isTabVisible(index)

    assert not shown()  # the default project (a digits classifier)
    window.document.replace(catalogue()["diffusion_spiral"].project())
    assert shown()
    window.document.replace(catalogue()["vae_moons"].project())
    assert not shown()
