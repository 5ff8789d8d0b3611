"""The Evaluation tab on real trained projects: the values and plots it shows, the cell listing, the
threshold slider, trying a drawn digit, sending examples to Interpretability, and exporting."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QMessageBox

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.evaluate.report import evaluate
from nnstudio.core.project.spec import Project, default_project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.session import train_project


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    """pytest-qt closes the window before fixture teardown; these tests modify the project, so answer the
    save prompt with Discard instead of blocking on a modal dialog."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture(scope="module")
def digits_project() -> Project:
    project = default_project()
    project.training.epochs = 3
    train_project(project)
    return project


@pytest.fixture(scope="module")
def moons_project() -> Project:
    arch = ArchitectureSpec([layer("linear", in_features=2, out_features=16), layer("relu"), layer("linear", in_features=16, out_features=2)])
    project = Project("moons", arch, DataSpec("moons", {"n_samples": 300}), TrainSpec(epochs=10, lr=0.01))
    train_project(project)
    return project


@pytest.fixture(scope="module")
def sine_project() -> Project:
    arch = ArchitectureSpec([layer("linear", in_features=1, out_features=16), layer("tanh"), layer("linear", in_features=16, out_features=1)])
    project = Project("sine", arch, DataSpec("sine", {"n_samples": 200}), TrainSpec(loss="mse", epochs=10, lr=0.01))
    train_project(project)
    return project


def show_trained(qtbot, window, project: Project):
    """Open ``project`` (with weights) in the window and wait for the Evaluation tab's report."""
    panel = window.evaluation_panel
    window.show_tab("evaluation")
    with qtbot.waitSignal(panel.evaluation_finished, timeout=60_000, check_params_cb=lambda report: report is not None):
        window.document.replace(copy.deepcopy(project))
    return panel


def test_training_then_evaluating_shows_the_values_and_plots(qtbot, main_window):
    panel = main_window.evaluation_panel
    training = main_window.training_panel
    main_window.show_tab("evaluation")
    qtbot.waitUntil(lambda: not panel.watch.stale)
    assert "No trained weights" in panel.status.text()
    assert not panel.evaluate_button.isEnabled()
    training.epochs.setValue(2)
    with qtbot.waitSignals([training.run_finished, panel.evaluation_finished], timeout=120_000):
        training.train_button.click()
    qtbot.waitUntil(lambda: panel.report is not None, timeout=60_000)

    doc = main_window.document
    expected = evaluate(doc.trained_model(), doc.bundle())
    report = panel.report
    for split in ("train", "validation", "test"):
        accuracy = expected.splits[split].metrics.accuracy
        assert report.splits[split].metrics.accuracy == pytest.approx(accuracy)
        assert panel.metrics_table.value_text(split, "accuracy") == f"{accuracy:.1%}"
    assert panel.metrics_table.value_text("test", "f1_macro") == f"{expected.splits['test'].metrics.macro['f1']:.4f}"
    assert panel.metrics_table.value_text("test", "majority_baseline") == f"{expected.splits['test'].metrics.majority_baseline:.1%}"
    assert panel.class_table.rowCount() == 12  # ten digits + macro + weighted
    assert panel.split_combo.currentText() == "test"
    assert panel.gap_notes.labels

    n_test = len(doc.bundle().test)
    assert panel.confusion_page.heatmap.counts.sum() == n_test
    assert len(panel.curves_page.roc_items) == 10 and len(panel.curves_page.pr_items) == 10
    assert all(len(item.xData) > 1 for item in panel.curves_page.roc_items)
    assert "macro AUC" in panel.curves_page.roc_plot.plotItem.titleLabel.text
    wrong = int((report.splits["test"].y_pred != report.splits["test"].y_true).sum())
    assert panel.mistakes.count() == min(60, wrong)
    assert panel.pages.isTabVisible(panel.curves_index) and not panel.pages.isTabVisible(panel.regression_index)


