"""Start-up laziness: the default project's data loads after the first paint; heavy modules on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest
from repo_paths import ROOT

from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.document import DataPendingError, ProjectDocument


def test_deferred_data_raises_until_loaded_then_views_rebuild_once():
    doc = ProjectDocument()
    doc.defer_data()
    rebuilt = []
    doc.project_replaced.connect(lambda: rebuilt.append(True))
    with pytest.raises(DataPendingError, match="still loading"):
        doc.bundle()
    with pytest.raises(DataPendingError, match="still loading"):
        doc.built()
    doc.load_deferred_data()
    assert not doc.data_deferred and rebuilt == [True]
    assert doc.bundle().input_shape == (1, 8, 8)
    doc.load_deferred_data()  # a second call changes nothing
    assert rebuilt == [True] and not doc.modified


def test_opening_a_project_ends_the_deferral():
    doc = ProjectDocument()
    doc.defer_data()
    doc.replace(default_project())
    assert not doc.data_deferred
    assert doc.bundle() is doc.bundle()


def test_heavy_modules_wait_until_after_the_first_paint(tmp_path):
    # The app's own start path, stopped at the first paint: nothing optional may be imported by then.
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "import torch\n"
        "from PySide6.QtCore import QEvent, QObject\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from nnstudio.gui.app import configure_app, create_main_window\n"
        "from nnstudio.gui.settings_store import SettingsStore\n"
        "app = QApplication([]); configure_app(app)\n"
        f"w = create_main_window(SettingsStore({str(tmp_path / 'settings.ini')!r}))\n"
        "seen = {}\n"
        "class Paint(QObject):\n"
        "    def eventFilter(self, obj, event):\n"
        "        if event.type() == QEvent.Type.Paint and not seen:\n"
        "            seen['mods'] = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "                ('sklearn', 'scipy', 'captum', 'matplotlib', 'torchvision', 'pandas'))\n"
        "            seen['deferred'] = w.document.data_deferred\n"
        "        return False\n"
        "f = Paint(); w.installEventFilter(f)\n"
        "w.show()\n"
        "while not seen: app.processEvents()\n"
        "w.document.set_modified(False); w.close()\n"
        "print(seen['deferred'], seen['mods'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "True []"
