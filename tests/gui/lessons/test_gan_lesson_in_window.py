"""The GAN lesson walked in the window with "Do it for me": each Train action trains the GAN on the Training tab,
and the panel shows the figures FIGURES computes from the finished GAN (the same numbers as the headless run of
the same project) and the outcome line; Train pressed by hand on the Training tab counts as the step's run."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt

from nnstudio.core.lessons.experiments import train_run
from nnstudio.core.lessons.figures import FIGURES, FinishedRun
from nnstudio.core.lessons.format import find_lesson
from nnstudio.core.project.spec import Project

RUN_TIMEOUT_MS = 120_000


def do_it_and_wait(qtbot, window) -> None:
    runner = window.lessons.runner
    with qtbot.waitSignal(runner.busy_changed, timeout=RUN_TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(window.lessons.panel.do_button, Qt.MouseButton.LeftButton)


def _figures_of(window, run: str) -> dict[str, float]:
    """FIGURES on the GAN the Training tab just trained (not the numbers the lesson runner kept)."""
    finished = FinishedRun(None, None, gan=window.training_panel.gan.session.trainer)
    return {f"{name}@{run}": FIGURES[name].compute(finished) for name in ("gan_coverage", "gan_distance")}


def test_gan_lesson_in_the_window(qtbot, main_window):
    window = main_window
    lesson = find_lesson("gan_ring")
    assert window.lessons.open_lesson(lesson)
    panel, runner, training = window.lessons.panel, window.lessons.runner, window.training_panel
    assert training.train_button.isEnabled()  # a GAN trains on the Training tab

    window.tabs.setCurrentWidget(training)  # first by hand: 5 epochs typed, Train pressed on the tab
    training.epochs.setValue(5)
    with qtbot.waitSignal(runner.run_done, timeout=RUN_TIMEOUT_MS) as done:
        qtbot.mouseClick(training.train_button, Qt.MouseButton.LeftButton)
    assert done.args == ["few"]  # the step's run, although a GAN's run adds no callbacks
    by_hand = {k: v for k, v in runner.figures.items() if k.endswith("@few")}
    assert len(by_hand) == 2 and not any(math.isnan(v) for v in by_hand.values())

    window.tabs.setCurrentIndex(0)
    do_it_and_wait(qtbot, window)  # the same 5 epochs, by the lesson's actions
    assert panel.counter.text() == "Step 1 of 2" and runner.finished_runs == {"few"}
    assert window.tabs.currentWidget() is training and training.progress.format().startswith("Done: 5 epochs in ")
    few = _figures_of(window, "few")
    assert {k: runner.figures[k] for k in few} == few == by_hand  # the same seed: the same run
    headless = train_run(Project.from_dict(window.document.project.to_dict()), lesson.base_dir)  # nnstudio lesson run
    assert few == {f"{name}@few": FIGURES[name].compute(headless) for name in ("gan_coverage", "gan_distance")}
    assert panel.figures.text().splitlines() == [
        f"GAN coverage (few): {few['gan_coverage@few']:.3g}", f"GAN distance to the data (few): {few['gan_distance@few']:.3g}"]

    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    do_it_and_wait(qtbot, window)  # 100 epochs
    assert len(window.document.project.history["d_loss"]) == 100
    many = _figures_of(window, "many")
    assert {k: runner.figures[k] for k in many} == many
    assert many["gan_distance@many"] <= 0.5 * few["gan_distance@few"]  # the lesson's claim, on this seed
    assert panel.figures.text().splitlines() == [
        f"GAN distance to the data (few): {few['gan_distance@few']:.3g}",
        f"GAN coverage (many): {many['gan_coverage@many']:.3g}",
        f"GAN distance to the data (many): {many['gan_distance@many']:.3g}"]
    assert panel.outcome.text() == ("As expected: GAN distance to the data (many) at most 0.5 times GAN distance to the "
                                    f"data (few) (got {many['gan_distance@many']:.3g}).")

