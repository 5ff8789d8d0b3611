"""Counting the expensive data work: preprocessing fits and source reads (every registered dataset wrapped)."""

from __future__ import annotations

import dataclasses

from nnstudio.core.base.registry import DATASETS
from nnstudio.core.data import assemble


def count_data_work(monkeypatch) -> dict[str, int]:
    """Install the counters for this test (monkeypatch undoes them); returns the live counts."""
    seen = {"fits": 0, "reads": 0}
    fit = assemble.fit_pipeline

    def counting_fit(*args, **kwargs):
        seen["fits"] += 1
        return fit(*args, **kwargs)

    monkeypatch.setattr(assemble, "fit_pipeline", counting_fit)
    DATASETS.names()  # loads the built-in entries
    for name, entry in list(DATASETS._entries.items()):
        def read(*args, _obj=entry.obj, **kwargs):
            seen["reads"] += 1
            return _obj(*args, **kwargs)

        monkeypatch.setitem(DATASETS._entries, name, dataclasses.replace(entry, obj=read))
    return seen


def reset(seen: dict[str, int]) -> None:
    seen.update(fits=0, reads=0)
