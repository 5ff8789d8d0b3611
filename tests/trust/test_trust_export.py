"""``export`` and ``export-code`` with bad inputs: one clear line and exit 2; and every export honours the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import torch
from trust_cases import Case, check_case, run_cli

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.document import load_model


def tiny(tmp: Path, trained: bool = True) -> str:
    """A saved iris project with one Linear layer (random weights when ``trained``): exports in a second."""
    project = Project("Tiny", ArchitectureSpec([layer("linear", out_features=3)], name="Tiny"), DataSpec("iris", {}),
                      TrainSpec(epochs=1, device="cpu"))
    if trained:
        project.weights = {k: torch.randn_like(v) for k, v in snapshot_weights(load_model(project).built.module).items()}
    path = tmp / "tiny.nnstudio"
    save_project(project, path)
    return str(path)


def folder(tmp: Path, name: str) -> str:
    (tmp / name).mkdir()
    return str(tmp / name)


CASES = [
    Case("export-code to a .txt", lambda t: ["export-code", "--demo", "-o", str(t / "x.txt")], 2, ("needs a .py", "x.txt")),
    Case("export-code into a missing folder", lambda t: ["export-code", "--demo", "-o", str(t / "no" / "x.py")], 2,
         ("cannot write", "choose another folder")),
    Case("export-code onto a folder", lambda t: ["export-code", "--demo", "-o", folder(t, "d.py")], 2, ("cannot write", "directory")),
    Case("export-code of a missing project", lambda t: ["export-code", str(t / "none.nnstudio"), "-o", str(t / "x.py")], 2,
         ("none.nnstudio", "does not exist")),
    Case("export of an untrained project", lambda t: ["export", tiny(t, trained=False)], 2, ("no trained weights", "train it first")),
    Case("export of an unknown format", lambda t: ["export", tiny(t), "--format", "pickle"], 2, ("invalid choice", "pickle")),
    Case("export weights into a missing folder", lambda t: ["export", tiny(t), "-o", str(t / "no" / "w.safetensors")], 2,
         ("cannot write", "no such file")),
    Case("export weights onto a folder", lambda t: ["export", tiny(t), "-o", folder(t, "w.safetensors")], 2, ("cannot write", "directory")),
    # These two were "unexpected error: FileNotFoundError" (the temp file was made outside the handled block).
    Case("export ONNX into a missing folder", lambda t: ["export", tiny(t), "--format", "onnx", "-o", str(t / "no" / "m.onnx")], 2,
         ("cannot write", "no such file", "choose another folder")),
    Case("export torch.export into a missing folder",
         lambda t: ["export", tiny(t), "--format", "torch-export", "-o", str(t / "no" / "m.pt2")], 2,
         ("cannot write", "no such file", "choose another folder")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_export_input_is_refused_clearly(case, tmp_path, capsys):
    err = check_case(case, tmp_path, capsys)
    assert len(err.strip().splitlines()) == 1


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_every_export_honours_the_umask(tmp_path, capsys, umask_022):
    # ONNX (and torch.export) files were 0600 from mkstemp while safetensors exports were 0644.
    project = tiny(tmp_path)
    modes = {}
    for fmt, name in (("safetensors", "w.safetensors"), ("onnx", "m.onnx"), ("torch-export", "m.pt2")):
        code, out, err = run_cli(["export", project, "--format", fmt, "-o", str(tmp_path / name)], capsys)
        assert code == 0, err
        modes[name] = oct(stat.S_IMODE((tmp_path / name).stat().st_mode))
    assert modes == {"w.safetensors": "0o644", "m.onnx": "0o644", "m.pt2": "0o644"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "m.pt2", "tiny.nnstudio", "w.safetensors"]  # no .part left
