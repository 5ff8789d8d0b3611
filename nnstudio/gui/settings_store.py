"""Typed access to QSettings, in one place. Tests point it at a temporary INI file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8


class SettingsStore:
    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self._s = QSettings("nnstudio", "nnstudio")
        else:
            self._s = QSettings(str(path), QSettings.Format.IniFormat)

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
        return [v for v in (value or []) if isinstance(v, str)][:MAX_RECENT]

    def add_recent_file(self, path: str) -> None:
        files = [path] + [f for f in self.recent_files() if f != path]
        self._s.setValue("files/recent", files[:MAX_RECENT])

    def remove_recent_file(self, path: str) -> None:
        self._s.setValue("files/recent", [f for f in self.recent_files() if f != path])

    def last_folder(self) -> str:
        return str(self._s.value("files/last_folder", str(Path.home())))

    def set_last_folder(self, folder: str) -> None:
        self._s.setValue("files/last_folder", folder)

    # --------------------------------------------------------------- helpers
    def _int(self, key: str, default: int) -> int:
        try:
            return int(self._s.value(key, default))
        except (TypeError, ValueError):
            return default

    def value(self, key: str, default: object = None) -> object:
        return self._s.value(key, default)

    def set_value(self, key: str, value: object) -> None:
        self._s.setValue(key, value)
