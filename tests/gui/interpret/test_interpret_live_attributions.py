"""Live attributions: a map for the chosen example arrives once per epoch while the Training tab trains."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec

LONG = 120_000


def _cnn_project(epochs: int) -> Project:
    layers = [layer("conv2d", out_channels=4, kernel_size=3, padding=1), layer("relu"), layer("flatten"), layer("linear", out_features=10)]
    return Project(name="live", architecture=ArchitectureSpec(layers), data=DataSpec("digits"), training=TrainSpec(epochs=epochs))


def test_live_gradcam_refreshes_once_per_epoch_during_training(main_window, qtbot):
    window = main_window
    window.document.replace(_cnn_project(3))
    interpret = window.interpret_panel
    window.tabs.setCurrentWidget(interpret)
    qtbot.waitUntil(lambda: not interpret.watch.stale)
    live = interpret.live_view
    interpret.modes.setCurrentWidget(live)
    live.method.setCurrentIndex(live.method.findData("gradcam"))
    live.picker.spin.setValue(4)
    assert live.enabled.isChecked()

    seen: list[int] = []
    original = live._on_frame

    def spy(frame):  # record each refresh as the GUI thread receives it
        seen.append(frame.epoch)
        original(frame)

    live._on_frame = spy  # the bridge connects at run start, so it picks up the spy
    training = window.training_panel
    window.tabs.setCurrentWidget(training)
    with qtbot.waitSignal(training.run_finished, timeout=LONG) as blocker:
        qtbot.mouseClick(training.train_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].result.epochs == 3
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=10_000)
    assert seen == [1, 2, 3]
    assert [f.epoch for f in live.frames] == [1, 2, 3]
    assert all(f.method == "gradcam" and not f.error and f.heat.shape == (8, 8) for f in live.frames)
    # The maps change as the weights do (the copy was explained, not a frozen snapshot).
    assert not np.allclose(live.frames[0].heat, live.frames[-1].heat)
    example = window.document.bundle().test.x[4].numpy()
    assert np.array_equal(live.example, example)
    window.tabs.setCurrentWidget(interpret)
    assert "Epoch 3" in live.epoch_label.text() and live.overlay.title.text() == "Epoch 3"
    # The slider replays earlier epochs.
    assert live.slider.isEnabled() and live.slider.maximum() == 2
    live.slider.setValue(0)
    assert "Epoch 1" in live.epoch_label.text()
    window.document.set_modified(False)


def test_switched_off_it_adds_no_callback(main_window, qtbot):
    window = main_window
    window.document.replace(_cnn_project(1))
    live = window.interpret_panel.live_view
    live.enabled.setChecked(False)
    training = window.training_panel
    window.tabs.setCurrentWidget(training)
    with qtbot.waitSignal(training.run_finished, timeout=LONG):
        qtbot.mouseClick(training.train_button, Qt.MouseButton.LeftButton)
    assert live.frames == [] and live._live == []
    window.document.set_modified(False)
