"""Devices and number formats this machine cannot run: refused before training, exit 2, one line saying why."""

from __future__ import annotations

import pytest
import torch
from trust_cases import Case, check_case

from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project


def _project_file(tmp_path, precision: str = "fp32", device: str = "cpu") -> str:
    project = default_project()
    project.training.epochs, project.training.precision, project.training.device = 1, precision, device
    path = tmp_path / "p.json"
    save_project(project, path)
    return str(path)


@pytest.mark.parametrize("case", [
    Case("bf16 on the cpu", lambda d: ["train", _project_file(d, "bf16")], 2,
         ("nnstudio train: Mixed precision (bf16) runs on a CUDA GPU only", "set precision to fp32")),
    Case("a cuda project without a GPU", lambda d: ["train", _project_file(d, device="cuda")], 2,
         ("nnstudio train: Device 'cuda' was chosen but no CUDA GPU is available here", "choose 'auto' or 'cpu'")),
    Case("--device cuda without a GPU", lambda d: ["train", _project_file(d), "--device", "cuda"], 2,
         ("nnstudio train: Device 'cuda' was chosen but no CUDA GPU is available here", "choose 'auto' or 'cpu'")),
    Case("--precision fp16 on the cpu", lambda d: ["train", _project_file(d), "--precision", "fp16"], 2,
         ("nnstudio train: Mixed precision (fp16) runs on a CUDA GPU only",)),
    Case("an unknown --device", lambda d: ["train", _project_file(d), "--device", "tpu"], 2,
         ("argument --device: invalid choice: 'tpu'", "'auto', 'cpu', 'cuda', 'mps'")),
], ids=str)
def test_the_cli_refuses_what_this_machine_cannot_run(case, tmp_path, capsys):
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    check_case(case, tmp_path, capsys)
