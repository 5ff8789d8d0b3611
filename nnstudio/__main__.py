"""Entry point: ``nnstudio`` / ``python -m nnstudio``. No arguments opens the app; otherwise the CLI."""

from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].endswith((".nnstudio", ".json")):
        # Importing torch, Qt and the window makes hundreds of thousands of objects and no garbage worth
        # a collection; the window turns the collector back on once it is up (app.settle_garbage_collector).
        gc.disable()
        # torch before Qt: on Windows, recent torch fails to load its DLLs once Qt is imported.
        import torch  # noqa: F401

        from nnstudio.gui.app import run_app

        return run_app(argv)
    from nnstudio.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
