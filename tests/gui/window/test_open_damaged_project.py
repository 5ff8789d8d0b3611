"""File > Open answers every failure with a dialog that says why, and keeps the open project;
a project whose weights cannot be used opens without them and says so (item 5)."""

from pathlib import Path

import pytest
import torch
from PySide6.QtWidgets import QFileDialog, QMessageBox
from repo_paths import TRUST_FIXTURES

from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project, record_run
from nnstudio.core.workspace.document import load_model
from nnstudio.gui import file_actions
from nnstudio.gui import main_window as main_window_module

FIXTURES = TRUST_FIXTURES


def _visible(window, name: str) -> list[str]:
    """Texts of the message boxes called ``name`` showing now; closes them."""
    boxes = [b for b in window.findChildren(QMessageBox, name) if b.isVisible()]
    texts = [b.text() for b in boxes]
    for box in boxes:
        box.close()
    return texts


def _open_with_the_menu(window, monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    window.file_actions.open_action.trigger()


def _current(window) -> tuple[str, list[str]]:
    project = window.document.project
    return project.name, [layer.kind for layer in project.architecture.layers]


@pytest.mark.parametrize(("fixture", "words"), [
    ("project_damaged_deflate.nnstudio", "project_damaged_deflate.nnstudio is damaged: its compressed data cannot be unpacked"),
    ("project_huge_integer.json", "holds a number with thousands of digits"),
])
def test_opening_a_damaged_project_shows_why_and_keeps_the_open_one(main_window, monkeypatch, fixture, words):
    main_window.document.project.name = "my work"
    before = _current(main_window)
    _open_with_the_menu(main_window, monkeypatch, FIXTURES / fixture)
    (text,) = _visible(main_window, "errorDialog")
    assert words in text
    assert _current(main_window) == before
    assert "Opened" not in main_window.statusBar().currentMessage()


def test_any_exception_inside_the_loader_still_shows_a_dialog(main_window, monkeypatch, tmp_path):
    good = tmp_path / "good.nnstudio"
    save_project(default_project(), good)
    main_window.document.project.name = "my work"
    before = _current(main_window)

    def explode(path):
        raise KeyError("a bug nobody foresaw")

    for module in (file_actions, main_window_module):  # wherever the window's open path calls the loader
        monkeypatch.setattr(module, "load_project", explode, raising=False)
    _open_with_the_menu(main_window, monkeypatch, good)
    (text,) = _visible(main_window, "errorDialog")
    assert text.startswith("good.nnstudio could not be opened (KeyError: 'a bug nobody foresaw')")
    assert "open a backup or the recovery copy" in text
    assert _current(main_window) == before


def test_a_project_with_nan_weights_opens_and_says_the_weights_were_dropped(main_window, monkeypatch, tmp_path):
    project = default_project()
    project.name = "diverged"
    weights = snapshot_weights(load_model(project).built.module)
    weights["linear4.bias"] = torch.full_like(weights["linear4.bias"], float("nan"))
    record_run(project, {"epoch": [1.0], "train_loss": [float("nan")]}, weights)
    path = tmp_path / "diverged.nnstudio"
    save_project(project, path)
    _open_with_the_menu(main_window, monkeypatch, path)
    assert _visible(main_window, "errorDialog") == []
    (text,) = _visible(main_window, "openNotes")
    assert text.startswith("The current weights and the weights of Run 1 were not loaded: linear4.bias holds 10 NaN or "
                           "infinite values (of 10)")
    assert "lower the learning rate and train again" in text
    assert main_window.document.project.name == "diverged" and main_window.document.project.weights is None
    assert len(main_window.document.project.runs) == 1
