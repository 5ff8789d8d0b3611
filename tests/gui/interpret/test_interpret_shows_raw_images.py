"""The Interpretability tab shows the test digits as they look, not as standardized pixels (the default
project standardizes each pixel, which on screen turns a digit into patchy grey)."""

from __future__ import annotations

import numpy as np

from nnstudio.core.data.assemble import load_raw, split_indices
from nnstudio.core.project.spec import default_project
from nnstudio.gui.panels.interpret.panel import GALLERY_SIZE


def _shown_pixels(gallery, row: int) -> np.ndarray:
    image = gallery.item(row).icon().pixmap(gallery.iconSize()).toImage()
    step = image.width() / 8
    return np.array([[image.pixelColor(int((j + 0.5) * step), int((i + 0.5) * step)).red() for j in range(8)]
                     for i in range(8)], dtype=np.float64)


def _stretched(x: np.ndarray) -> np.ndarray:
    return np.round((x - x.min()) / (x.max() - x.min()) * 255)


def test_gallery_thumbnails_are_the_raw_digits_under_standardization(main_window, qtbot):
    project = default_project()
    assert [s.kind for s in project.data.preprocessing] == ["standardize"]
    main_window.document.replace(project)
    panel = main_window.interpret_panel
    main_window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale, timeout=60_000)
    raw = load_raw(project.data)
    _, _, test_idx = split_indices(raw, project.data)
    raw_test = raw.x[test_idx]  # the digits as the dataset holds them, read here, not by the panel
    model_input = main_window.document.bundle().test.x.numpy()
    assert panel.gallery.count() == min(GALLERY_SIZE, len(raw_test))
    for row in (0, 7, 20):
        shown = _shown_pixels(panel.gallery, row)
        np.testing.assert_allclose(shown, _stretched(raw_test[row][0]), atol=1)
        assert np.abs(shown - _stretched(model_input[row][0])).max() > 40  # and not the standardized input
