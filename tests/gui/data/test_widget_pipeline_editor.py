"""The pipeline editor on the Data tab, driven through its Add step menu, its table and the step's form: an
added step lands in the project's preprocessing and changes the data the network receives exactly as the
step's formula says (training statistics for every split); a removed step gives the data back."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu
from sklearn.decomposition import PCA

from nnstudio.core.data.spec import DataSpec, StepSpec


@pytest.fixture
def iris_tab(main_window, qtbot):
    main_window.tabs.setCurrentWidget(main_window.data_panel)
    panel = main_window.data_panel
    wait_idle(qtbot, panel)
    panel.apply_spec(DataSpec("iris"))
    wait_idle(qtbot, panel)
    yield main_window, panel
    panel.shutdown()


def wait_idle(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.loader.running and panel._preview_current(), timeout=20000)


def close_popups() -> None:
    while (popup := QApplication.activePopupWidget()) is not None:
        popup.close()


def add_from_menu(qtbot, panel, category: str, title: str) -> None:
    """Press Add step, then pick ``category`` > ``title`` with the keyboard, as a student would."""
    done: list[str] = []
    tries: list[int] = []

    def in_submenu() -> None:
        sub = QApplication.activePopupWidget()
        if not (isinstance(sub, QMenu) and sub.title() == category) and len(tries) < 100:
            tries.append(1)  # a loaded machine may open the submenu a little later: look again
            QTimer.singleShot(20, in_submenu)
            return
        try:
            assert isinstance(sub, QMenu) and sub.title() == category, sub
            sub.setActiveAction(next(a for a in sub.actions() if a.text() == title))
            qtbot.keyClick(sub, Qt.Key.Key_Return)
            done.append(title)
        finally:
            close_popups()  # never leave a modal menu open: the test would hang instead of failing

    def in_menu() -> None:
        try:
            menu = QApplication.activePopupWidget()
            assert menu is panel.pipeline.add_menu, menu
            menu.setActiveAction(next(a for a in menu.actions() if a.text() == category))
            qtbot.keyClick(menu, Qt.Key.Key_Right)  # opens the category's submenu
            QTimer.singleShot(50, in_submenu)
        except BaseException:
            close_popups()
            raise

    QTimer.singleShot(50, in_menu)
    qtbot.mouseClick(panel.pipeline.add_button, Qt.MouseButton.LeftButton)  # the menu runs until a choice closes it
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=5000)
    assert done == [title]
    wait_idle(qtbot, panel)


def step_rows(panel) -> list[list[str]]:
    t = panel.pipeline.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_an_added_step_reaches_the_project_and_changes_the_data(iris_tab, qtbot):
    window, panel = iris_tab
    doc = window.document
    raw = {name: split.x.numpy().copy() for name, split in doc.bundle().splits().items()}
    assert step_rows(panel) == []

    add_from_menu(qtbot, panel, "Scaling", "Min-max scale")
    assert doc.project.data.preprocessing == [StepSpec("minmax", {"range": "0,1"})]
    lo, span = raw["train"].min(axis=0), raw["train"].max(axis=0) - raw["train"].min(axis=0)
    bundle = doc.bundle()
    for name, split in bundle.splits().items():  # validation and test use the training split's min and span
        np.testing.assert_allclose(split.x.numpy(), (raw[name] - lo) / span, rtol=1e-5, atol=1e-6)
    assert bundle.train.x.min().item() == pytest.approx(0.0) and bundle.train.x.max().item() == pytest.approx(1.0)
    assert step_rows(panel) == [["1", "Min-max scale\nrange 0,1", "4 → 4", str(len(bundle.train))]]

    # The step's form, by keyboard: the interval becomes -1..1.
    panel.pipeline.select(0)
    combo = panel.pipeline.form.editors["range"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    wait_idle(qtbot, panel)
    assert doc.project.data.preprocessing == [StepSpec("minmax", {"range": "-1,1"})]
    np.testing.assert_allclose(doc.bundle().test.x.numpy(), (raw["test"] - lo) / span * 2 - 1, rtol=1e-5, atol=1e-6)

    add_from_menu(qtbot, panel, "Features", "PCA")
    assert [s.kind for s in doc.project.data.preprocessing] == ["minmax", "pca"]
    bundle = doc.bundle()
    assert bundle.input_shape == (2,) and step_rows(panel)[1][2] == "4 → 2"
    scaled = {name: (raw[name] - lo) / span * 2 - 1 for name in raw}
    pca = PCA(2).fit(scaled["train"])
    for name, split in bundle.splits().items():  # the same components, up to each one's sign
        got, want = split.x.numpy(), pca.transform(scaled[name])
        signs = np.sign(np.sum(got * want, axis=0))
        np.testing.assert_allclose(got, want * signs, rtol=1e-3, atol=1e-4)
    assert "→ the network receives 2" in panel.pipeline.summary.text()

    # Delete removes the selected step; the data is the scaled table again.
    panel.pipeline.select(1)
    panel.pipeline.table.setFocus()
    qtbot.keyClick(panel.pipeline.table, Qt.Key.Key_Delete)
    wait_idle(qtbot, panel)
    assert [s.kind for s in doc.project.data.preprocessing] == ["minmax"]
    assert torch.allclose(doc.bundle().train.x, torch.from_numpy(scaled["train"]).float(), atol=1e-6)