def test_clicking_a_cell_lists_its_examples_and_sends_one_to_interpretability(qtbot, main_window, digits_project):
    panel = show_trained(qtbot, main_window, digits_project)
    panel.pages.setCurrentIndex(panel.confusion_index)
    heatmap = panel.confusion_page.heatmap
    qtbot.waitUntil(lambda: heatmap.isVisible())
    counts = heatmap.counts.copy()
    off = counts.copy()
    np.fill_diagonal(off, -1)
    r, c = np.unravel_index(int(off.argmax()), off.shape)
    if counts[r, c] <= 0:
        r, c = 0, 0
    qtbot.mouseClick(heatmap, Qt.MouseButton.LeftButton, pos=heatmap.cell_rect(int(r), int(c)).center())
    gallery = panel.confusion_page.gallery
    assert gallery.count() == counts[r, c]
    assert all(ex.true == r and ex.predicted == c for ex in gallery.examples)
    assert f"True {r}, predicted {c}" in panel.confusion_page.cell_title.text()
    assert heatmap.selected == (r, c)

    # shares instead of counts: each row sums to one
    panel.confusion_page.normalized_button.click()
    rows = heatmap.values().sum(axis=1)
    np.testing.assert_allclose(rows[counts.sum(axis=1) > 0], 1.0)

    gallery.setCurrentRow(0)
    example = gallery.current_example()
    with qtbot.waitSignal(main_window.ctx.example_sent) as sent:
        qtbot.mouseClick(panel.confusion_page.send_button, Qt.MouseButton.LeftButton)
    payload = sent.args[0]
    assert payload["source"] == "evaluation" and payload["label"] == r
    bundle = main_window.document.bundle()
    np.testing.assert_array_equal(payload["x"], bundle.test.x[example.index].numpy())
    assert payload["x"].shape == (1, 8, 8)
    assert "predicted" in payload["description"]
    assert main_window.tabs.currentWidget().objectName() == "interpret"


def test_a_drawn_digit_gives_probabilities_that_sum_to_one(qtbot, main_window, digits_project):
    panel = show_trained(qtbot, main_window, digits_project)
    panel.pages.setCurrentIndex(panel.try_index)
    page = panel.try_page
    canvas = page.canvas
    assert canvas is not None and (canvas.rows, canvas.cols) == (8, 8)
    qtbot.waitUntil(lambda: canvas.isVisible())
    assert canvas.is_empty()
    page.brush.setValue(1.5)
    assert canvas.brush == 1.5
    w, h = canvas.width(), canvas.height()
    side = min(w, h)
    x0, y0 = (w - side) // 2, (h - side) // 2
    points = [QPoint(x0 + side // 2, y0 + int(side * f)) for f in (0.15, 0.3, 0.45, 0.6, 0.75, 0.9)]  # a "1"
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])
    for p in points[1:]:
        qtbot.mouseMove(canvas, p)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[-1])
    image = canvas.image()
    assert image[:, 3:5].sum() > 3 and image[:, 0].sum() == 0
    assert page.output is not None and page.output.shape == (10,)
    assert page.output.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.all(page.output >= 0)
    np.testing.assert_allclose(page.bars.opts["height"], page.output)
    best = int(np.argmax(page.output))
    assert f"says <b>{best}</b>" in page.answer.text()

    with qtbot.waitSignal(main_window.ctx.example_sent) as sent:
        qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
    assert sent.args[0]["label"] is None and sent.args[0]["x"].shape == (1, 8, 8)
    assert "drawing" in sent.args[0]["description"]

    main_window.show_tab("evaluation")
    qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    assert canvas.is_empty()
    assert page.output.sum() == pytest.approx(1.0, abs=1e-6)  # an empty canvas is an input too
    assert "The canvas is empty: a network answers every input, even a blank one." in page.answer.text()


