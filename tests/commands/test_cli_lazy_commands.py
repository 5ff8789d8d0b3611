"""The CLI imports only the command it runs: ``nnstudio info`` does not load training, lessons or the document,
while ``nnstudio --help`` still lists every command with its help, and a mistyped command every name."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest
from repo_paths import EXAMPLES, ROOT

from nnstudio.cli import COMMANDS, main, make_parser


def _helps() -> dict[str, str]:
    """Each command's one-line help, as its own module declares it (the full parser imports them all)."""
    sub = next(a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a.help for a in sub._choices_actions}


def test_help_lists_every_command_with_its_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps long help lines
    helps = _helps()
    assert list(helps) == COMMANDS
    for name, text in helps.items():
        assert text and f"{name} {' '.join(text.split())}" in out, name


def test_a_mistyped_command_still_names_them_all(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["inof", "--demo"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'inof'" in err and all(f"'{name}'" in err for name in COMMANDS)


def test_the_command_run_gets_its_whole_parser(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "--checkpoint-every" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epochs", "many", "--demo"])  # its own argument checks: exit 2, one line on stderr
    assert exit_info.value.code == 2
    assert "--epochs: invalid int value: 'many'" in capsys.readouterr().err


def test_info_imports_only_what_info_needs():
    code = (
        "import sys, json\n"
        "from nnstudio.cli import main\n"
        f"code = main(['info', {str(EXAMPLES / 'csv_example' / 'exam.json')!r}])\n"
        "print(json.dumps([code, sorted(m for m in sys.modules if m.startswith('nnstudio'))]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    code, modules = json.loads(lines[-1])
    assert code == 0 and any("train/val/test" in line for line in lines[:-1])  # info printed its report
    assert "nnstudio.commands.info" in modules
    loaded = [m for m in modules if m.startswith(("nnstudio.commands.train", "nnstudio.commands.lesson",
                                                  "nnstudio.core.lessons", "nnstudio.core.workspace",
                                                  "nnstudio.core.training.engine", "nnstudio.core.interpret"))]
    assert loaded == []
