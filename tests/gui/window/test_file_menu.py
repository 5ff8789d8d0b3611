"""File menu: save/open with the size-aware dialog, unsaved-changes prompts, bad and malicious files
refused through every path, drag and drop, import/export, autosave and recovery, preferences."""

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.project.file_format import estimate_size, format_size, load_project, save_project
from nnstudio.core.project.recovery import RecoveryStore
from nnstudio.core.project.spec import default_project, record_run
from nnstudio.core.training.engine import RunResult
from nnstudio.core.workspace.document import load_model
from nnstudio.gui import file_actions as file_actions_module
from nnstudio.gui.file_actions import SaveProjectDialog
from nnstudio.gui.training_runner import RunOutcome

Button = QMessageBox.StandardButton


class _Payload:
    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


def _pickles(folder: Path, target: Path) -> list[Path]:
    paths = []
    for name in ("evil.nnstudio", "evil.pt", "evil.pth"):
        path = folder / name
        path.write_bytes(pickle.dumps({"linear2.weight": _Payload(target)}, protocol=2))
        paths.append(path)
    zipped = folder / "zipped.nnstudio"
    torch.save({"linear2.weight": _Payload(target)}, zipped)
    return [*paths, zipped]


def _errors(window) -> list[str]:
    """Texts of the error dialogs showing now; closes them."""
    boxes = [b for b in window.findChildren(QMessageBox, "errorDialog") if b.isVisible()]
    texts = [b.text() for b in boxes]
    for b in boxes:
        b.close()
    return texts


def _dead_pid() -> int:
    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(out.stdout)


def _drop(window, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return True


def _trained_weights():
    module = load_model(default_project()).built.module
    return {k: torch.randn_like(v) for k, v in snapshot_weights(module).items()}


@pytest.fixture
def answer(monkeypatch):
    """Pre-answer QMessageBox.question; records every question asked."""
    asked = []

    def set_answer(button):
        def question(parent, title, text, *args, **kwargs):
            asked.append((title, text))
            return button

        monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
        return asked

    return set_answer


# ---------------------------------------------------------------------------- menu and title
def test_file_menu_holds_every_action(main_window):
    texts = [a.text().replace("&", "") for a in main_window.file_menu.actions() if a.text()]
    for expected in ("New", "Open…", "Open Recent", "Save", "Save As…", "Import Weights…", "Export", "Preferences…", "Quit"):
        assert expected in texts
    exports = [a.text().replace("&", "") for a in main_window.file_actions.export_menu.actions()]
    assert exports[:3] == ["Export Weights (safetensors)…", "Export Model as ONNX…", "Export Model as torch.export Program…"]


def test_save_as_writes_the_file_and_title_tracks_name_and_modified_mark(main_window, tmp_path, monkeypatch):
    target = tmp_path / "lesson1"
    monkeypatch.setattr(main_window, "_ask_save_path", lambda: (target, False))
    main_window.document.project.training.epochs = 7
    main_window.document.set_modified(True)
    assert main_window.isWindowModified()
    main_window.file_actions.save_as_action.trigger()
    saved = tmp_path / "lesson1.nnstudio"
    assert load_project(saved).training.epochs == 7
    assert main_window.windowTitle().startswith("lesson1.nnstudio")
    assert not main_window.isWindowModified()
    main_window.document.set_training(main_window.document.project.training.copy())
    assert main_window.isWindowModified()
    main_window.file_actions.save_action.trigger()  # plain Save now writes to the same file without asking
    assert not main_window.isWindowModified()
    assert saved.name in main_window.settings.recent_files()[0]


def test_save_dialog_shows_expected_size_and_snapshot_choice(main_window, qtbot, tmp_path):
    project = main_window.document.project
    weights = _trained_weights()
    record_run(project, {"epoch": [1.0, 2.0], "train_loss": [1.0, 0.5]}, weights, snapshots={1: weights, 2: weights})
    dialog = SaveProjectDialog(main_window, project, str(tmp_path / "p.nnstudio"))
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.size_label.text().startswith(f"Expected file size: {format_size(estimate_size(project))}")
    assert dialog.snapshots.isEnabled() and not dialog.snapshots.isChecked()
    dialog.snapshots.setChecked(True)
    assert dialog.size_label.text() == f"Expected file size: {format_size(estimate_size(project, include_snapshots=True))}"
    dialog.selectFile(str(tmp_path / "p.nnstudio"))
    dialog.accept()
    path, snaps = dialog.chosen()
    assert path.name == "p.nnstudio" and snaps
    assert main_window.save_to(path, snaps)
    assert sorted(load_project(path).runs[0].snapshots) == [1, 2]
    assert abs(path.stat().st_size - estimate_size(project, include_snapshots=True)) < 512


# ---------------------------------------------------------------------------- prompts
def test_new_open_and_quit_ask_about_unsaved_changes(main_window, answer, monkeypatch, tmp_path):
    main_window.document.project.name = "my work"
    main_window.document.set_modified(True)
    asked = answer(Button.Cancel)
    main_window.file_actions.new_action.trigger()
    opened = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: opened.append(1) or ("", "")))
    main_window.file_actions.open_action.trigger()
    assert not main_window.close()
    assert [t for t, _ in asked] == ["Unsaved changes"] * 3
    assert main_window.document.project.name == "my work" and not opened and main_window.isVisible()

    answer(Button.Discard)
    main_window.file_actions.new_action.trigger()
    assert main_window.document.project.name != "my work" and not main_window.isWindowModified()

    main_window.document.set_modified(True)
    saved = tmp_path / "kept.nnstudio"
    answer(Button.Save)
    monkeypatch.setattr(main_window, "_ask_save_path", lambda: (saved, False))
    main_window.file_actions.new_action.trigger()  # Save first, then the new project
    assert saved.exists()


