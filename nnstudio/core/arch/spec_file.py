"""Saving and loading the architecture alone, as a small JSON file (no weights, no data)."""

from __future__ import annotations

import json
from pathlib import Path

from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.core.base.errors import NNStudioError, ProjectFileError

FORMAT = "nnstudio-architecture"
MAX_BYTES = 5 * 1024 * 1024


def architecture_to_json(spec: ArchitectureSpec) -> str:
    return json.dumps({"format": FORMAT, "schema_version": 1, "architecture": spec.to_dict()}, indent=2)


def save_architecture(spec: ArchitectureSpec, path: str | Path) -> None:
    path = Path(path)
    try:
        path.write_text(architecture_to_json(spec), encoding="utf-8")
    except OSError as exc:
        raise ProjectFileError(f"Cannot write {path}: {exc.strerror or exc}; choose another folder or name") from None


def load_architecture(path: str | Path) -> ArchitectureSpec:
    """Read an architecture file; a whole project file (.json) is accepted too and its network taken."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProjectFileError(f"Cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ProjectFileError(f"{path.name} is too large to be an architecture file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProjectFileError(f"{path.name} is not a valid JSON architecture file ({exc})") from None
    if not isinstance(data, dict) or "architecture" not in data:
        raise ProjectFileError(f"{path.name} holds no 'architecture' section; save one with 'Save architecture…' first")
    try:
        return ArchitectureSpec.from_dict(data["architecture"])
    except NNStudioError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ProjectFileError(f"{path.name}: the architecture is malformed: {exc}") from None
