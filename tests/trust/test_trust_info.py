"""Bad input to ``nnstudio info``: exit code 2 and one line that says what to do."""

from __future__ import annotations

import pytest
from trust_cases import Case, check_case

from nnstudio.core.project.templates import example_path

CASES = [
    Case("info without a project", lambda tmp: ["info"], 2, ("no project given", "--demo")),
    Case("info with a project and --demo", lambda tmp: ["info", "--demo", str(example_path("small_cnn"))], 2,
         ("either a project file or --demo",)),
    Case("info --list of an unknown kind", lambda tmp: ["info", "--list", "bogus"], 2,
         ("invalid choice", "layers", "optimizers")),
    Case("info on a missing file", lambda tmp: ["info", str(tmp / "nope.nnstudio")], 2, ("nope.nnstudio",)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_info_bad_input(case, tmp_path, capsys):
    err = check_case(case, tmp_path, capsys)
    assert len(err.strip().splitlines()) == 1 and err.startswith("nnstudio")
