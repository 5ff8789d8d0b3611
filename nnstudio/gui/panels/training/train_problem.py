"""Why the Training tab's Train cannot work right now: the network does not fit the data, the settings do not suit
it, or (a GAN) its two networks do not build or fit each other. Data that cannot load is explained when Train is
pressed instead."""

from __future__ import annotations

import math

from nnstudio.core.base.errors import NNStudioError, ShapeError
from nnstudio.core.training.engine import settings_problem
from nnstudio.core.workspace.document import ProjectDocument
from nnstudio.core.workspace.gan_session import gan_problem, is_gan


def train_problem(document: ProjectDocument) -> str | None:
    """The reason, as the tab shows it ("Cannot train yet: ..."), or None."""
    try:
        bundle = document.bundle()
        if is_gan(document.project):  # two networks taking turns: the Training tab trains them as a GAN
            problem = gan_problem(document.project, tuple(bundle.input_shape))
            return f"Cannot train yet: {problem}" if problem else None
        built = document.built()
    except ShapeError as exc:
        return f"Cannot train yet: {exc}"
    except NNStudioError:
        return None
    n_outputs = int(math.prod(built.output_shape)) if built.output_shape else 1
    try:
        problem = settings_problem(document.project.training.copy(), bundle, n_outputs)
    except NNStudioError as exc:
        problem = str(exc)
    return f"Cannot train yet: {problem}" if problem else None
