"""Typed access to QSettings, in one place. Tests point it at a temporary INI file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

MAX_RECENT = 8  # default length of File > Open Recent (Preferences change it)
RECENT_RANGE = (1, 30)
AUTOSAVE_RANGE = (0, 120)  # minutes; 0 switches the timed autosave off (after each run still saves)
FONT_SCALE_RANGE = (0.8, 3.0)
THEMES = ("light", "dark")
DEVICES = ("auto", "cpu", "cuda", "mps")
FOLDER_KINDS = ("projects", "data", "exports")


class SettingsStore:
    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self._s = QSettings("nnstudio", "nnstudio")
            base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
            self._data_dir = Path(base) if base else Path.home() / ".nnstudio"
        else:
            self._s = QSettings(str(path), QSettings.Format.IniFormat)
            self._data_dir = Path(path).resolve().parent  # tests: everything stays in their temp folder

    def recovery_folder(self) -> Path:
        """Where autosaved recovery copies live (not the user's project folder)."""
        return self._data_dir / "recovery"

    def sync(self) -> None:
        self._s.sync()

    # --------------------------------------------------------------- window
    def window_geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_geometry(self, geometry: QByteArray, state: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)
        self._s.setValue("window/state", state)

    def window_state(self) -> QByteArray | None:
        value = self._s.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def current_tab(self) -> int:
        return self._int("window/tab", 0)

    def set_current_tab(self, index: int) -> None:
        self._s.setValue("window/tab", index)

    # --------------------------------------------------------------- files
    def recent_files(self) -> list[str]:
        value = self._s.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if isinstance(v, str)][: self.recent_count()]

    def add_recent_file(self, path: str) -> None:
        files = [path] + [f for f in self.recent_files() if f != path]
        self._s.setValue("files/recent", files[: self.recent_count()])

    def remove_recent_file(self, path: str) -> None:
        self._s.setValue("files/recent", [f for f in self.recent_files() if f != path])

    def last_folder(self) -> str:
        return str(self._s.value("files/last_folder", str(Path.home())))

    def set_last_folder(self, folder: str) -> None:
        self._s.setValue("files/last_folder", folder)

    # --------------------------------------------------------------- preferences
    def recent_count(self) -> int:
        return self._int("prefs/recent_count", MAX_RECENT, RECENT_RANGE)

    def set_recent_count(self, n: int) -> None:
        self._s.setValue("prefs/recent_count", int(n))
        self._s.setValue("files/recent", self.recent_files())

    def default_device(self) -> str:
        value = self._s.value("prefs/device", "auto")
        return value if value in DEVICES else "auto"

    def set_default_device(self, device: str) -> None:
        self._s.setValue("prefs/device", device if device in DEVICES else "auto")

    def autosave_minutes(self) -> int:
        return self._int("prefs/autosave_minutes", 3, AUTOSAVE_RANGE)

    def set_autosave_minutes(self, minutes: int) -> None:
        self._s.setValue("prefs/autosave_minutes", int(minutes))

    def font_scale(self) -> float:
        try:
            value = float(self._s.value("prefs/font_scale", 1.0))
        except (TypeError, ValueError):
            return 1.0
        return min(max(value, FONT_SCALE_RANGE[0]), FONT_SCALE_RANGE[1])

    def set_font_scale(self, scale: float) -> None:
        self._s.setValue("prefs/font_scale", float(scale))

    def theme(self) -> str:
        value = self._s.value("prefs/theme", "light")
        return value if value in THEMES else "light"

    def set_theme(self, theme: str) -> None:
        self._s.setValue("prefs/theme", theme if theme in THEMES else "light")

    def default_folder(self, kind: str) -> str:
        """The folder a file dialog of this kind starts in: the preference, else the last folder used."""
        value = self._s.value(f"prefs/folder_{kind}", "")
        return value if isinstance(value, str) and value and Path(value).is_dir() else self.last_folder()

    def folder_preference(self, kind: str) -> str:
        value = self._s.value(f"prefs/folder_{kind}", "")
        return value if isinstance(value, str) else ""

    def set_folder_preference(self, kind: str, folder: str) -> None:
        self._s.setValue(f"prefs/folder_{kind}", folder)

    # --------------------------------------------------------------- helpers
    def _int(self, key: str, default: int, bounds: tuple[int, int] | None = None) -> int:
        try:
            value = int(self._s.value(key, default))
        except (TypeError, ValueError):
            return default
        return min(max(value, bounds[0]), bounds[1]) if bounds else value

    def value(self, key: str, default: object = None) -> object:
        return self._s.value(key, default)

    def set_value(self, key: str, value: object) -> None:
        self._s.setValue(key, value)
