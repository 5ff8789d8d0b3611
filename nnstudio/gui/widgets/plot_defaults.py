"""pyqtgraph's look for every plot in the app, applied once, just before the first plot is built.

Kept out of start-up: importing pyqtgraph costs a few hundred milliseconds, and the first tab a user
sees (the architecture editor) has no plots.
"""

from __future__ import annotations

_applied = False


def configure_plots() -> None:
    global _applied
    if _applied:
        return
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background="w", foreground="#333")
    _applied = True
