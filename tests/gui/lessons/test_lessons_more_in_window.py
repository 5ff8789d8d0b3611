"""The Backpropagation and Architectures lessons walked in the window with "Do it for me": the figures the
panel shows are the headless run's (the one-step run trains on the embedded one-sample table; the CNN step
replaces the whole layer list through the document)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.core.lessons.format import find_lesson

RUN_TIMEOUT_MS = 120_000


def do_it_and_wait(qtbot, window) -> None:
    runner = window.lessons.runner
    with qtbot.waitSignal(runner.busy_changed, timeout=RUN_TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(window.lessons.panel.do_button, Qt.MouseButton.LeftButton)


def next_step(qtbot, window) -> None:
    qtbot.mouseClick(window.lessons.panel.next_button, Qt.MouseButton.LeftButton)


def test_backpropagation_lesson_in_the_window(qtbot, main_window):
    window = main_window
    assert window.lessons.open_lesson(find_lesson("backpropagation_one_step"))
    panel, runner = window.lessons.panel, window.lessons.runner
    assert panel.counter.text() == "Step 1 of 3"
    next_step(qtbot, window)
    do_it_and_wait(qtbot, window)
    history = window.document.project.history
    assert len(history["train_loss"]) == 1  # one epoch of one sample: exactly one step
    f = runner.figures
    assert f["gradient_error@step"] <= 1e-6
    assert f["loss_before_step@step"] == history["train_loss"][0]  # the loss the step started from
    assert f["loss_after_step@step"] < f["loss_before_step@step"]
    assert panel.outcome.text() == f"As expected: Loss drop (step) at least 1e-06 (got {f['loss_drop@step']:.3g})."
    shown = panel.figures.text().splitlines()  # the run's figures, as the lesson lists them
    assert shown[:3] == ["Loss before the step (step): 0.28", "Loss after the step (step): 0.0826",
                         "Hand-worked vs autograd (step): 0"], shown
    next_step(qtbot, window)
    assert panel.outcome.text().startswith("As expected: Hand-worked vs autograd (step) at most 1e-06"), panel.outcome.text()


def test_architectures_lesson_swaps_the_whole_network(qtbot, main_window):
    window = main_window
    assert window.lessons.open_lesson(find_lesson("architectures_for_data_types"))
    do_it_and_wait(qtbot, window)
    kinds = [spec.kind for spec in window.document.project.architecture.layers]
    assert kinds == ["flatten", "linear", "relu", "linear"]
    next_step(qtbot, window)
    do_it_and_wait(qtbot, window)
    kinds = [spec.kind for spec in window.document.project.architecture.layers]
    assert kinds[:3] == ["conv2d", "relu", "maxpool2d"] and kinds[-1] == "linear"
    f = window.lessons.runner.figures
    assert abs(f["parameters@cnn"] - f["parameters@mlp"]) < 100
    assert f["test_accuracy@cnn"] >= f["test_accuracy@mlp"] + 0.02
    assert window.lessons.panel.outcome.text().startswith("As expected:")
