"""Headless command line: ``nnstudio SUBCOMMAND ...``. Core only; a command needing Qt imports it itself.

Each subcommand lives in ``nnstudio/commands/<name>.py`` with ``add_parser(subparsers)`` and ``run(args)``.
Errors a user can fix print one line on stderr and exit with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from nnstudio import __version__
from nnstudio.core.errors import NNStudioError

# Order here is the order of ``nnstudio --help``; the README keeps one table of them.
COMMANDS = ["train", "evaluate", "explain", "info", "export", "export-code", "self-test"]

USAGE_ERROR = 2
log = logging.getLogger("nnstudio")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, like every other bad input
        print(f"nnstudio: {message} (see nnstudio {self.prog.split()[-1] if ' ' in self.prog else ''} --help)".replace("  ", " "), file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nnstudio", description="Build, train and explain neural networks. Without a subcommand, opens the app.")
    parser.add_argument("--version", action="version", version=f"nnstudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"nnstudio.commands.{name.replace('-', '_')}")
        command_parser = module.add_parser(sub)
        command_parser.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return USAGE_ERROR
    try:
        return int(args.handler(args) or 0)
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


if __name__ == "__main__":
    raise SystemExit(main())
