"""The table reader on pandas' C parser: existing CSV projects load and prepare to the very same float32 bits
as with the csv-module reader before it, and the cases where a parser could quietly differ get their words.

``fixtures/awkward_table_reference.npz`` was written by the csv-module reader (commit 2452ddf, before pandas)
from ``fixtures/awkward_table.csv`` and from the exam example: raw arrays and every prepared split.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from repo_paths import EXAMPLES, FIXTURES

from nnstudio.core.base.errors import DataError
from nnstudio.core.base.jobs import JobToken
from nnstudio.core.data import files, tables
from nnstudio.core.data.assemble import build, load_raw
from nnstudio.core.data.spec import DataSpec

EXAM = EXAMPLES / "csv_example"
CITIES = ["1", "José", "Lima", "Oslo", "Oslo, Norway", "São Paulo", 'Zoë "the" city', "Zürich", "inf", "two\nlines", "Ærø"]
FLAGS = ["FALSE", "False", "TRUE", "True", "false", "true"]
MISSING = {"reading": 10, "scale": 4, "city": 4, "flag": 4}
SPECS = {
    "grade": ({"source": "csv", "params": {"path": "awkward_table.csv", "target": "grade", "task": "classification",
                                           "features": "reading,scale,zero,city,flag"},
               "preprocessing": [{"kind": "impute", "params": {}}, {"kind": "onehot", "params": {"columns": "city,flag"}},
                                 {"kind": "standardize", "params": {}}],
               "split": {"validation": 0.2, "test": 0.2, "stratify": True}, "seed": 3},
              ["1", "2", "10"], ["reading", "scale", "zero", "city", "flag"], {"city": CITIES, "flag": FLAGS}, MISSING),
    "score": ({"source": "csv", "params": {"path": "awkward_table.csv", "target": "score"},
               "preprocessing": [{"kind": "impute", "params": {"strategy": "median"}}, {"kind": "standardize", "params": {}}],
               "split": {"validation": 0.15, "test": 0.15, "stratify": False}, "seed": 5},
              [], ["reading", "scale", "zero", "city", "flag", "grade"], {"city": CITIES, "flag": FLAGS}, MISSING),
    "exam": (json.loads((EXAM / "exam.json").read_text(encoding="utf-8"))["data"],
             ["fail", "pass"], ["hours_studied", "hours_slept", "attended_lectures", "track"],
             {"attended_lectures": ["no", "yes"], "track": ["arts", "science", "trade"]}, {}),
}


def same_bits(got: np.ndarray, want: np.ndarray) -> bool:
    return got.dtype == want.dtype and got.shape == want.shape and got.tobytes() == want.tobytes()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- bit for bit
@pytest.mark.parametrize("key", list(SPECS))
def test_existing_csv_projects_load_and_prepare_to_the_same_bits(key):
    spec_dict, classes, features, categorical, missing = SPECS[key]
    spec = DataSpec.from_dict(spec_dict)
    base = EXAM if key == "exam" else FIXTURES
    reference = np.load(FIXTURES / "awkward_table_reference.npz", allow_pickle=False)
    raw = load_raw(spec, base)
    assert raw.class_names == classes and raw.feature_names == features
    assert raw.meta["categorical"] == categorical and raw.meta["missing"] == missing
    assert same_bits(raw.x, reference[f"{key}_raw_x"]) and same_bits(raw.y, reference[f"{key}_raw_y"])
    for name, split in build(spec, base).splits().items():
        assert same_bits(split.x.numpy(), reference[f"{key}_{name}_x"]), name
        assert same_bits(split.y.numpy(), reference[f"{key}_{name}_y"]), name


def test_the_awkward_cells_are_what_float_reads():
    table = tables.read_table(FIXTURES / "awkward_table.csv")
    assert table.n_rows == 40  # the all-empty row, the blank and whitespace lines and the trailing ones are skipped
    zero = table.column("zero").values
    assert np.signbit(zero[[0, 1, 4]]).all() and not np.signbit(zero[2])  # '-0.0', '-0', '-0e5' keep their sign
    scale = table.column("scale").values
    assert scale[7] == 1000.0 and scale[2] == -3.1e-310  # '1_000' is a number to float(); a subnormal survives
    assert table.column("flag").categories == FLAGS  # booleans keep their spelling, as text


def test_pandas_2_gets_round_trip_floats_and_pandas_3_its_default(monkeypatch):
    import pandas as pd

    monkeypatch.setattr(pd, "__version__", "2.2.3")
    assert tables._pandas_options() == {"float_precision": "round_trip"}
    monkeypatch.setattr(pd, "__version__", "3.1.1")
    assert tables._pandas_options() == {}


# ---------------------------------------------------------------------------- what a parser could change
@pytest.mark.parametrize(
    "content, message",
    [
        ("a,b,y\n", "header line but no rows of data"),
        ("a,b,y\n\n,,\n   \n\n", "header line but no rows of data"),
        ("a,b,y\n1,2,3,4\n5,6,7\n", r"line 2: 4 fields but the header has 3 columns"),  # pandas would cut it short
        ("a,b,y\n1,2,3\n5,6,7\n8,9,10,11\n", r"line 4: 4 fields but the header has 3 columns"),
        ("a,b,y\n,,,\n1,2,3,4\n5,6,7\n", r"line 3: 4 fields but the header has 3 columns"),  # a wide first row: pandas cuts
        ("a,b,y\n1,2,3\n5,6,7\n8,9\n", r"line 4: 2 fields but the header has 3 columns"),  # pandas would fill NaN
        ("a,b,y\n1,2,x\n5,6\n7,8,z\n", r"line 3: 2 fields but the header has 3 columns"),
        ("a,b\n1,2\n3,4,\n", r"line 3: 3 fields but the header has 2 columns"),
        ('a,b,y\n"x\ny",1,0\nz,2,1\nw,x,0\nv,4,1\nu,5,0\n', r"column 'b' mixes numbers and text \('x' on line 4 among numbers like 1\)"),
        ("a,y\n1,0\n2,1\ninf,0\n3,1\n", r"column 'a' mixes numbers and text \('inf' on line 4"),
        ('a,b\n1,"x\n2,3\n', r"bad.csv cannot be read as a table \(EOF inside string starting at row 1\); check its quotes"),
        ("a,a,y\n1,2,3\n", "two columns named 'a'"),
    ],
)
def test_row_and_cell_checks_keep_their_words(tmp_path, content, message):
    with pytest.raises(DataError, match=message):
        tables.read_table(write(tmp_path / "bad.csv", content))


def test_quoted_separators_spaces_and_missing_spellings(tmp_path):
    text = 'a,city,y\n1,"Oslo, Norway",0\n2, Rome ,1\n-0, NA ,0\n4,Rome,nULL\n\n\n'
    table = tables.read_table(write(tmp_path / "t.csv", text))
    assert table.n_rows == 4  # trailing empty lines are no rows
    assert table.column("city").categories == ["Oslo, Norway", "Rome"] and table.column("city").missing == 1
    assert table.column("y").kind == tables.NUMERIC and table.column("y").missing == 1
    assert table.column("y").first_missing_line == 5
    assert np.signbit(table.column("a").values[2])
    assert tables.read_table(write(tmp_path / "n.csv", "a,b\nNA,1\n,2\n")).column("a").kind == tables.CATEGORICAL  # no value


def test_whole_numbers_keep_a_negative_zero_and_booleans_their_spelling(tmp_path):
    table = tables.read_table(write(tmp_path / "t.csv", "a,flag,y\n-0,True,1\n1,FALSE,0\n2,true,1\n"))
    assert np.signbit(table.column("a").values).tolist() == [True, False, False]  # an integer parse gives +0
    assert table.column("flag").kind == tables.CATEGORICAL and table.column("flag").categories == ["FALSE", "True", "true"]


def test_a_header_cell_with_a_line_break_takes_no_row_with_it(tmp_path):
    table = tables.read_table(write(tmp_path / "t.csv", '\n,,\na,"b\nc",y\r\n1,2,0\r\n3,4,1\r\n'))
    assert table.names() == ["a", "b\nc", "y"] and table.n_rows == 2 and table.column("a").values.tolist() == [1.0, 3.0]


def test_blank_rows_of_any_width_are_skipped(tmp_path):
    for text in ("a,b,y\n1,2,0\n,,,,,\n3,4,1\n5,6,0\n", "a,b,y\n,,,,\n1,2,0\n3,4,1\n,,,,,,\n5,6,0\n"):
        table = tables.read_table(write(tmp_path / "t.csv", text))  # pandas stops at (or cuts to) a wider row
        assert table.n_rows == 3 and table.column("b").values.tolist() == [2.0, 4.0, 6.0] and table.column("y").missing == 0


def test_an_embedded_table_may_hold_a_lone_surrogate(tmp_path):
    table = tables.parse_table("a,\ud800\n1,x\ud801\n2,y\n", "embedded table")  # JSON can carry one, str allows it
    assert table.names() == ["a", "\ud800"] and table.column("\ud800").categories == ["x\ud801", "y"]


def test_text_further_down_than_the_peek_is_still_found(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "PEEK_BYTES", 64)  # the peek sees numbers only
    rows = "".join(f"{i}.5,{i % 2}\n" for i in range(40))
    with pytest.raises(DataError, match=r"column 'a' mixes numbers and text \('oops' on line 32 among numbers like 0.5\)"):
        tables.read_table(write(tmp_path / "t.csv", "a,y\n" + rows[: rows.index("30.5")] + "oops,1\n" + rows[rows.index("31.5"):]))
    many = "a,y\n" + "".join(f"{'x' if i > 20 else i},{i % 2}\n" for i in range(60))  # text wins: categories
    assert tables.read_table(write(tmp_path / "c.csv", many)).column("a").kind == tables.CATEGORICAL


def test_booleans_after_a_peek_of_holes_stay_text(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "PEEK_BYTES", 32)  # the peek sees the flag column empty
    monkeypatch.setattr(tables, "WHOLE_READ_BYTES", 0)  # read in pieces,
    monkeypatch.setattr(tables, "CHUNK_ROWS", 4)  # and one piece holds only True/False
    text = "a,flag\n" + "".join(f"{i},\n" for i in range(8)) + "".join(f"{i},{'True' if i % 2 else 'False'}\n" for i in range(4))
    flag = tables.read_table(write(tmp_path / "t.csv", text)).column("flag")
    assert flag.kind == tables.CATEGORICAL and flag.categories == ["False", "True"] and flag.missing == 8


def test_a_bad_byte_after_the_peek_is_named_with_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "PEEK_BYTES", 64)
    (tmp_path / "latin.csv").write_bytes(("name,y\n" + "Ana,1\n" * 30 + "José,0\n").encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8 text \(byte 0xe9 on line 32\).*CSV UTF-8"):
        tables.read_table(tmp_path / "latin.csv")


def test_reading_reports_progress_and_stops_on_cancel(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "WHOLE_READ_BYTES", 0)  # a big file's read: in pieces
    monkeypatch.setattr(tables, "CHUNK_ROWS", 50)
    path = write(tmp_path / "t.csv", "a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(400)))
    seen: list[tuple[int, int]] = []
    with JobToken(lambda done, total, text: seen.append((done, total))).active():
        assert tables.read_table(path).n_rows == 400
    assert len(seen) >= 4 and seen[-1] == (path.stat().st_size, path.stat().st_size)
    token = JobToken()
    token.cancel()
    with token.active(), pytest.raises(files.LoadCancelled, match="Loading was cancelled"):
        tables.read_table(path)


def test_no_python_object_per_cell(tmp_path):
    rows = 100_000
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, 4))
    path = tmp_path / "big.csv"
    path.write_text("a,b,c,d,label\n" + "".join(f"{a:.4f},{b:.4f},{c:.3f},{d:.5f},{i % 3}\n" for i, (a, b, c, d) in enumerate(x.tolist())))
    tables.read_table(write(tmp_path / "warm.csv", "a,y\n1,0\n"))  # pandas' import is not the table
    tracemalloc.start()
    try:
        data = tables.table_dataset(tables.read_table(path), "label", "classification", [])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data["x"].shape == (rows, 4)
    # The float64 columns are 4 MB; the csv-module reader's lists of cells peaked at about 16x that.
    assert peak < 3 * rows * 5 * 8