def test_new_project_uses_the_default_device_preference(main_window):
    main_window.settings.set_default_device("cpu")
    main_window.file_actions.new_action.trigger()
    assert main_window.document.project.training.device == "cpu"


# ---------------------------------------------------------------------------- bad and malicious files
def test_bad_files_are_refused_and_the_open_project_stays(main_window, tmp_path):
    main_window.document.project.name = "current"
    good = tmp_path / "good.nnstudio"
    project = default_project()
    project.weights = {**_trained_weights(), "linear2.weight": torch.zeros(3, 3)}
    save_project(project, good)
    truncated = tmp_path / "cut.nnstudio"
    truncated.write_bytes(good.read_bytes()[:300])
    for path, message in ((truncated, "damaged or truncated"), (good, "linear2.weight has shape (3, 3)")):
        assert not main_window.open_path(path, confirmed=True)
        (text,) = _errors(main_window)
        assert message in text
        assert main_window.document.project.name == "current"


def test_malicious_pickle_never_runs_through_any_path(main_window, tmp_path, monkeypatch):
    target = tmp_path / "pwned.txt"
    files = _pickles(tmp_path, target)
    window = main_window
    for path in files:
        # Open…
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, p=path, **k: (str(p), "")))
        window.file_actions.open_action.trigger()
        # drag and drop
        assert _drop(window, path)
        # Open Recent
        window.settings.add_recent_file(str(path))
        window.file_actions.fill_recent_menu()
        recent = [a for a in window.file_actions.recent_menu.actions() if a.toolTip() == str(path)]
        recent[0].trigger()
        # Import weights (the dialog and the drop of a weights file)
        window.file_actions.import_weights_action.trigger()
        texts = _errors(window)
        assert len(texts) == 4, texts
        assert any("pickle" in t or "refused" in t for t in texts)
    # recovery: a planted copy from a "crashed" process
    folder = window.settings.recovery_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"recovery-{_dead_pid()}.nnstudio").write_bytes(files[0].read_bytes())
    window.file_actions.offer_recovery()
    _click(window.file_actions.recovery_box, Button.Yes)
    (text,) = _errors(window)
    assert "recovery copy cannot be restored" in text
    assert not target.exists()
    assert window.document.project.name == default_project().name
    assert not list(folder.glob("recovery-*.nnstudio"))  # the unusable copy is not offered again


def test_missing_recent_file_is_explained_and_forgotten(main_window, tmp_path):
    gone = tmp_path / "gone.nnstudio"
    main_window.settings.add_recent_file(str(gone))
    main_window.file_actions.fill_recent_menu()
    next(a for a in main_window.file_actions.recent_menu.actions() if a.toolTip() == str(gone)).trigger()
    (text,) = _errors(main_window)
    assert "does not exist" in text and str(gone) not in main_window.settings.recent_files()


# ---------------------------------------------------------------------------- drag and drop
def test_dropping_a_project_opens_it_and_other_files_are_ignored(main_window, tmp_path):
    project = default_project()
    project.name = "dropped"
    path = tmp_path / "dropped.nnstudio"
    save_project(project, path)
    assert _drop(main_window, path)
    assert main_window.document.project.name == "dropped" and main_window.document.path == path
    text = tmp_path / "notes.txt"
    text.write_text("hi")
    assert not _drop(main_window, text)