def test_an_opened_image_file_is_resized_and_inverted(qtbot, main_window, digits_project, tmp_path, monkeypatch):
    panel = show_trained(qtbot, main_window, digits_project)
    panel.pages.setCurrentIndex(panel.try_index)
    picture = QImage(64, 64, QImage.Format.Format_RGB32)
    picture.fill(QColor("white"))
    painter = QPainter(picture)
    painter.setPen(QPen(QColor("black"), 8))
    painter.drawLine(32, 6, 32, 58)
    painter.end()
    path = tmp_path / "one.png"
    assert picture.save(str(path))
    monkeypatch.setattr("nnstudio.gui.panels.evaluation.tryit.QFileDialog.getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(panel.try_page.open_button, Qt.MouseButton.LeftButton)
    image = panel.try_page.canvas.image()
    assert image[:, 0].max() < 0.05 and image[2:6, 3:5].mean() > 0.4  # dark paper became the black background
    assert "inverted" in panel.try_page.source
    assert panel.try_page.output.sum() == pytest.approx(1.0, abs=1e-6)


def test_binary_threshold_slider_updates_metrics_matrix_and_roc_point(qtbot, main_window, moons_project):
    panel = show_trained(qtbot, main_window, moons_project)
    page = panel.confusion_page
    assert page.threshold_box.isVisibleTo(page)
    assert len(panel.curves_page.roc_items) == 1
    test = panel.report.splits["test"]
    assert page.heatmap.counts.sum() == len(test)

    page.threshold.setValue(10)
    low = page.threshold_metrics
    low_predicted = page.heatmap.counts[:, 1].sum()
    text_low = page.threshold_label.text()
    page.threshold.setValue(90)
    high = page.threshold_metrics
    assert page.heatmap.counts[:, 1].sum() <= low_predicted
    assert low["recall"] >= high["recall"]
    assert page.threshold_label.text() != text_low and "0.90" in page.threshold_label.text()
    assert f"recall <b>{high['recall']:.3f}</b>" in page.threshold_label.text()
    expected = ((test.proba[:, 1] >= 0.9) & (test.y_true == 1)).sum()
    assert page.heatmap.counts[1, 1] == expected
    (fpr,), (tpr,) = panel.curves_page.marker.getData()
    assert tpr == pytest.approx(high["recall"])

    # 2-D data: the Try it page has one typed field per feature, with the training ranges
    panel.pages.setCurrentIndex(panel.try_index)
    spins = panel.try_page.spins
    assert len(spins) == 2
    assert "training range" in panel.try_page.range_labels[0].text()
    spins[0].setValue(-1.0)
    first = panel.try_page.output.copy()
    spins[0].setValue(2.0)
    assert panel.try_page.output.sum() == pytest.approx(1.0)
    assert not np.allclose(first, panel.try_page.output)


def test_regression_shows_scatter_residuals_and_worst_examples(qtbot, main_window, sine_project):
    panel = show_trained(qtbot, main_window, sine_project)
    assert panel.pages.isTabVisible(panel.regression_index)
    assert not panel.pages.isTabVisible(panel.confusion_index) and not panel.pages.isTabVisible(panel.curves_index)
    test = panel.report.splits["test"]
    assert panel.metrics_table.value_text("test", "rmse") == f"{test.metrics.rmse:.4f}"
    assert panel.metrics_table.value_text("test", "r2") == f"{test.metrics.r2:.4f}"
    x, y = panel.regression_page.points.getData()
    assert len(x) == len(test)
    np.testing.assert_allclose(y, test.y_pred.reshape(-1))
    counts, _ = panel.regression_page.histogram
    assert counts.sum() == len(test)
    assert panel.mistakes.count() == min(60, len(test))
    errors = [ex.confidence for ex in panel.mistakes.examples]
    assert errors == sorted(errors, reverse=True)
    panel.pages.setCurrentIndex(panel.try_index)
    panel.try_page.spins[0].setValue(1.0)
    assert "predicts" in panel.try_page.answer.text()


def test_export_writes_the_csv_and_the_plots(qtbot, main_window, digits_project, tmp_path, monkeypatch):
    panel = show_trained(qtbot, main_window, digits_project)
    target = tmp_path / "metrics"
    monkeypatch.setattr("nnstudio.gui.panels.evaluation.panel.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr("nnstudio.gui.panels.evaluation.panel.QFileDialog.getExistingDirectory", lambda *a, **k: str(tmp_path))
    qtbot.mouseClick(panel.export_csv_button, Qt.MouseButton.LeftButton)
    text = (tmp_path / "metrics.csv").read_text(encoding="utf-8")
    assert text.startswith("split,metric,class,value")
    assert f"test,accuracy,,{panel.report.splits['test'].metrics.accuracy:.6g}" in text
    qtbot.mouseClick(panel.export_png_button, Qt.MouseButton.LeftButton)
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == ["test_confusion_matrix.png", "test_precision_recall.png", "test_roc.png", "test_try_it_probabilities.png"]
    for name in pngs:
        image = QImage(str(tmp_path / name))
        assert not image.isNull() and image.width() >= 250


def test_changing_the_split_and_the_project_refreshes_the_tab(qtbot, main_window, digits_project):
    panel = show_trained(qtbot, main_window, digits_project)
    panel.split_combo.setCurrentText("train")
    assert panel.confusion_page.heatmap.counts.sum() == len(main_window.document.bundle().train)
    assert "Per class on train" in panel.class_title.text()
    with qtbot.waitSignal(panel.evaluation_finished, timeout=30_000):
        main_window.document.replace(default_project())  # untrained
    assert panel.report is None
    assert "No trained weights" in panel.status.text()
    assert not panel.export_csv_button.isEnabled()


def test_the_tank_story_highlights_the_collapse_on_new_photos(qtbot, main_window):
    arch = ArchitectureSpec([layer("flatten"), layer("linear", in_features=144, out_features=16), layer("relu"),
                             layer("linear", in_features=16, out_features=2)])
    project = Project("tanks", arch, DataSpec("tanks", {"n_samples": 300, "size": 12, "new_photos": 100}), TrainSpec(epochs=20, lr=0.01))
    train_project(project)
    panel = show_trained(qtbot, main_window, project)
    assert panel.metrics_table.split_names == ["train", "validation", "test", "new photos"]
    report = panel.report
    assert report.splits["test"].metrics.accuracy - report.splits["new photos"].metrics.accuracy >= 0.1
    notes = " ".join(panel.gap_notes.texts())
    assert "new photos" in notes and "tank" in notes
    assert panel.gap_notes.labels[0].objectName() == "gap_alert"
    column = panel.metrics_table.split_names.index("new photos")
    item = panel.metrics_table.item(0 + 1, column)  # the accuracy row is tinted
    assert item.font().bold() and item.background().color().name() == "#fde2e1"
    panel.split_combo.setCurrentText("new photos")
    assert panel.mistakes.count() > 0 and panel.mistakes.data.image
    assert panel.confusion_page.heatmap.counts.sum() == 100


def test_starting_from_a_test_example_reproduces_its_evaluated_prediction(qtbot, main_window, digits_project, moons_project):
    panel = show_trained(qtbot, main_window, digits_project)
    page = panel.try_page
    assert page.load_test_example(5) == 5
    bundle = main_window.document.bundle()
    np.testing.assert_allclose(page.current_input, bundle.test.x[5].numpy(), atol=1e-6)
    np.testing.assert_allclose(page.output, panel.report.splits["test"].proba[5], atol=1e-5)

    panel = show_trained(qtbot, main_window, moons_project)
    page = panel.try_page
    page.load_test_example(3)
    np.testing.assert_allclose([s.value() for s in page.spins], panel.raw.splits["test"][3], atol=1e-3)
    np.testing.assert_allclose(page.output, panel.report.splits["test"].proba[3], atol=1e-3)


def test_cancel_stops_a_running_evaluation_and_keeps_the_tab_usable(qtbot, main_window, digits_project, monkeypatch):
    from nnstudio.core.evaluate.predict import EvaluationCancelled

    def slow_evaluate(model, bundle, *, token):
        token.report(0, 10, "test")
        assert token.wait(30)  # a long evaluation, until Cancel is pressed
        token.raise_if_cancelled(EvaluationCancelled)

    monkeypatch.setattr("nnstudio.gui.panels.evaluation.runner.evaluate", slow_evaluate)
    panel = main_window.evaluation_panel
    main_window.show_tab("evaluation")
    with qtbot.waitSignal(panel.evaluation_finished, timeout=30_000) as finished:
        main_window.document.replace(copy.deepcopy(digits_project))
        qtbot.waitUntil(lambda: panel.cancel_button.isEnabled())
        assert not panel.evaluate_button.isEnabled()
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args[0] is None
    assert "cancelled" in panel.status.text()
    assert panel.evaluate_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert not panel.runner.running


def test_closing_the_window_during_an_evaluation_joins_its_thread(qtbot, main_window, digits_project, monkeypatch):
    from nnstudio.core.evaluate.predict import EvaluationCancelled

    def slow_evaluate(model, bundle, *, token):
        assert token.wait(30)
        token.raise_if_cancelled(EvaluationCancelled)

    monkeypatch.setattr("nnstudio.gui.panels.evaluation.runner.evaluate", slow_evaluate)
    panel = main_window.evaluation_panel
    main_window.show_tab("evaluation")
    main_window.document.replace(copy.deepcopy(digits_project))
    qtbot.waitUntil(lambda: panel.runner.running)
    assert main_window.close()
    assert not panel.runner.running
