"""Where ``resources/`` (icons, example projects, lesson texts) lives: dev checkout or frozen bundle.

In a checkout (or an editable install) it sits beside the ``nnstudio`` package; in a PyInstaller bundle
the spec copies it to ``<bundle>/resources``, found through ``sys._MEIPASS``. ``NNSTUDIO_RESOURCES``
overrides both (a packager who installs the files elsewhere). Qt-free, so the CLI may use it too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "NNSTUDIO_RESOURCES"
ICON_NAME = "nnstudio"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resources_dir() -> Path:
    """The ``resources`` folder for this install; it may be missing from a plain (non-editable) wheel."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    if is_frozen():
        return Path(sys._MEIPASS) / "resources"  # type: ignore[attr-defined]  # set by PyInstaller's bootloader
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A path inside ``resources/`` (whether or not it exists; callers decide what missing means)."""
    return resources_dir().joinpath(*parts)


def icon_files() -> list[Path]:
    """The app icon's PNGs that exist, smallest first (Qt picks the best size for each use)."""
    return [p for size in ICON_SIZES if (p := resource_path("icons", f"{ICON_NAME}-{size}.png")).is_file()]


def example_projects() -> list[Path]:
    """Example projects shipped in ``resources/examples``, sorted by name."""
    folder = resource_path("examples")
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".nnstudio", ".json"))
