"""The Training tab trains through the run session: a run with checkpoints is stopped, File > Resume from
Checkpoint… carries it on to its planned epochs, Continue adds more, and a second resume is refused in words."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.core.workspace.checkpoints import folder_for, read_checkpoint
from nnstudio.core.workspace.run_session import RunSession

LONG = 120_000


def click(qtbot, widget):
    assert widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_stopped_run_resumes_from_the_file_menu_then_continues(main_window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "digits.nnstudio"
    assert main_window.save_to(path)
    main_window.show_tab("training")
    panel = main_window.training_panel
    panel.settings_form.editors["epochs"].setValue(4)
    panel.checkpoint_every.setValue(1)
    panel.speed.setValue(2)  # 10 ms per batch: Stop lands inside epoch 3 or 4, never after the run's end

    epochs_seen: list[float] = []
    panel.runner.epoch_finished.connect(lambda metrics: epochs_seen.append(metrics["epoch"]))
    click(qtbot, panel.train_button)
    assert isinstance(panel.session, RunSession)
    qtbot.waitUntil(lambda: 2.0 in epochs_seen, timeout=LONG)
    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as stopped:
        click(qtbot, panel.stop_button)
    assert stopped.args[0].result.status == "stopped"
    kept = read_checkpoint(folder_for(path)).epoch
    assert kept in (2, 3)

    action = main_window.file_actions.resume_checkpoint_action
    assert action in main_window.file_menu.actions() and action.text().replace("&", "") == "Resume from Checkpoint…"
    assert panel.resume_button.text() == "Resume"  # the pause's Resume is another thing
    monkeypatch.setattr("nnstudio.gui.file_actions.QFileDialog.getOpenFileName", lambda *a, **k: (str(path), ""))
    panel.speed.setValue(0)
    epochs_seen.clear()
    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as resumed:
        action.trigger()
        assert panel.status.text().startswith(f"Resuming from the checkpoint of epoch {kept}: epochs {kept + 1} to 4")
    assert epochs_seen == [float(e) for e in range(kept + 1, 5)]  # only the epochs the checkpoint had not done
    assert panel.history["epoch"][:kept] == [float(e) for e in range(1, kept + 1)]  # the checkpoint's curves first
    result = resumed.args[0].result
    assert (result.status, result.epochs) == ("completed", 4)
    assert main_window.document.project.history["epoch"] == [1.0, 2.0, 3.0, 4.0]
    assert panel.progress.format().startswith("Done: 4 epochs")
    assert not folder_for(path).exists()  # finished: nothing left to resume

    session = panel.session
    panel.continue_epochs.setValue(1)
    with qtbot.waitSignal(panel.run_finished, timeout=LONG) as continued:
        click(qtbot, panel.continue_button)
    assert panel.session is session and continued.args[0].result.epochs == 5
    assert main_window.document.project.history["epoch"] == [1.0, 2.0, 3.0, 4.0, 5.0]

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr("nnstudio.gui.panels.training.panel.show_error", lambda parent, title, text: shown.append((title, str(text))))
    assert not main_window.file_actions.resume_checkpoint_from(path)
    assert shown and shown[0][0] == "Cannot resume from the checkpoint" and "no checkpoint to resume" in shown[0][1]