def test_dropping_weights_imports_them(main_window, tmp_path):
    from nnstudio.core.project.weights_io import export_safetensors

    weights = _trained_weights()
    path = tmp_path / "w.safetensors"
    export_safetensors(weights, path)
    assert _drop(main_window, path)
    assert all(torch.equal(main_window.document.project.weights[k], v) for k, v in weights.items())


# ---------------------------------------------------------------------------- import / export
def test_import_weights_checks_the_architecture(main_window, tmp_path, monkeypatch):
    good = _trained_weights()
    bad = {**good, "linear4.weight": torch.zeros(2, 128)}
    torch.save(bad, tmp_path / "bad.pt")
    torch.save(good, tmp_path / "good.pt")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(tmp_path / "bad.pt"), "")))
    main_window.file_actions.import_weights_action.trigger()
    (text,) = _errors(main_window)
    assert "linear4.weight has shape (2, 128) but the network needs (10, 128)" in text
    assert not main_window.document.project.weights
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(tmp_path / "good.pt"), "")))
    main_window.file_actions.import_weights_action.trigger()
    assert torch.equal(main_window.document.project.weights["linear4.weight"], good["linear4.weight"])
    assert main_window.isWindowModified()


def test_export_weights_and_onnx_help(main_window, tmp_path, monkeypatch):
    actions = main_window.file_actions
    actions.export_weights_action.trigger()
    (text,) = _errors(main_window)
    assert "train the network" in text
    main_window.document.set_trained(_trained_weights(), {})
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "w"), "")))
    actions.export_weights_action.trigger()
    from safetensors.torch import load_file

    assert load_file(tmp_path / "w.safetensors").keys() == main_window.document.project.weights.keys()
    monkeypatch.setattr(file_actions_module, "onnx_available", lambda: False)
    actions.export_onnx_action.trigger()
    (text,) = _errors(main_window)
    assert 'pip install "nnstudio[onnx]"' in text


def test_export_program_runs_in_the_background_and_cancel_discards(main_window, qtbot, tmp_path, monkeypatch):
    actions = main_window.file_actions
    main_window.document.set_trained(_trained_weights(), {})
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "model.pt2"), "")))
    with qtbot.waitSignal(actions.export_finished, timeout=120_000) as done:
        actions.export_program_action.trigger()
        assert actions.exporting
    assert done.args == [""] and (tmp_path / "model.pt2").exists()
    assert not actions.exporting
    program = torch.export.load(str(tmp_path / "model.pt2"))
    x = main_window.document.bundle().validation.x[:3]
    torch.testing.assert_close(program.module()(x), main_window.document.trained_model()(x))

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "cancelled.pt2"), "")))
    with qtbot.waitSignal(actions.export_finished, timeout=120_000) as done:
        actions.export_program_action.trigger()
        actions.cancel_export()
    assert done.args == ["cancelled"] and not (tmp_path / "cancelled.pt2").exists()


# ---------------------------------------------------------------------------- autosave and recovery
def _fake_run(window):
    history = {"epoch": [1.0, 2.0], "train_loss": [1.0, 0.6], "val_loss": [1.1, 0.8]}
    weights = _trained_weights()
    window.document.set_trained(weights, history)
    window.training_panel.run_finished.emit(RunOutcome(RunResult(history, 2, 0.5), weights, history=history))
    return weights


def test_autosave_after_each_run_and_on_the_timer_and_clean_exit_removes_it(main_window):
    actions = main_window.file_actions
    copy = actions.recovery.path
    assert not copy.exists()
    weights = _fake_run(main_window)
    assert copy.exists()
    saved = load_project(copy)
    assert len(saved.runs) == 1 and saved.runs[0].metrics["val_loss"] == 0.8
    assert torch.equal(saved.runs[0].weights["linear2.weight"], weights["linear2.weight"])
    assert saved.fitted_preprocessing is not None
    copy.unlink()
    main_window.document.set_modified(True)
    assert actions.autosave_timer.isActive() and actions.autosave_timer.interval() == 3 * 60_000
    actions.autosave_timer.timeout.emit()
    assert copy.exists()
    main_window.document.set_modified(False)
    assert main_window.close()
    assert not copy.exists()


