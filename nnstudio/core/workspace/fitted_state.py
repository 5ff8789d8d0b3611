"""Data for saved weights: prepared with the preprocessing statistics they were trained with.

A project that holds weights also holds what its preprocessing learned when they were trained
(``Project.fitted_preprocessing``). Scoring those weights on today's data must go through those statistics,
not a fresh fit; when the steps, the columns or the data itself changed since, the user is told.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError, NNStudioError
from nnstudio.core.data.assemble import PreparedData, prepare
from nnstudio.core.project.file_format import FittedState, pipeline_state, restore_pipeline
from nnstudio.core.project.spec import Project

DATA_CHANGED = (
    "the data differs from the data these weights were trained on, so it is prepared with the preprocessing "
    "statistics stored in the project (the ones the weights expect), not refitted; train again to learn from the new data"
)
STEPS_CHANGED = (
    "the preprocessing steps changed since these weights were trained, so the stored preprocessing "
    "does not apply and the steps are fitted afresh; train again so weights and preprocessing agree"
)


def data_for_weights(project: Project, base_dir: Path | None = None, *, use_stored: bool = True) -> tuple[PreparedData, list[str]]:
    """The project's prepared data, through its stored fitted preprocessing when it has one (and
    ``use_stored``), else freshly fitted; plus a note when the data no longer matches what was stored."""
    data = prepare(project.data, base_dir)
    stored = project.fitted_preprocessing if use_stored else None
    if stored is None:
        return data, []
    pipeline, fresh = restore_pipeline(stored), pipeline_state(data.pipeline)
    if not _same_steps(stored, fresh):
        return data, [STEPS_CHANGED]
    _check_columns(pipeline.input_names, data.pipeline.input_names)
    try:
        data = data.with_pipeline(pipeline)
    except NNStudioError:
        raise
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise DataError(
            f"The data no longer fits the preprocessing stored with the weights ({type(exc).__name__}: {exc}); "
            "restore the data file the project was trained on, or train again"
        ) from None
    return data, [] if same_fitted_state(stored, fresh) else [DATA_CHANGED]


def _check_columns(trained: list[str], now: list[str]) -> None:
    """Refuse data whose columns are not those the weights were trained on, naming the difference."""
    if not trained or not now or trained == now:
        return
    new = [c for c in now if c not in trained]
    missing = [c for c in trained if c not in now]
    parts = [f"{len(cols)} {what}: {', '.join(repr(c) for c in cols[:5])}{' ...' if len(cols) > 5 else ''}"
             for what, cols in (("new", new), ("missing", missing)) if cols]
    what = "; ".join(parts) or "the same columns in another order"
    raise DataError(
        f"The data's columns are not those the weights were trained on ({what}); restore the data file the "
        "project was trained on, or train again"
    )


def _same_steps(a: FittedState, b: FittedState | None) -> bool:
    """Whether two fitted states come from the same list of steps (kinds and parameters)."""
    def steps(state: FittedState | None) -> Any:
        return [(s.get("kind"), s.get("params")) for s in state[0].get("steps", [])] if state else None

    return _canonical(steps(a)) == _canonical(steps(b))


def same_fitted_state(a: FittedState | None, b: FittedState | None) -> bool:
    """Whether two fitted preprocessing states learned the same thing: equal steps and names, and statistics
    equal up to float rounding (a fit on another machine's BLAS may differ in the last bits)."""
    if a is None or b is None:
        return a is b
    (meta_a, arrays_a), (meta_b, arrays_b) = a, b
    if not _close(meta_a, meta_b) or set(arrays_a) != set(arrays_b):
        return False
    return all(_same_array(arrays_a[k], arrays_b[k]) for k in arrays_a)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _close(a: Any, b: Any) -> bool:
    """JSON-like values equal, floats up to rounding (NaN equals NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b)):
            return False
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-8)
    return a == b


def _same_array(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "USO" or b.dtype.kind in "USO":  # category names: stored as text, fitted as objects
        return [str(x) for x in a.reshape(-1).tolist()] == [str(x) for x in b.reshape(-1).tolist()]
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=True))
    return bool(np.array_equal(a, b))
