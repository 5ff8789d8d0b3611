"""Errors a student can act on.

Every message says what was wrong and what to do about it. The GUI shows ``str(error)`` as is, and the
CLI prints it as one line, so messages are complete sentences without tracebacks.
"""

from __future__ import annotations


class NNStudioError(Exception):
    """Base of every error nnstudio raises on purpose."""


class SpecError(NNStudioError):
    """A field of a project, architecture, data or training spec holds a value that cannot work."""

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field}: {problem} (got {value!r})")


class ShapeError(NNStudioError):
    """A layer receives a tensor shape it cannot take.

    ``fix`` holds parameter values that would make the layer fit (for the editor's one-click fix), or
    is empty when the fix is structural (add a Flatten, remove a layer).
    """

    def __init__(
        self,
        index: str,
        kind: str,
        received: tuple[int, ...],
        message: str,
        fix: dict[str, object] | None = None,
    ) -> None:
        self.index = index
        self.kind = kind
        self.received = tuple(received)
        self.problem = message
        self.fix = dict(fix or {})
        super().__init__(f"Layer {index} ({kind}) {message}")


class DataError(NNStudioError):
    """A dataset or data file cannot be used as asked."""


class ProjectFileError(NNStudioError):
    """A project file cannot be read or written."""


class TrainingError(NNStudioError):
    """A run cannot start or had to stop."""


def format_shape(shape: tuple[int, ...] | list[int]) -> str:
    return "x".join(str(int(d)) for d in shape) if len(shape) else "a scalar"


class Cancelled(NNStudioError):
    """The user cancelled a job (see :mod:`nnstudio.core.base.jobs`); nothing was changed.

    Each kind of job subclasses it with a message that says how to run it again.
    """

    def __init__(self, message: str = "The job was cancelled; start it again to redo it") -> None:
        super().__init__(message)
