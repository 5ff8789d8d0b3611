"""Under torchrun every rank refuses the same project the same way: the refusal is printed once (by rank 0),
and the job exits 2 as a single process would."""

from __future__ import annotations

from helpers_torchrun import torchrun

from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project


def test_a_batch_size_the_ranks_cannot_share_is_refused_once(tmp_path):
    project = default_project()
    project.training.epochs, project.training.device, project.training.batch_size = 2, "cpu", 63
    save_project(project, tmp_path / "digits.json")
    done = torchrun(["-m", "nnstudio", "train", "digits.json"], tmp_path)
    ours = [line for line in done.stderr.splitlines() if line.startswith("nnstudio train:")]
    assert len(ours) == 1, done.stderr[-3000:]
    assert ours[0].startswith("nnstudio train: The batch size (63) is the batch of all 2 processes together and must split"), ours
    assert "unexpected error" not in done.stderr, done.stderr[-3000:]
    assert done.returncode != 0  # torchrun reports its ranks' exit code 2 as its own failure
