"""Starting the application: identity (name, version, icon), the main window, deferred data loading."""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from nnstudio import __version__
from nnstudio.resources import icon_files

# bench/startup.py sets this: print the moments of the first paint and of the loaded data, then quit.
FIRST_PAINT_ENV = "NNSTUDIO_EXIT_AFTER_FIRST_PAINT"


def app_icon() -> QIcon:
    icon = QIcon()
    for path in icon_files():
        icon.addFile(str(path))
    return icon


def configure_app(app: QApplication) -> None:
    """Name, version and icon: shared by the app and ``nnstudio self-test``. (Plot defaults wait for the
    first plot: see ``widgets.plot_defaults``.)"""
    app.setApplicationName("nnstudio")
    app.setApplicationDisplayName("nnstudio")
    app.setOrganizationName("nnstudio")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("nnstudio")  # matches packaging/nnstudio.desktop (Wayland finds the icon by it)
    app.setWindowIcon(app_icon())


class FirstPaintWatch(QObject):
    """On the window's first paint, load the deferred data (and, for bench/startup.py, report and quit)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.report = bool(os.environ.get(FIRST_PAINT_ENV))
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.window.removeEventFilter(self)
            if self.report:
                print(f"first-paint {time.perf_counter():.6f} {time.time():.6f}", flush=True)
            QTimer.singleShot(0, self.load_data)  # once this paint has reached the screen
        return False

    @Slot()
    def load_data(self) -> None:
        self.window.document.load_deferred_data()
        self.window.statusBar().showMessage("Ready", 3000)
        if self.report:
            print(f"data-ready {time.perf_counter():.6f} {time.time():.6f}", flush=True)
            self.window.document.set_modified(False)
            self.window.close()
            return
        self.window.build_remaining_panels(then=settle_garbage_collector)


def settle_garbage_collector() -> None:
    """Start-up is over: park what it built (torch, Qt, the panels) outside the collector's reach, and
    collect again. Without this, every full collection during training walks a quarter of a million
    start-up objects while holding the GIL, and the window stutters; ``main`` disabled it meanwhile."""
    gc.collect()
    gc.freeze()
    gc.enable()


def create_main_window(settings=None):  # -> MainWindow
    """The main window on the default project, whose data loads right after the window first paints.

    Importing scikit-learn and reading a dataset take seconds on a classroom laptop: the window shows
    first (its views say the data is loading), then every view fills in.
    """
    from nnstudio.core.workspace.document import ProjectDocument
    from nnstudio.gui.main_window import MainWindow

    document = ProjectDocument()
    document.defer_data()
    window = MainWindow(settings, document)
    FirstPaintWatch(window)  # parented to the window
    window.statusBar().showMessage("Loading the project's data…")
    return window


def run_app(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    configure_app(app)
    window = create_main_window()
    window.show()
    opened = [arg for arg in argv if arg.endswith((".nnstudio", ".json"))]
    for arg in opened:
        window.open_path(Path(arg), confirmed=True)
    if not opened:
        window.lessons.start_page_at_first_launch(after_first_paint=True)  # once: the settings remember it
    return app.exec()
