"""Showing errors: a short message a student can act on, never a traceback."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from nnstudio.core.base.errors import NNStudioError

log = logging.getLogger("nnstudio")


def show_error(parent: QWidget | None, title: str, error: BaseException | str) -> None:
    if isinstance(error, BaseException) and not isinstance(error, NNStudioError):
        log.error("%s", title, exc_info=error)
        text = f"Something unexpected went wrong: {type(error).__name__}: {error}"
    else:
        text = str(error)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    if parent is None:
        box.exec()
    else:
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
