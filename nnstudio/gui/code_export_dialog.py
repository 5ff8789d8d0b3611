"""The Export as PyTorch code dialog: Qt's save dialog plus the choice between the lecture-style script and
an exact copy of the app's run (``export-code --exact`` on the command line)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QDialog, QWidget

from nnstudio.gui.save_dialog import OptionsSaveDialog

EXACT_TIP = (
    "Off: idiomatic PyTorch as in a lecture (a model class, a DataLoader, a plain training loop, the test score "
    "at the end), which learns as well as the app. On: the app's own seeds and batch order spelled out, so a "
    "run of the script gives the app's numbers, with extra code a student does not need"
)


class ExportCodeDialog(OptionsSaveDialog):
    """Where to write the script, and whether it copies the app's run number for number."""

    def __init__(self, parent: QWidget | None, start: str, title: str = "Export as PyTorch code") -> None:
        super().__init__(parent, title, start, "Python file (*.py)", "py")
        self.setObjectName("exportCodeDialog")
        self.exact = QCheckBox("Exact copy of the app's training (same seeds and batch order)")
        self.exact.setObjectName("exactCode")
        self.exact.setToolTip(EXACT_TIP)
        self.add_options(self.exact)

    def chosen(self) -> tuple[Path, bool] | None:
        """(the file, exact) once accepted; None when no file was chosen."""
        path = self.chosen_path()
        return (path, self.exact.isChecked()) if path is not None else None


def ask_code_export(parent: QWidget | None, start: str, title: str = "Export as PyTorch code") -> tuple[Path, bool] | None:
    """Show the dialog; (path, exact) or None when cancelled. Tests replace this function."""
    dialog = ExportCodeDialog(parent, start, title)
    try:
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