def test_restore_is_offered_after_an_unclean_exit(qtbot, settings_path):
    from nnstudio.gui.main_window import MainWindow
    from nnstudio.gui.settings_store import SettingsStore

    settings = SettingsStore(settings_path)
    folder = settings.recovery_folder()
    crashed = default_project()
    crashed.name = "unsaved afternoon"
    RecoveryStore(folder, pid=_dead_pid()).save(crashed, settings_path.parent / "lesson.nnstudio")
    older = default_project()
    older.name = "older crash"
    RecoveryStore(folder, pid=_dead_pid()).save(older, None)
    (folder / f"recovery-{older_pid(folder, 'older crash')}.json").write_text('{"saved_at": 1, "name": "older crash"}')
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.file_actions.recovery_box is not None and window.file_actions.recovery_box.isVisible())
    box = window.file_actions.recovery_box
    assert "unsaved afternoon (from lesson.nnstudio)" in box.text()  # newest first
    assert window.document.project.name != "unsaved afternoon"  # nothing happens until the user answers
    _click(box, Button.Yes)
    assert window.document.project.name == "unsaved afternoon"
    assert window.file_actions.recovery_box is None  # the older copy waits for the next launch
    assert window.isWindowModified() and window.windowTitle().startswith("lesson.nnstudio")
    own = window.file_actions.recovery.path.name
    assert sorted(p.name for p in folder.glob("*.nnstudio")) == sorted([own, f"recovery-{older_pid(folder, 'older crash')}.nnstudio"])
    window.document.set_modified(False)
    window.close()
    assert [p.name for p in folder.glob("*.nnstudio")] == [f"recovery-{older_pid(folder, 'older crash')}.nnstudio"]

    # Next launch: the older copy is offered; No deletes it.
    again = MainWindow(SettingsStore(settings_path))
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.file_actions.recovery_box is not None)
    assert "older crash (never saved)" in again.file_actions.recovery_box.text()
    _click(again.file_actions.recovery_box, Button.No)
    assert not list(folder.glob("*.nnstudio")) and again.document.project.name == default_project().name


def older_pid(folder: Path, name: str) -> int:
    import json

    for note in folder.glob("recovery-*.json"):
        if json.loads(note.read_text()).get("name") == name:
            return int(note.stem.removeprefix("recovery-"))
    raise AssertionError(name)


def _click(box, button) -> None:
    box.button(button).click()


# ---------------------------------------------------------------------------- preferences
def test_preferences_are_stored_and_applied_live(main_window, qtbot):
    from nnstudio.gui.preferences import PreferencesDialog

    app = QApplication.instance()
    base_size = app.font().pointSizeF()
    main_window.file_actions.preferences_action.trigger()
    dialog = main_window.findChild(PreferencesDialog)
    assert dialog is not None and dialog.isVisible()
    try:
        dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
        dialog.autosave.setValue(5)
        dialog.font_scale.setValue(150)
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        dialog.recent.setValue(2)
        dialog.folders["exports"].setText(str(main_window.settings.recovery_folder().parent))
        for i in range(4):
            main_window.settings.add_recent_file(f"/tmp/p{i}.nnstudio")
        dialog.accept()
        s = main_window.settings
        assert (s.default_device(), s.autosave_minutes(), s.font_scale(), s.theme(), s.recent_count()) == ("cpu", 5, 1.5, "dark", 2)
        assert main_window.file_actions.autosave_timer.interval() == 5 * 60_000
        assert app.font().pointSizeF() == pytest.approx(base_size * 1.5)
        assert app.palette().window().color().lightness() < 80
        assert len(s.recent_files()) == 2
        assert s.default_folder("exports") == str(s.recovery_folder().parent)
    finally:
        main_window.settings.set_font_scale(1.0)
        main_window.settings.set_theme("light")
        main_window.file_actions.apply_preferences()
    assert app.font().pointSizeF() == pytest.approx(base_size)
    assert app.palette().window().color().lightness() > 150


def test_snapshot_choice_is_remembered_by_plain_save_and_autosave(main_window, tmp_path, monkeypatch):
    project = main_window.document.project
    weights = _trained_weights()
    record_run(project, {"epoch": [1.0], "train_loss": [1.0]}, weights, snapshots={1: weights})
    monkeypatch.setattr(main_window, "_ask_save_path", lambda: (tmp_path / "s.nnstudio", True))
    main_window.file_actions.save_as_action.trigger()
    main_window.document.set_modified(True)
    main_window.file_actions.save_action.trigger()
    assert list(load_project(tmp_path / "s.nnstudio").runs[0].snapshots) == [1]
    main_window.file_actions.autosave(force=True)
    assert list(load_project(main_window.file_actions.recovery.path).runs[0].snapshots) == [1]


def test_export_code_is_offered_in_the_file_menu(main_window, tmp_path, monkeypatch):
    action = main_window.file_actions.export_code_action
    assert action is not None and action in main_window.file_actions.export_menu.actions()
    monkeypatch.setattr("nnstudio.gui.code_export_dialog.ask_code_export", lambda *a, **k: (tmp_path / "net.py", False))
    action.trigger()
    assert "class" in (tmp_path / "net.py").read_text()
