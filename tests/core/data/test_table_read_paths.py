"""The two ways a table file is parsed give the same columns: a file up to ``WHOLE_READ_BYTES`` in one
``read_csv`` call on its path (which pandas may parse on several threads), a bigger one in pieces with
progress and Cancel between them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from repo_paths import FIXTURES

from nnstudio.core.base.jobs import JobToken
from nnstudio.core.data import files, tables


def _columns(table: tables.Table) -> list[tuple]:
    return [(c.name, c.kind, c.values.dtype.str, c.values.tobytes(), c.missing, c.categories) for c in table.columns]


def _read_both_ways(path: Path, monkeypatch) -> tuple[tables.Table, tables.Table]:
    whole = tables.read_table(path)
    with monkeypatch.context() as patch:
        patch.setattr(tables, "WHOLE_READ_BYTES", 0)
        patch.setattr(tables, "CHUNK_ROWS", 7_001)
        pieces = tables.read_table(path)
    return whole, pieces


def _big_awkward_table(path: Path, rows: int = 150_000) -> Path:
    """Over 5 MB (where pandas starts reading in parallel): long decimals, signed zeros, missing spellings in
    any case, quoted separators and quotes, categories, with the cells that vary the most drawn at random."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal(rows) * 10.0 ** rng.integers(-12, 12, rows)
    holes = np.array(["", "NA", "n/a", "-0", "NaN", "null", "2.5e-310", "-0e5", "?", "1_000"])[rng.integers(0, 10, rows)]
    cities = np.array(['"Oslo, Norway"', "Lima", '"Zoë ""the"" city"', "Ærø", "NA", ""])[rng.integers(0, 6, rows)]
    lines = [f"{v!r},{h},{c},{i % 3}\n" for i, (v, h, c) in enumerate(zip(x.tolist(), holes.tolist(), cities.tolist(), strict=True))]
    path.write_text("value,holes,city,label\n" + "".join(lines), encoding="utf-8")
    return path


def test_the_awkward_fixture_reads_the_same_whole_and_in_pieces(monkeypatch):
    whole, pieces = _read_both_ways(FIXTURES / "awkward_table.csv", monkeypatch)
    assert whole.n_rows == 40 and _columns(whole) == _columns(pieces)


def test_a_big_file_reads_the_same_in_parallel_and_in_pieces(tmp_path, monkeypatch):
    import pandas.io.parsers.readers as readers

    path = _big_awkward_table(tmp_path / "big.csv")
    assert path.stat().st_size > 5 * 1024 * 1024
    parallel = getattr(readers, "_read_csv_parallel", None)
    results: list[object] = []
    if parallel is not None:  # this pandas reads big files on several threads: see that it did here
        def counted(*args, **kwargs):
            results.append(parallel(*args, **kwargs))
            return results[-1]
        monkeypatch.setattr(readers, "_read_csv_parallel", counted)
    whole, pieces = _read_both_ways(path, monkeypatch)
    if parallel is not None:
        assert len(results) == 1 and results[0] is not None  # one call, and pandas did not fall back to serial
    assert whole.n_rows == 150_000 and _columns(whole) == _columns(pieces)
    holes = whole.column("holes")
    assert holes.kind == tables.NUMERIC and np.signbit(holes.values[np.flatnonzero(holes.values == 0)]).all()
    assert whole.column("city").categories == ["Lima", "Oslo, Norway", 'Zoë "the" city', "Ærø"]


def test_a_whole_read_reports_start_and_end_and_stops_on_cancel(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(400)), encoding="utf-8")
    size = path.stat().st_size
    seen: list[tuple[int, int]] = []
    with JobToken(lambda done, total, text: seen.append((done, total))).active():
        assert tables.read_table(path).n_rows == 400
    assert seen == [(0, size), (size, size)]
    token = JobToken()
    token.cancel()
    with token.active(), pytest.raises(files.LoadCancelled, match="Loading was cancelled"):
        tables.read_table(path)


def test_a_file_named_like_an_archive_is_read_as_the_text_it_is(tmp_path):
    path = tmp_path / "marks.csv.gz"  # a path makes pandas guess compression from the name; a handle never did
    path.write_text("a,b,y\n1,2,0\n3,4,1\n", encoding="utf-8")
    table = tables.read_table(path)
    assert table.names() == ["a", "b", "y"] and table.column("b").values.tolist() == [2.0, 4.0]
