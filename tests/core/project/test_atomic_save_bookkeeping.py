"""atomic_save forgets its temp file once the save is over, whichever way it ended."""

from __future__ import annotations

import pytest

from nnstudio.core.base.errors import ProjectFileError
from nnstudio.core.project import file_format as project_io
from nnstudio.core.project.file_format import atomic_save, atomic_write


def test_a_finished_save_leaves_no_temp_file_marked_as_being_written(tmp_path):
    for i in range(3):
        atomic_write(tmp_path / "a.bin", lambda fh, i=i: fh.write(bytes([i])))
    assert (tmp_path / "a.bin").read_bytes() == b"\x02"
    assert project_io._writing == set()


def test_a_failed_save_leaves_no_temp_file_marked_as_being_written(tmp_path):
    def fail(_tmp):
        raise OSError(28, "No space left on device")

    with pytest.raises(ProjectFileError, match="No space left on device"):
        atomic_save(tmp_path / "b.bin", fail)
    assert project_io._writing == set()
    assert list(tmp_path.iterdir()) == []
