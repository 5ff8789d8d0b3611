"""The example gallery on the Evaluation tab: a clicked confusion cell lists exactly the examples of that true
and predicted class (surest first, with the model's own confidence), the Mistakes page lists the confidently
wrong ones, each thumbnail shows the example's pixels, and a double-click sends that example on."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from nnstudio.core.project.spec import Project, default_project
from nnstudio.core.workspace.session import train_project
from nnstudio.gui.panels.evaluation.panel import MISTAKES_SHOWN
from nnstudio.gui.widgets.example_gallery import THUMB


@pytest.fixture(scope="module")
def digits_project() -> Project:
    project = default_project()
    project.data.preprocessing = []  # the thumbnails are compared with the network's inputs, pixels in [0, 1]
    project.training.epochs = 2
    train_project(project)
    return project


@pytest.fixture
def shown(qtbot, main_window, digits_project):
    """The Evaluation tab on the trained project, and the model's test probabilities computed here."""
    panel = main_window.evaluation_panel
    main_window.show_tab("evaluation")
    with qtbot.waitSignal(panel.evaluation_finished, timeout=60_000, check_params_cb=lambda report: report is not None):
        main_window.document.replace(copy.deepcopy(digits_project))
    test = main_window.document.bundle().test
    with torch.no_grad():
        proba = torch.softmax(main_window.document.trained_model().eval()(test.x), dim=1).numpy()
    return panel, test, test.y.numpy(), proba


def texts(gallery) -> list[str]:
    return [gallery.item(i).text() for i in range(gallery.count())]


def thumbnail_grey(gallery, row: int) -> np.ndarray:
    """The 8x8 grey levels the thumbnail shows (the centre of each enlarged pixel)."""
    image = gallery.item(row).icon().pixmap(THUMB, THUMB).toImage()
    step = image.width() / 8
    return np.array([[image.pixelColor(int((j + 0.5) * step), int((i + 0.5) * step)).red() for j in range(8)] for i in range(8)])


def test_a_clicked_cell_lists_the_examples_of_that_class_surest_first(qtbot, main_window, shown):
    panel, test, y, proba = shown
    panel.pages.setCurrentIndex(panel.confusion_index)
    page = panel.confusion_page
    qtbot.waitUntil(lambda: page.heatmap.isVisible())
    pred = proba.argmax(axis=1)

    wrong = np.flatnonzero(y != pred)
    assert len(wrong), "a model trained for two epochs makes some mistake"
    mistake = (int(y[wrong[0]]), int(pred[wrong[0]]))
    for r, c in ((3, 3), mistake):
        qtbot.mouseClick(page.heatmap, Qt.MouseButton.LeftButton, pos=page.heatmap.cell_rect(r, c).center())
        members = np.flatnonzero((y == r) & (pred == c))
        order = members[np.argsort(-proba[members, c], kind="stable")]
        gallery = page.gallery
        assert [ex.index for ex in gallery.examples] == order.tolist()
        if r == c:
            assert texts(gallery) == [f"{r}\n({proba[i, c]:.0%} sure)" for i in order]
        else:
            assert texts(gallery) == [f"{r} → {c}\n({proba[i, c]:.0%})" for i in order]
            assert f"it gave the true class {proba[order[0], r]:.0%}" in gallery.item(0).toolTip()
        assert f"True {r}, predicted {c}</b>: {len(members)}" in page.cell_title.text()
        for row in (0, gallery.count() - 1):  # each thumbnail shows its own example's pixels (the digits are 0 to 1)
            expected = (test.x[order[row]].numpy()[0] * 255).astype(int)
            np.testing.assert_allclose(thumbnail_grey(gallery, row), expected, atol=1)

    # A double-click sends the clicked thumbnail's example to the Interpretability tab.
    gallery = page.gallery
    gallery.scrollToItem(gallery.item(0))
    rect = gallery.visualItemRect(gallery.item(0))
    with qtbot.waitSignal(main_window.ctx.example_sent) as sent:
        qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    np.testing.assert_array_equal(sent.args[0]["x"], test.x[gallery.examples[0].index].numpy())
    assert sent.args[0]["label"] == mistake[0]


def test_the_mistakes_page_lists_the_confidently_wrong_examples(qtbot, main_window, shown):
    panel, _test, y, proba = shown
    panel.pages.setCurrentIndex(panel.mistakes_index)
    pred = proba.argmax(axis=1)
    wrong = np.flatnonzero(pred != y)
    order = wrong[np.argsort(-proba[wrong].max(axis=1), kind="stable")][:MISTAKES_SHOWN]
    gallery = panel.mistakes
    assert [ex.index for ex in gallery.examples] == order.tolist()
    assert texts(gallery) == [f"{y[i]} → {pred[i]}\n({proba[i].max():.0%})" for i in order]
    assert f"{len(wrong)} of {len(y)} test examples are misclassified" in panel.mistakes_title.text()
    assert not panel.mistakes_send.isEnabled()
    gallery.scrollToItem(gallery.item(1))
    qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=gallery.visualItemRect(gallery.item(1)).center())
    assert gallery.current_example().index == order[1] and panel.mistakes_send.isEnabled()
