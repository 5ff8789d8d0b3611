"""Bad project files through the CLI: each is refused with exit 2 and one line naming
the file's problem, or, when only its weights are unusable, opened with a note that names the tensor."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from repo_paths import TRUST_FIXTURES
from trust_cases import Case, check_case

from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import PROJECT_JSON, WEIGHTS, default_project, record_run
from nnstudio.core.workspace.document import load_model

FIXTURES = TRUST_FIXTURES
DAMAGED = FIXTURES / "project_damaged_deflate.nnstudio"
HUGE_INT = FIXTURES / "project_huge_integer.json"


def _zip(tmp: Path, name: str, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    path = tmp / name
    path.write_bytes(buffer.getvalue())
    return path


def _json() -> bytes:
    return json.dumps(default_project().to_dict()).encode()


def _saved(tmp: Path, name: str, change: Callable[[dict], dict] | None = None) -> Path:
    """A project nnstudio saved with trained weights, whose weights ``change`` may spoil."""
    project = default_project()
    weights = snapshot_weights(load_model(project).built.module)
    record_run(project, {"epoch": [1.0], "train_loss": [0.5]}, change(weights) if change else weights)
    path = tmp / name
    save_project(project, path)
    return path


def _file(tmp: Path, name: str, data: bytes) -> Path:
    (tmp / name).write_bytes(data)
    return tmp / name


def _saved_json(tmp: Path) -> bytes:
    """The project.json of a trained project, without the weights it says it has."""
    return zipfile.ZipFile(_saved(tmp, "trained.nnstudio")).read(PROJECT_JSON)


def _truncated(tmp: Path) -> Path:
    path = _saved(tmp, "whole.nnstudio")
    cut = tmp / "cut.nnstudio"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return cut


def _nan(weights: dict) -> dict:
    return {**weights, "linear4.bias": weights["linear4.bias"] * float("nan")}


def _ints(weights: dict) -> dict:
    return {**weights, "linear2.weight": weights["linear2.weight"].to(torch.int64)}


def _embedded(tmp: Path) -> Path:
    project = default_project()
    project.data.source = "csv"
    table = "x1,x2,label\n" + "1.5,2.5,a\n3.5,4.5,b\n" * 57_000  # 1.1 MB, deflates ~500x
    data = project.to_dict()
    data["data"] = {"source": "csv", "params": {"path": "table.csv", "embedded": table, "target": "label"}}
    data["architecture"]["layers"] = [{"kind": "linear", "in_features": 2, "out_features": 2}]
    path = _zip(tmp, "embedded.nnstudio", {PROJECT_JSON: json.dumps(data).encode()})
    return path


CASES = [
    Case("info of a project whose deflate stream is damaged (zlib.error)", lambda tmp: ["info", str(DAMAGED)], 2,
         ("project_damaged_deflate.nnstudio is damaged", "compressed data cannot be unpacked", "open a backup")),
    Case("evaluate of a project whose deflate stream is damaged", lambda tmp: ["evaluate", str(DAMAGED)], 2,
         ("compressed data cannot be unpacked",)),
    Case("export of a project whose deflate stream is damaged",
         lambda tmp: ["export", str(DAMAGED), "--output", str(tmp / "w.safetensors")], 2, ("compressed data cannot be unpacked",)),
    Case("info of a project.json holding a 5,000-digit integer", lambda tmp: ["info", str(HUGE_INT)], 2,
         ("project_huge_integer.json holds a number with thousands of digits",)),
    Case("info of a .nnstudio whose project.json holds a 5,000-digit integer",
         lambda tmp: ["info", str(_zip(tmp, "huge.nnstudio", {PROJECT_JSON: HUGE_INT.read_bytes()}))], 2,
         ("huge.nnstudio/project.json holds a number with thousands of digits",)),
    Case("info of a truncated project", lambda tmp: ["info", str(_truncated(tmp))], 2, ("cut.nnstudio is damaged or truncated",)),
    Case("info of a zip without project.json", lambda tmp: ["info", str(_zip(tmp, "empty.nnstudio", {"a.txt": b"hi"}))], 2,
         ("empty.nnstudio holds no project.json",)),
    Case("info of random bytes", lambda tmp: ["info", str(_file(tmp, "r.nnstudio", b"\x13\x37" * 500))], 2,
         ("not an nnstudio project (not a zip archive)",)),
    Case("info of an empty file", lambda tmp: ["info", str(_file(tmp, "e.nnstudio", b""))], 2, ("not an nnstudio project",)),
    Case("info of a zip whose weights deflate 1000x (a bomb)",
         lambda tmp: ["info", str(_zip(tmp, "bomb.nnstudio", {PROJECT_JSON: _json(), WEIGHTS: b"\0" * (32 * 1024**2)}))], 2,
         ("zip bomb",)),
    Case("info of a zip of 1,101 members",
         lambda tmp: ["info", str(_zip(tmp, "many.nnstudio", {PROJECT_JSON: _json(), **{f"j/{i}": b"" for i in range(1100)}}))], 2,
         ("holds 1101 files",)),
    Case("info of a project.json that is not JSON", lambda tmp: ["info", str(_zip(tmp, "nj.nnstudio", {PROJECT_JSON: b"{nope"}))], 2,
         ("nj.nnstudio/project.json is not valid JSON",)),
    Case("info of a project.json that is not UTF-8", lambda tmp: ["info", str(_zip(tmp, "nu.nnstudio", {PROJECT_JSON: b"\xff\xfe{}"}))], 2,
         ("is not UTF-8 text",)),
    Case("info of a project.json nested 100,000 deep",
         lambda tmp: ["info", str(_zip(tmp, "deep.nnstudio", {PROJECT_JSON: b"[" * 100_000 + b"]" * 100_000}))], 2,
         ("nested too deeply",)),
    Case("info of a project whose weights member is not safetensors",
         lambda tmp: ["info", str(_zip(tmp, "dw.nnstudio", {PROJECT_JSON: _json(), WEIGHTS: b"\xff" * 64}, zipfile.ZIP_STORED))], 2,
         ("dw.nnstudio: the current weights are damaged",)),
    Case("info of a project whose run weights are missing",
         lambda tmp: ["info", str(_zip(tmp, "mr.nnstudio", {PROJECT_JSON: _saved_json(tmp)}))], 2,
         ("the weights of run 1 are missing from the file",)),
    # Unusable weights: the project opens (its architecture, data and runs), and the note names the tensor.
    Case("info of a project whose weights hold NaN", lambda tmp: ["info", str(_saved(tmp, "nan.nnstudio", _nan))], 0,
         ("note: the current weights and the weights of run 1 were not loaded: linear4.bias holds 10 nan or infinite values",
          "lower the learning rate")),
    Case("evaluate of a project whose weights hold NaN", lambda tmp: ["evaluate", str(_saved(tmp, "nan.nnstudio", _nan))], 2,
         ("linear4.bias holds 10 nan",)),
    Case("info of a project whose weights are int64", lambda tmp: ["info", str(_saved(tmp, "int.nnstudio", _ints))], 0,
         ("linear2.weight is stored as int64, but a network's weights are floating-point numbers",)),
    # What nnstudio itself writes always opens: a 1.7 MB embedded table deflates ~700x.
    Case("info of a project with a large embedded table", lambda tmp: ["info", str(_embedded(tmp))], 0, (),
         ("zip bomb", "unexpected error", "Traceback")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_project_file_bad_input(case, tmp_path, capsys):
    err = check_case(case, tmp_path, capsys)
    if case.exit_code == 2:
        assert err.startswith("nnstudio ") and err.strip().splitlines()[-1].startswith("nnstudio ")
