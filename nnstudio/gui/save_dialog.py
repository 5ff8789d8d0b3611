"""Qt's save dialog with a few choices of the app's own below it (Save project's snapshots, Export code's
exact copy): one way to add them, shared by every such dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QVBoxLayout, QWidget


class OptionsSaveDialog(QFileDialog):
    """A save dialog for ``suffix`` files; :meth:`add_options` puts widgets under its file fields."""

    def __init__(self, parent: QWidget | None, title: str, start: str, filter_text: str, suffix: str) -> None:
        super().__init__(parent, title, start, filter_text)
        self.setOption(QFileDialog.Option.DontUseNativeDialog)  # the native one cannot show extra widgets
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.setDefaultSuffix(suffix)

    def add_options(self, *widgets: QWidget) -> None:
        extra = QWidget()
        box = QVBoxLayout(extra)
        box.setContentsMargins(0, 4, 0, 0)
        for widget in widgets:
            box.addWidget(widget)
        layout = self.layout()  # a QGridLayout in Qt's own (non-native) dialog
        layout.addWidget(extra, layout.rowCount(), 0, 1, -1)

    def chosen_path(self) -> Path | None:
        files = self.selectedFiles()
        return Path(files[0]) if files else None
