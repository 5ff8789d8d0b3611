"""Starting the application."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from nnstudio import __version__


def run_app(argv: list[str]) -> int:
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from nnstudio.gui.main_window import MainWindow

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("nnstudio")
    app.setOrganizationName("nnstudio")
    app.setApplicationVersion(__version__)
    pg.setConfigOptions(antialias=True, background="w", foreground="#333")
    window = MainWindow()
    window.show()
    for arg in argv:
        if arg.endswith((".nnstudio", ".json")):
            window.open_path(Path(arg), confirmed=True)
    return app.exec()
