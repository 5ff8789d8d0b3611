"""No key sequence is bound twice where both bindings could fire (Qt then fires neither): within one action's
list or across actions, offscreen and on X11 (xcb under Xvfb), where the platform's standard Redo is
Ctrl+Shift+Z and the Redo action listed it twice, so Ctrl+Shift+Z did nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from repo_paths import ROOT

from nnstudio.gui.shortcuts import clashes, unique_shortcuts

# Built in a fresh process on the platform under test: every tab built, the clashes and Redo's keys printed,
# then Ctrl+Shift+Z pressed on the Architecture tab after an add and an undo.
CHECK = r"""
import json, sys, tempfile
import torch  # torch before Qt, as in the app's entry point
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
app = QApplication([])
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.settings_store import SettingsStore
from nnstudio.gui.shortcuts import clashes
window = MainWindow(SettingsStore(tempfile.mkdtemp() + "/settings.ini"))
window.show()
window.activateWindow()
QTest.qWaitForWindowExposed(window)
while window.tabs.build_next():
    app.processEvents()
panel = window.architecture_panel
window.show_tab("architecture")
before = len(window.document.project.architecture.layers)
panel.add_layer("relu", (0,))
window.ctx.undo_stack.undo()
QTest.qWaitForWindowActive(window, 5000)
QTest.keyClick(panel.stack, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
app.processEvents()
print(json.dumps({
    "platform": app.platformName(),
    "clashes": clashes(window),
    "redo": [s.toString(QKeySequence.SequenceFormat.PortableText) for s in window.redo_action.shortcuts()],
    "layers": [before, len(window.document.project.architecture.layers)],
}))
window.shutdown_panels()
window.document.set_modified(False)
"""


def _portable(seqs) -> list[str]:
    return [s.toString(QKeySequence.SequenceFormat.PortableText) for s in seqs]


def test_unique_shortcuts_expands_standard_keys_and_keeps_each_sequence_once(qapp):
    keys = _portable(unique_shortcuts("Ctrl+Shift+Z", QKeySequence.StandardKey.Redo, "Ctrl+Shift+Z", ""))
    assert keys[0] == "Ctrl+Shift+Z" and len(keys) == len(set(keys)) and "" not in keys
    platform = _portable(QKeySequence.keyBindings(QKeySequence.StandardKey.Redo))
    assert set(keys) == {"Ctrl+Shift+Z", *platform}


def test_no_key_sequence_is_bound_twice_offscreen(main_window, qtbot):
    while main_window.tabs.build_next():  # every tab's actions and buttons
        pass
    assert clashes(main_window) == []
    redo = _portable(main_window.redo_action.shortcuts())
    assert redo[0] == "Ctrl+Shift+Z" and len(redo) == len(set(redo))


def test_ctrl_shift_z_redoes_on_the_architecture_tab(main_window, qtbot):
    panel = main_window.architecture_panel
    main_window.show_tab("architecture")
    main_window.activateWindow()
    qtbot.waitActive(main_window)
    layers = main_window.document.project.architecture.layers
    before = len(layers)
    panel.add_layer("relu", (0,))
    assert len(main_window.document.project.architecture.layers) == before + 1
    main_window.ctx.undo_stack.undo()
    assert len(main_window.document.project.architecture.layers) == before
    qtbot.keyClick(panel.stack, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(main_window.document.project.architecture.layers) == before + 1
    assert main_window.document.project.architecture.layers[0].kind == "relu"


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run not installed (apt-get install xvfb; .ci/run does)")
def test_no_key_sequence_is_bound_twice_on_x11_under_xvfb(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    env.pop("DISPLAY", None)
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-c", CHECK],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0 and lines, proc.stderr[-2000:]
    result = json.loads(lines[-1])
    assert result["platform"] == "xcb"
    assert result["clashes"] == []
    assert result["redo"][0] == "Ctrl+Shift+Z" and len(result["redo"]) == len(set(result["redo"]))
    before, after = result["layers"]
    assert after == before + 1, "Ctrl+Shift+Z did not redo the added layer under X11"
