"""The split editor on the Data tab, typed into as a student would: the fractions, the stratify box, the seed
and the batch size reach the project's DataSpec and TrainSpec, and the splits the document builds have the
sizes, class balance and membership those settings mean."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt

from nnstudio.core.data.spec import SplitSpec

DIGITS = 1797


@pytest.fixture
def data_tab(main_window, qtbot):
    main_window.tabs.setCurrentWidget(main_window.data_panel)
    panel = main_window.data_panel
    wait_idle(qtbot, panel)
    yield main_window, panel
    panel.shutdown()


@pytest.fixture
def errors(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr("nnstudio.gui.panels.data.panel.show_error", lambda parent, title, error: shown.append(str(error)))
    return shown


def wait_idle(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.loader.running and panel._preview_current(), timeout=20000)


def type_into(qtbot, spin, text: str) -> None:
    """Click the box, select what is there, type, press Enter (the spins do not track each key)."""
    qtbot.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def test_typed_fractions_reach_the_spec_and_size_the_splits(data_tab, qtbot, errors):
    window, panel = data_tab
    editor = panel.split
    type_into(qtbot, editor.test, "0.2")
    wait_idle(qtbot, panel)
    type_into(qtbot, editor.validation, "0.25")
    wait_idle(qtbot, panel)
    spec = window.document.project.data
    assert spec.split == SplitSpec(validation=0.25, test=0.2, stratify=True)
    bundle = window.document.bundle()
    # scikit-learn's cut: the test share of all examples first, then validation's share of the rest (rounded up).
    n_test = math.ceil(0.2 * DIGITS)
    n_val = math.ceil(0.25 / 0.8 * (DIGITS - n_test))
    assert (len(bundle.train), len(bundle.validation), len(bundle.test)) == (DIGITS - n_test - n_val, n_val, n_test)
    assert editor.counts.text() == f"{DIGITS - n_test - n_val} training · {n_val} validation · {n_test} test examples"
    # Stratified: each digit's share of the test split is its share of the whole set, to within one example.
    y_all = torch.cat([bundle.train.y, bundle.validation.y, bundle.test.y]).numpy()
    per_class = np.bincount(y_all, minlength=10)
    assert np.all(np.abs(np.bincount(bundle.test.y.numpy(), minlength=10) - 0.2 * per_class) < 1)

    # The arrow key steps by 0.05.
    qtbot.keyClick(editor.validation.lineEdit(), Qt.Key.Key_Up)
    wait_idle(qtbot, panel)
    assert window.document.project.data.split.validation == pytest.approx(0.30)
    assert not errors

    # A typed fraction that leaves under 10% for training is refused with the reason; the old one stays.
    type_into(qtbot, editor.test, "0.65")
    assert errors and "at least 10% for training" in errors[-1]
    wait_idle(qtbot, panel)
    assert window.document.project.data.split.test == pytest.approx(0.2)
    assert editor.test.value() == pytest.approx(0.2)


def test_stratify_seed_and_batch_size_change_what_is_built(data_tab, qtbot):
    window, panel = data_tab
    editor = panel.split
    before = window.document.bundle().test.x.clone()

    type_into(qtbot, editor.seed, "7")
    wait_idle(qtbot, panel)
    assert window.document.project.data.seed == 7
    seeded = window.document.bundle().test
    assert len(seeded) == len(before) and not torch.equal(seeded.x, before)  # the same sizes, other examples

    qtbot.mouseClick(editor.stratify, Qt.MouseButton.LeftButton, pos=QPoint(8, editor.stratify.height() // 2))
    wait_idle(qtbot, panel)
    assert window.document.project.data.split.stratify is False
    assert not torch.equal(window.document.bundle().test.x, seeded.x)  # an unstratified cut picks other examples

    type_into(qtbot, editor.batch, "64")
    assert window.document.project.training.batch_size == 64
