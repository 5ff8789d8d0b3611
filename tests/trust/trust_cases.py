"""The trust catalogue's shared shape: a bad input, the exit code it must give, the words its message must hold.

Each ``test_trust_*.py`` module lists its own cases (``CASES``) and runs them through :func:`check_case`, so the
whole catalogue reads as data: what was tried, and what a user is told.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nnstudio.cli import main

# Words that must never reach a user for an input we could have checked.
FOREIGN = ("unexpected error", "Traceback (most recent call last)")


@dataclass(frozen=True)
class Case:
    """One bad input. ``argv`` builds the command line from a temp folder (it may write files there first)."""

    name: str
    argv: Callable[[Path], Sequence[str]]
    exit_code: int
    words: tuple[str, ...] = ()  # each must appear (case-insensitive) in stderr
    absent: tuple[str, ...] = field(default=FOREIGN)

    def __str__(self) -> str:  # pytest ids
        return self.name


def run_cli(argv: Sequence[str], capsys) -> tuple[int, str, str]:
    """Run ``nnstudio ARGV`` in-process; a SystemExit (argparse) counts as its code."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    except BaseException:  # a foreign exception escaping main is itself the failure to report
        captured = capsys.readouterr()
        raise AssertionError(f"main() raised instead of exiting cleanly:\n{traceback.format_exc()}\n{captured.err}") from None
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check_case(case: Case, tmp_path: Path, capsys) -> str:
    """Run one case and check its exit code and message; returns stderr for any further checks."""
    code, _out, err = run_cli(case.argv(tmp_path), capsys)
    assert code == case.exit_code, f"{case.name}: exit {code}, wanted {case.exit_code}; stderr: {err!r}"
    lowered = err.lower()
    for word in case.words:
        assert word.lower() in lowered, f"{case.name}: {word!r} not in the message {err!r}"
    for word in case.absent:
        assert word.lower() not in lowered, f"{case.name}: {word!r} in the message {err!r}"
    return err
