"""Headless command line: ``nnstudio SUBCOMMAND ...``. Core only; a command needing Qt imports it itself.

Each subcommand lives in ``nnstudio/commands/<name>.py`` with ``add_parser(subparsers)`` and ``run(args)``.
Errors a user can fix print one line on stderr and exit with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from nnstudio import __version__
from nnstudio.commands.load_progress import load_progress
from nnstudio.core.base.errors import NNStudioError

# Order here is the order of ``nnstudio --help``; the README keeps one table of them.
COMMANDS = ["train", "sweep", "lr-find", "runs", "evaluate", "explain", "info", "export", "export-code", "lesson", "self-test"]

USAGE_ERROR = 2
BROKEN_PIPE = 128 + 13  # what a shell reports for a writer killed by SIGPIPE (``nnstudio ... | head``)
log = logging.getLogger("nnstudio")


class _NoteHandler(logging.Handler):
    """The core's warnings (data changed since training ...) as one line each on stderr, like every message."""

    def __init__(self, command: str) -> None:
        super().__init__(logging.WARNING)
        self.command = command

    def emit(self, record: logging.LogRecord) -> None:
        print(f"nnstudio {self.command}: note: {record.getMessage()}", file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, like every other bad input
        print(f"nnstudio: {message} (see nnstudio {self.prog.split(' ', 1)[1] if ' ' in self.prog else ''} --help)".replace("  ", " "), file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def make_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole CLI; with ``only`` (the command about to run) only that command's module is imported: the
    others (training, lessons, the document ...) would cost a tenth of a second of imports for nothing. Their
    names stay registered, so a mistyped command is still answered with the full list."""
    parser = _Parser(prog="nnstudio", description="Build, train and explain neural networks. Without a subcommand, opens the app.")
    parser.add_argument("--version", action="version", version=f"nnstudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        if only is not None and name != only:
            sub.add_parser(name)  # a name only: never parsed in this run
            continue
        module = importlib.import_module(f"nnstudio.commands.{name.replace('-', '_')}")
        command_parser = module.add_parser(sub)
        command_parser.set_defaults(handler=module.run)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names first, when it is one (the top level has no option that takes a value)."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = make_parser(_command_of(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return USAGE_ERROR
    notes = _NoteHandler(args.command)
    log.addHandler(notes)
    try:
        with load_progress(sys.stderr):  # a bar while an image folder (or MNIST ...) is read, on a terminal
            code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not as "Exception ignored" at exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE
    except NNStudioError as exc:
        print(f"nnstudio {args.command}: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"nnstudio {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a short message, details in the log
        log.debug("unexpected error", exc_info=True)
        print(f"nnstudio {args.command}: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        log.removeHandler(notes)


def _silence_stdout() -> None:
    """The reader went away (``| head``): point stdout at devnull so the exit's flush cannot fail again.

    This is what the Python docs recommend for SIGPIPE (library/signal, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (an in-process test's capture)
        pass


if __name__ == "__main__":
    raise SystemExit(main())
