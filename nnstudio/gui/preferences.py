"""Preferences: default device, autosave, font scale for projectors, theme, recent files, default folders.

Stored through :class:`SettingsStore`; the window applies them live when the dialog is accepted.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from nnstudio.gui.settings_store import (
    AUTOSAVE_RANGE,
    DEVICES,
    FOLDER_KINDS,
    RECENT_RANGE,
    THEMES,
    SettingsStore,
)
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote

DEVICE_LABELS = {
    "auto": "Automatic (GPU if available)",
    "cpu": "CPU",
    "cuda": "NVIDIA GPU (CUDA)",
    "mps": "Apple GPU (MPS)",
}
FOLDER_LABELS = {"projects": "Projects folder:", "data": "Data folder:", "exports": "Exports folder:"}
BASE_POINT_SIZE = "nnstudio_base_point_size"
BASE_STYLE = "nnstudio_base_style"


class PreferencesDialog(QDialog):
    """Edits a copy of the preferences; writes them to the store only on OK."""

    applied = Signal()

    def __init__(self, settings: SettingsStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(480)
        self.settings = settings

        self.device = QComboBox()
        self.device.setObjectName("prefDevice")
        for key in DEVICES:
            self.device.addItem(DEVICE_LABELS[key], key)
        self.device.setToolTip("Where new projects train. Automatic picks a GPU when one works, else the CPU")
        self.autosave = CheckedSpinBox("Autosave every")
        self.autosave.setObjectName("prefAutosave")
        self.autosave.setRange(*AUTOSAVE_RANGE)
        self.autosave.setSuffix(" min")
        self.autosave.setSpecialValueText("Only after each run")
        self.autosave.setToolTip("How often a recovery copy of unsaved work is written (it is also written after every run)")
        self.font_scale = CheckedSpinBox("Font size")
        self.font_scale.setObjectName("prefFontScale")
        self.font_scale.setRange(80, 300)
        self.font_scale.setSingleStep(10)
        self.font_scale.setSuffix(" %")
        self.font_scale.setToolTip("Make all text larger for a projector at the back of the room")
        self.theme = QComboBox()
        self.theme.setObjectName("prefTheme")
        for key in THEMES:
            self.theme.addItem(key.capitalize(), key)
        self.recent = CheckedSpinBox("Recent projects listed")
        self.recent.setObjectName("prefRecent")
        self.recent.setRange(*RECENT_RANGE)
        self.recent.setToolTip("How many projects File > Open Recent lists")

        form = QFormLayout(self)
        form.addRow("Default device:", self.device)
        form.addRow("Autosave every:", self.autosave)
        form.addRow("Font size:", self.font_scale)
        form.addRow("Theme:", self.theme)
        form.addRow("Recent projects listed:", self.recent)
        self.note = RefusalNote()  # why a typed value was refused (Qt would clamp it silently)
        for box in (self.autosave, self.font_scale, self.recent):
            self.note.watch(box)
        form.addRow(self.note)
        self.folders: dict[str, QLineEdit] = {}
        for kind in FOLDER_KINDS:
            edit = QLineEdit()
            edit.setObjectName(f"prefFolder_{kind}")
            edit.setPlaceholderText("the last folder used")
            browse = QPushButton("Browse…")
            browse.setProperty("folder_kind", kind)
            browse.clicked.connect(self._browse)
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(browse)
            form.addRow(FOLDER_LABELS[kind], row)
            self.folders[kind] = edit

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.load()

    def load(self) -> None:
        s = self.settings
        self.device.setCurrentIndex(max(0, self.device.findData(s.default_device())))
        self.autosave.setValue(s.autosave_minutes())
        self.font_scale.setValue(round(s.font_scale() * 100))
        self.theme.setCurrentIndex(max(0, self.theme.findData(s.theme())))
        self.recent.setValue(s.recent_count())
        for kind, edit in self.folders.items():
            edit.setText(s.folder_preference(kind))

    @Slot()
    def _browse(self) -> None:
        kind = self.sender().property("folder_kind")
        start = self.folders[kind].text() or self.settings.last_folder()
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder", start)
        if folder:
            self.folders[kind].setText(folder)

    def accept(self) -> None:
        s = self.settings
        s.set_default_device(self.device.currentData())
        s.set_autosave_minutes(self.autosave.value())
        s.set_font_scale(self.font_scale.value() / 100)
        s.set_theme(self.theme.currentData())
        s.set_recent_count(self.recent.value())
        for kind, edit in self.folders.items():
            s.set_folder_preference(kind, edit.text().strip())
        s.sync()
        super().accept()
        self.applied.emit()


def apply_appearance(theme: str, font_scale: float) -> None:
    """Theme and font size for the whole application, reversible: the first call remembers the originals."""
    app = QApplication.instance()
    if app is None:
        return
    if app.property(BASE_POINT_SIZE) is None:
        app.setProperty(BASE_POINT_SIZE, app.font().pointSizeF())
        app.setProperty(BASE_STYLE, app.style().name())
    font = app.font()
    font.setPointSizeF(float(app.property(BASE_POINT_SIZE)) * font_scale)
    app.setFont(font)
    if theme == "dark":
        app.setStyle("Fusion")  # the native styles ignore a dark palette on some platforms
        app.setPalette(dark_palette())
    else:
        if app.style().name().lower() != str(app.property(BASE_STYLE)).lower():
            app.setStyle(str(app.property(BASE_STYLE)))
        app.setPalette(app.style().standardPalette())


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text, mid = QColor("#1e1f22"), QColor("#2b2d31"), QColor("#e8e8e8"), QColor("#3c3f45")
    for role, color in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, mid),
        (QPalette.ColorRole.ToolTipBase, window),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, mid),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor("#ff6b6b")),
        (QPalette.ColorRole.Highlight, QColor("#3d7be0")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Link, QColor("#6ea8ff")),
        (QPalette.ColorRole.PlaceholderText, QColor("#9a9a9a")),
    ):
        p.setColor(role, color)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#808080"))
    return p
