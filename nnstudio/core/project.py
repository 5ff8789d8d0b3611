"""The project: three specs plus, once trained, weights and history; and its ``.nnstudio`` file.

A ``.nnstudio`` file is a zip with ``project.json`` (specs, history) and ``weights.safetensors``. Nothing
in it is ever unpickled. A bare ``.json`` file with the specs alone is accepted too.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.errors import NNStudioError, ProjectFileError, SpecError
from nnstudio.core.training.config import TrainSpec

SCHEMA_VERSION = 1
FORMAT = "nnstudio-project"
PROJECT_JSON = "project.json"
WEIGHTS = "weights.safetensors"
MAX_JSON_BYTES = 20 * 1024 * 1024
MAX_WEIGHTS_BYTES = 2 * 1024**3


@dataclass
class Project:
    name: str = "Untitled"
    architecture: ArchitectureSpec = field(default_factory=ArchitectureSpec)
    data: DataSpec = field(default_factory=DataSpec)
    training: TrainSpec = field(default_factory=TrainSpec)
    weights: dict[str, torch.Tensor] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "architecture": self.architecture.to_dict(),
            "data": self.data.to_dict(),
            "training": self.training.to_dict(),
            "history": {k: list(v) for k, v in self.history.items()},
        }

    @classmethod
    def from_dict(cls, data: Any) -> Project:
        if not isinstance(data, dict):
            raise SpecError("project", data, "must be a JSON object")
        version = data.get("schema_version", SCHEMA_VERSION)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise SpecError("schema_version", version, "must be a whole number of at least 1")
        if version > SCHEMA_VERSION:
            raise ProjectFileError(
                f"This project was saved by a newer nnstudio (file format {version}; this version reads up to "
                f"{SCHEMA_VERSION}); update nnstudio to open it"
            )
        name = data.get("name", "Untitled")
        if not isinstance(name, str):
            raise SpecError("name", name, "must be text")
        for key in ("architecture", "data"):
            if key not in data:
                raise SpecError(key, None, "is missing; a project needs an architecture and a data section")
        history = data.get("history", {})
        if not isinstance(history, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
            for k, v in history.items()
        ):
            raise SpecError("history", "…", "must map metric names to lists of numbers")
        return cls(
            name,
            ArchitectureSpec.from_dict(data["architecture"]),
            DataSpec.from_dict(data["data"]),
            TrainSpec.from_dict(data.get("training", {})),
            None,
            {k: [float(x) for x in v] for k, v in history.items()},
        )


def default_project() -> Project:
    """The lecture's SimpleNN shape on the bundled 8x8 digits, ready to train."""
    project = Project(
        name="SimpleNN on digits",
        architecture=ArchitectureSpec(
            [
                layer("flatten"),
                layer("linear", in_features=64, out_features=128),
                layer("relu"),
                layer("linear", in_features=128, out_features=10),
            ],
            name="SimpleNN",
        ),
        data=DataSpec("digits"),
        training=TrainSpec(loss="cross_entropy", optimizer="adam", lr=1e-3, batch_size=32, epochs=20),
    )
    return Project.from_dict(project.to_dict())  # fills every registry default, as a saved file would hold


# ---------------------------------------------------------------------------- files
def save_project(project: Project, path: str | Path) -> None:
    """Write ``project`` as a ``.nnstudio`` zip (or, for a ``.json`` path, the specs alone)."""
    from safetensors.torch import save as save_tensors

    path = Path(path)
    text = json.dumps(project.to_dict(), indent=2)
    try:
        if path.suffix.lower() == ".json":
            path.write_text(text, encoding="utf-8")
            return
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(PROJECT_JSON, text)
            if project.weights:
                tensors = {k: v.detach().cpu().contiguous() for k, v in project.weights.items()}
                zf.writestr(WEIGHTS, save_tensors(tensors))
        path.write_bytes(buffer.getvalue())
    except OSError as exc:
        raise ProjectFileError(f"Cannot write {path}: {exc.strerror or exc}; choose another folder or name") from None


def _parse_json(raw: bytes, where: str) -> Any:
    if len(raw) > MAX_JSON_BYTES:
        raise ProjectFileError(f"{where} is {len(raw) // 1024**2} MB, more than a project can sensibly hold; it is not a valid project")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProjectFileError(f"{where} is not UTF-8 text; it is not a valid project file") from None
    except json.JSONDecodeError as exc:
        raise ProjectFileError(f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def load_project(path: str | Path) -> Project:
    """Read a ``.nnstudio`` or ``.json`` project, validating every field. Never unpickles anything."""
    from safetensors import SafetensorError
    from safetensors.torch import load as load_tensors

    path = Path(path)
    if not path.is_file():
        raise ProjectFileError(f"{path} does not exist or is not a file; check the name and folder")
    try:
        if path.suffix.lower() == ".json":
            return _from_json(_parse_json(path.read_bytes(), path.name))
        if not zipfile.is_zipfile(path):
            raise ProjectFileError(f"{path.name} is not an nnstudio project (not a zip archive); open a .nnstudio or .json file")
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if PROJECT_JSON not in names:
                raise ProjectFileError(f"{path.name} holds no {PROJECT_JSON}; it is not an nnstudio project")
            info = zf.getinfo(PROJECT_JSON)
            if info.file_size > MAX_JSON_BYTES:
                raise ProjectFileError(f"{path.name}: {PROJECT_JSON} would expand to {info.file_size // 1024**2} MB; refusing to open it")
            project = _from_json(_parse_json(zf.read(PROJECT_JSON), f"{path.name}/{PROJECT_JSON}"))
            if WEIGHTS in names:
                if zf.getinfo(WEIGHTS).file_size > MAX_WEIGHTS_BYTES:
                    raise ProjectFileError(f"{path.name}: the weights would expand beyond 2 GB; refusing to open them")
                try:
                    project.weights = load_tensors(zf.read(WEIGHTS))
                except (SafetensorError, ValueError) as exc:
                    raise ProjectFileError(f"{path.name}: the weights are damaged ({exc}); the file cannot be used") from None
            return project
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise ProjectFileError(f"{path.name} is damaged or truncated ({exc}); open a backup or the recovery copy") from None
    except OSError as exc:
        raise ProjectFileError(f"Cannot read {path}: {exc.strerror or exc}") from None


def _from_json(data: Any) -> Project:
    try:
        return Project.from_dict(data)
    except NNStudioError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ProjectFileError(f"The project file is malformed: {exc}") from None
