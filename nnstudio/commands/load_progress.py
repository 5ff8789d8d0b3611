"""The CLI's progress bar while data is read (an image folder decoding, MNIST's files ...).

``cli.main`` runs every command inside :func:`load_progress`: a job token is installed for the main thread
(``jobs.current()``), so a reader that reports through it draws a tqdm bar on stderr. Only on a terminal: in a
pipe, a log file or CI the bar's carriage-return redraws would be noise, and the command's own lines suffice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from nnstudio.core.base.jobs import JobToken


class LoadBar:
    """A token's progress callback that draws one tqdm bar per read (a new bar when a read starts again)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bar: Any = None
        # torchrun starts one process per rank; only the first draws (the others would overwrite its line)
        self.enabled = _is_terminal(stream) and os.environ.get("RANK", "0") == "0"

    def __call__(self, done: int, total: int, text: str = "") -> None:
        if not self.enabled or total <= 0:
            return
        if self.bar is not None and (total != self.bar.total or done < self.bar.n):
            self.close()
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=text or "Reading data", unit="file", file=self.stream, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed, or a stand-in without isatty
        return False


@contextmanager
def load_progress(stream: TextIO) -> Iterator[JobToken]:
    """Within this block, reads in this thread that report through ``jobs.current()`` draw a bar on ``stream``."""
    bar = LoadBar(stream)
    try:
        with JobToken(bar).active() as token:
            yield token
    finally:
        bar.close()  # a failed or interrupted read must not leave the cursor at the end of the bar
