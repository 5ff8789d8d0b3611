"""The user's own tables (CSV/TSV), read by pandas' C parser.

The parse stays column by column in NumPy: numeric columns as float64 (parsed once, correctly rounded, then
cast to float32 like the old reader's ``float()``), text columns as codes into their sorted categories; the
Python work (stripping, missing spellings, what counts as a number) runs once per distinct text value, never
per cell. The rules are the csv-module reader's, kept exactly: a header line (names stripped, empty ones
numbered, duplicates refused), rows whose cells are all blank skipped, every row as wide as the header, the
missing spellings of :data:`MISSING_TOKENS` in any case, ``float()``'s idea of a number (``inf`` is text),
a column of numbers with a few text cells refused with the first one's line. Line numbers count records the
way the csv module does; they are worked out (a second, streaming pass) only for a message, or when the last
column has holes and a short or blank row may hide among them.
"""

from __future__ import annotations

import csv
import io
import stat
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError
from nnstudio.core.data.files import TEXT_MEMORY_FACTOR, _read_bytes, checked_size, tick
from nnstudio.core.data.table_text import (
    _blank,
    _decoded,
    _delimiter,
    _empty,
    _number,
    _skipped_by_pandas,
    decode_text,
)

NUMERIC, CATEGORICAL = "numeric", "categorical"
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "?"})
# pandas matches missing spellings exactly: every capitalisation of them (a spelling it misses, such as
# ' NA ' with spaces, still counts as missing on the per-value path below).
_NA_SPELLINGS = sorted({"".join(p) for t in MISSING_TOKENS for p in product(*({c.lower(), c.upper()} for c in t))})
MAX_EMBED_BYTES = 2 * 1024 * 1024
PEEK_BYTES = 256 * 1024
CHUNK_ROWS = 250_000  # rows per parsed piece of a big file: progress and Cancel between pieces
# Up to this size a file is one read_csv call on its path, which pandas parses on several threads (in half the
# time of the pieces, 0.1 s for 32 MB); the bar then jumps from start to end, and Cancel waits for the call.
WHOLE_READ_BYTES = 64 * 1024 * 1024


def _pandas_options() -> dict[str, Any]:
    import pandas as pd

    # pandas 3 parses floats correctly rounded whatever float_precision says (and deprecates it); pandas 2's
    # default converter is off by an ulp on long decimals, so there round_trip keeps the float32s identical.
    return {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


# ---------------------------------------------------------------------------- the table
@dataclass
class Column:
    name: str
    kind: str  # NUMERIC or CATEGORICAL
    values: np.ndarray  # NUMERIC: float64, NaN where missing; CATEGORICAL: int32 codes into categories, -1 missing
    missing: int
    categories: list[str] = field(default_factory=list)  # sorted (CATEGORICAL only)
    line_of: Callable[[int], int] = field(default=lambda row: row + 2, repr=False)  # row -> line in the file

    def is_missing(self) -> np.ndarray:
        return np.isnan(self.values) if self.kind == NUMERIC else self.values < 0

    @property
    def first_missing_line(self) -> int:
        """1-based line of the first missing cell, 0 when none."""
        rows = np.flatnonzero(self.is_missing()) if self.missing else []
        return self.line_of(int(rows[0])) if len(rows) else 0


@dataclass
class Table:
    name: str  # file name, for messages
    columns: list[Column] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.columns[0].values) if self.columns else 0

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise DataError(f"{self.name} has no column '{name}'; its columns are: {', '.join(self.names())}")


@dataclass
class _Source:
    """Where the table's text comes from: a file (streamed, never held whole) or a string (embedded tables)."""

    name: str
    path: Path | None = None
    text: str = ""
    size: int = 0
    delimiter: str = ","

    def head(self) -> tuple[str, bool]:
        """The first PEEK_BYTES of text in whole lines, and whether that is all of it."""
        if self.path is None:
            if len(self.text) <= PEEK_BYTES:
                return self.text, True
            head = self.text[:PEEK_BYTES]
            return head[: head.rindex("\n") + 1] if "\n" in head else head, False
        try:
            with self.path.open("rb") as f:
                raw = f.read(PEEK_BYTES)
        except OSError as exc:
            raise DataError(f"Cannot read {self.path}: {exc.strerror or exc}; check that the file is not open elsewhere") from None
        complete = self.size <= PEEK_BYTES
        if not complete and b"\n" in raw:
            raw = raw[: raw.rindex(b"\n") + 1]
        return _decoded(raw, self.name, final=complete), complete

    @contextmanager
    def records(self) -> Iterator[Iterator[list[str]]]:
        """The csv module's records of the whole text, streamed (for line numbers and row checks)."""
        if self.path is None:
            yield csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
            return
        with self.path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            yield csv.reader(f, delimiter=self.delimiter)


# ---------------------------------------------------------------------------- parsing
@dataclass
class _Layout:
    header: list[str]
    header_record: int  # index of the header among the csv records
    skip_rows: int  # records up to and including the header (pandas counts a quoted line break as no new row)
    wide_first: bool = False  # pandas' first row is wider than the header: it would cut every row that wide
    skip_blank_wide: frozenset[int] = frozenset()  # records of blank rows wider than the header (',,,,'): unread


def _layout(src: _Source, head: str, complete: bool) -> _Layout:
    """The header (first non-blank record) and the first ragged row the peek can see. pandas takes the width
    of the first row it reads for the table's and cuts every row as wide to the header without a word, so
    that row is always looked at (read alone when the peek holds it only in part)."""
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=src.delimiter)
    found: _Layout | None = None
    first: list[str] | None = None  # the first row pandas reads
    previous: tuple[int, list[str]] | None = None  # held back one record: the last one of a peek may be cut
    for i, record in enumerate(reader):
        if found is None:
            if not _blank(record):
                names = [h.strip() or f"column {k + 1}" for k, h in enumerate(record)]
                seen: set[str] = set()
                for h in names:
                    if h in seen:
                        raise DataError(f"{src.name} has two columns named '{h}'; rename one in the header line")
                    seen.add(h)
                found = _Layout(names, i, i + 1)
            continue
        if previous is not None:
            _check_width(src.name, *previous, len(found.header))
            if first is None and not _skipped_by_pandas(previous[1]):
                first = previous[1]
        previous = (i + 1, record)
    if found is None:
        raise _empty(src.name)
    if previous is not None and complete:
        _check_width(src.name, *previous, len(found.header))
        first = previous[1] if first is None and not _skipped_by_pandas(previous[1]) else first
    elif first is None and not complete:
        with src.records() as records:
            line, first = next(((i + 1, r) for i, r in enumerate(records) if i > found.header_record and not _skipped_by_pandas(r)), (0, None))
        if first is not None:
            _check_width(src.name, line, first, len(found.header))
    found.wide_first = first is not None and len(first) > len(found.header)
    return found


def _check_width(name: str, line: int, record: list[str], width: int) -> None:
    if len(record) != width and not _blank(record):
        raise _ragged(name, line, len(record), width)


def _ragged(name: str, line: int, fields: int, width: int) -> DataError:
    return DataError(
        f"{name}, line {line}: {fields} fields but the header has {width} columns; "
        f"check for a missing or extra separator (or an unquoted comma inside a value)"
    )


# Text already decoded (an embedded table, a peek) goes to the parser as UTF-8; a lone surrogate, which JSON
# can carry and str allows, travels through unchanged.
_TEXT_ENCODING = {"encoding": "utf-8", "encoding_errors": "surrogatepass"}


def _utf8(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8", "surrogatepass"))


def _head_dtypes(src: _Source, head: str, layout: _Layout) -> dict[int, Any]:
    """float64 for the columns the peek shows as numbers, text for the rest: text columns arrive as text,
    booleans keep their spelling, and '-0' stays -0.0 (an integer parse would lose the sign)."""
    import pandas as pd

    width = len(layout.header)
    try:
        frame = pd.read_csv(_utf8(head), **_csv_options(src.delimiter, layout, width, {}), **_TEXT_ENCODING)
    except (ValueError, pd.errors.ParserError):
        return dict.fromkeys(range(width), str)
    # A column with no value in the peek is read as text: pandas would turn a piece of it holding only True and
    # False into 1.0 and 0.0 when told float64 (a piece with numbers in it refuses them, and is read as text).
    return {j: "float64" if frame[j].dtype.kind in "fiu" and frame[j].notna().any() else str for j in range(width)}


def _csv_options(delimiter: str, layout: _Layout, width: int, dtypes: dict[int, Any]) -> dict[str, Any]:
    return {
        "sep": delimiter, "header": None, "names": list(range(width)), "index_col": False,
        "skiprows": sorted(set(range(layout.skip_rows)) | layout.skip_blank_wide) if layout.skip_blank_wide else layout.skip_rows, "keep_default_na": False, "na_values": _NA_SPELLINGS, "dtype": dtypes,
        "quotechar": '"', "doublequote": True, "skip_blank_lines": True, "engine": "c", **_pandas_options(),
    }


def _read_columns(src: _Source, layout: _Layout, dtypes: dict[int, Any], usecols: list[int] | None = None) -> list[np.ndarray]:
    """The body of the table, one array per column (float64, or object for text); a big file in pieces."""
    import pandas as pd

    width = len(layout.header)
    options = _csv_options(src.delimiter, layout, width, dtypes) | ({} if usecols is None else {"usecols": usecols})
    wanted = list(range(width)) if usecols is None else usecols
    if src.path is not None and src.size <= WHOLE_READ_BYTES:
        tick(0, src.size)  # a path, not a handle, so pandas may read it in parallel; never decompressed (as a handle)
        frame = pd.read_csv(str(src.path), **options, encoding="utf-8", compression=None)
        tick(src.size, src.size)
        return [frame[j].to_numpy(dtype=np.float64 if dtypes.get(j) == "float64" else object) for j in wanted]
    options["chunksize"] = CHUNK_ROWS
    parts: list[list[np.ndarray]] = [[] for _ in wanted]
    encoding = _TEXT_ENCODING if src.path is None else {"encoding": "utf-8"}  # a file's bad bytes are refused
    with (_utf8(src.text) if src.path is None else src.path.open("rb")) as handle, \
            pd.read_csv(handle, **options, **encoding) as reader:
        for chunk in reader:
            for k, j in enumerate(wanted):
                # a copy, so no view keeps the whole piece's block alive while the columns are joined
                parts[k].append(chunk[j].to_numpy(dtype=np.float64 if dtypes.get(j) == "float64" else object, copy=True))
            if src.path is not None:
                tick(handle.tell(), src.size)
    out = []
    for k in range(len(wanted)):  # one column at a time, so its pieces are freed before the next is joined
        pieces, parts[k] = parts[k], []
        out.append(pieces[0] if len(pieces) == 1 else np.concatenate(pieces) if pieces else np.empty(0, object))
    return out


def _parse_body(src: _Source, layout: _Layout, dtypes: dict[int, Any]) -> list[np.ndarray]:
    import pandas as pd

    try:
        try:
            return _read_columns(src, layout, dtypes)
        except ValueError as exc:
            if isinstance(exc, (pd.errors.ParserError, UnicodeDecodeError)):
                raise
            # A column the peek took for numbers holds text further down: read every column as text.
            return _read_columns(src, layout, dict.fromkeys(range(len(layout.header)), str))
    except UnicodeDecodeError as exc:
        if src.path is not None:
            _decoded(_read_bytes(src.path, TEXT_MEMORY_FACTOR), src.name)  # names the byte and its line
        raise DataError(f"{src.name} is not UTF-8 text ({exc.reason}); save it as 'CSV UTF-8' and open it again") from None
    except pd.errors.ParserError as exc:
        structure = _scan(src, layout)
        if structure.ragged:
            raise _ragged(src.name, *structure.ragged, len(layout.header)) from None
        if len(structure.blank_wide) and not layout.skip_blank_wide:
            # Blank rows with more separators than the header (',,,,,') stop pandas; the reader skips them.
            layout.skip_blank_wide = frozenset(structure.blank_wide.tolist())
            return _parse_body(src, layout, dtypes)
        detail = str(exc).removeprefix("Error tokenizing data. C error: ").strip().rstrip(".")
        raise DataError(f"{src.name} cannot be read as a table ({detail}); check its quotes and separators") from None


@dataclass
class _Structure:
    lines: np.ndarray  # the line of each row the reader keeps
    drop: np.ndarray  # rows of pandas' frame that are blank to the reader (',,,'), to drop
    ragged: tuple[int, int] | None  # (line, fields) of the first row whose width differs from the header's
    blank_wide: np.ndarray  # records of blank rows wider than the header


def _scan(src: _Source, layout: _Layout) -> _Structure:
    """One streaming pass of the csv module over the text: which line each row is on, and the row checks the
    frame cannot make (a short row looks like trailing missing cells there)."""
    lines, drop, blank_wide = array("q"), array("q"), array("q")
    ragged = None
    width = len(layout.header)
    row = 0
    with src.records() as records:
        for i, record in enumerate(records):
            if i <= layout.header_record or _skipped_by_pandas(record) or i in layout.skip_blank_wide:
                continue
            if _blank(record):
                drop.append(row)
                if len(record) > width:
                    blank_wide.append(i)
            else:
                if ragged is None and len(record) != width:
                    ragged = (i + 1, len(record))
                lines.append(i + 1)
            row += 1
    def as_array(values: array) -> np.ndarray:
        return np.frombuffer(values, np.int64) if values else np.empty(0, np.int64)

    return _Structure(as_array(lines), as_array(drop), ragged, as_array(blank_wide))


class _Lines:
    """Row -> line, computed by one scan the first time a message asks."""

    def __init__(self, src: _Source, layout: _Layout, structure: _Structure | None = None) -> None:
        self.src, self.layout, self.structure = src, layout, structure

    def __call__(self, row: int) -> int:
        if self.structure is None:
            self.structure = _scan(self.src, self.layout)
        lines = self.structure.lines
        return int(lines[row]) if row < len(lines) else row + self.layout.skip_rows + 1


def _text_values(raw: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """(codes, distinct stripped tokens, missing per token, float per token or NaN) of a text column; the
    last token slot stands for pandas' own NaN."""
    import pandas as pd

    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    tokens = [str(u).strip() for u in uniques]
    missing = [t.lower() in MISSING_TOKENS for t in tokens]
    numbers = [None if m else _number(t) for t, m in zip(tokens, missing, strict=True)]
    return (np.where(codes < 0, len(tokens), codes), tokens, np.array([*missing, True]),
            np.array([np.nan if v is None else v for v in numbers] + [np.nan]))


def _has_holes(raw: np.ndarray) -> bool:
    """Whether a parsed column has a missing cell (where a short or blank row would show)."""
    import pandas as pd

    if raw.dtype == np.float64:
        return bool(np.isnan(raw).any())
    return bool(pd.isna(raw).any()) or any(str(u).strip().lower() in MISSING_TOKENS for u in pd.unique(raw))


def _column(name: str, raw: np.ndarray, reread: Callable[[], np.ndarray], line_of: Callable[[int], int], table: str) -> Column:
    if raw.dtype == np.float64:
        if np.isinf(raw).any():  # 'inf' and '1e999' are text to float()-minded eyes: look at the cells again
            return _column(name, reread(), reread, line_of, table)
        missing = int(np.isnan(raw).sum())
        if missing < len(raw):
            return Column(name, NUMERIC, raw, missing, line_of=line_of)
        return Column(name, CATEGORICAL, np.full(len(raw), -1, np.int32), missing, line_of=line_of)
    codes, tokens, is_missing, numbers = _text_values(raw)
    is_number = ~np.isnan(numbers)
    is_text = ~is_missing & ~is_number
    counts = np.bincount(codes, minlength=len(tokens) + 1)
    n_text, n_numeric, n_missing = int(counts[is_text].sum()), int(counts[is_number].sum()), int(counts[is_missing].sum())
    if n_numeric and not n_text:
        return Column(name, NUMERIC, numbers[codes], n_missing, line_of=line_of)
    if n_numeric and n_numeric >= n_text:
        k = int(np.argmax(is_text[codes]))
        example = tokens[codes[int(np.argmax(is_number[codes]))]]
        raise DataError(
            f"{table}: column '{name}' mixes numbers and text ('{tokens[codes[k]]}' on line {line_of(k)} among numbers "
            f"like {example}); correct those cells, mark them missing (leave empty or write NA), or leave the "
            f"column out of the features"
        )
    categories = sorted({t for t, m in zip(tokens, is_missing, strict=False) if not m})
    index = {c: i for i, c in enumerate(categories)}
    lookup = np.array([-1 if m else index[t] for t, m in zip(tokens, is_missing, strict=False)] + [-1], dtype=np.int32)
    return Column(name, CATEGORICAL, lookup[codes], n_missing, categories, line_of=line_of)


def _parse(src: _Source, delimiter: str) -> Table:
    head, complete = src.head()
    if not head.strip() and complete:
        raise _empty(src.name)
    src.delimiter = _delimiter(head, src.name, delimiter)
    layout = _layout(src, head, complete)
    body = _parse_body(src, layout, _head_dtypes(src, head, layout))
    lines = _Lines(src, layout)
    keep: np.ndarray | None = None
    if layout.wide_first or (len(body[-1]) and _has_holes(body[-1])):
        # A short row or a blank one (',,,') looks like holes in the last column, and after a wide first row
        # pandas cuts wide rows: check the rows themselves.
        structure = lines.structure = _scan(src, layout)
        if structure.ragged:
            raise _ragged(src.name, *structure.ragged, len(layout.header))
        if len(structure.drop) and len(structure.lines) + len(structure.drop) == len(body[-1]):
            keep = np.setdiff1d(np.arange(len(body[-1])), structure.drop)
            body = [b[keep] for b in body]
    if not len(body[-1]):
        raise DataError(f"{src.name} has a header line but no rows of data")

    def reread(j: int) -> Callable[[], np.ndarray]:
        def as_text() -> np.ndarray:
            column = _read_columns(src, layout, {j: str}, usecols=[j])[0]
            return column if keep is None else column[keep]
        return as_text

    columns = [_column(h, b, reread(j), lines, src.name) for j, (h, b) in enumerate(zip(layout.header, body, strict=True))]
    return Table(src.name, columns)


def parse_table(text: str, name: str, delimiter: str = "auto") -> Table:
    """Parse CSV/TSV text with a header line; detect numeric and categorical columns and missing values."""
    return _parse(_Source(name, text=text.removeprefix("\ufeff")), delimiter)


def read_table(path: Path, delimiter: str = "auto") -> Table:
    size = checked_size(path, TEXT_MEMORY_FACTOR)  # a FIFO or device is refused before anything opens it
    return _parse(_Source(path.name, path=path, size=size), delimiter)


def peek_columns(path: Path | None, text: str = "", delimiter: str = "auto") -> list[tuple[str, str]]:
    """(name, kind) of each column from the start of a table, for offering target and feature choices
    without reading a big file on the GUI thread. Kind is NUMERIC, CATEGORICAL or '' when unclear."""
    if path is not None:
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                return []  # opening a FIFO would block the GUI thread until something writes to it
            with path.open("rb") as f:
                raw = f.read(PEEK_BYTES)
        except OSError:
            return []
        if len(raw) == PEEK_BYTES and b"\n" in raw:
            raw = raw[: raw.rindex(b"\n") + 1]  # whole lines only
        text = raw.decode("utf-8-sig", errors="replace")
        name = path.name
    else:
        text, name = text[:PEEK_BYTES], "embedded table"
    try:
        return [(c.name, c.kind) for c in parse_table(text, name, delimiter).columns]
    except DataError:
        lines = text.splitlines()
        if not lines:
            return []
        header = next(csv.reader([lines[0]], delimiter=_delimiter(text, name, delimiter)), [])
        return [(h.strip() or f"column {i + 1}", "") for i, h in enumerate(header)]


def embed_text(path: Path) -> str:
    """The file's text for embedding into a project; refused above a couple of MB (link those instead)."""
    size = checked_size(path)  # before reading: a big file is refused without loading it
    if size > MAX_EMBED_BYTES:
        raise DataError(
            f"{path.name} is {size / 1024**2:.1f} MB; only tables up to {MAX_EMBED_BYTES // 1024**2} MB can be "
            f"embedded in a project; keep it as a linked file instead"
        )
    return decode_text(_read_bytes(path), path.name)


# ---------------------------------------------------------------------------- table -> arrays
def guess_task(column: Column) -> str:
    """Classification for text or a few whole-number values; regression for other numbers."""
    if column.kind == CATEGORICAL:
        return "classification"
    present = column.values[~np.isnan(column.values)]
    distinct = np.unique(present)
    whole = bool(np.all(np.equal(np.mod(present, 1), 0)))
    return "classification" if whole and len(distinct) <= max(2, min(20, len(present) // 5)) else "regression"


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _classes(target: str, column: Column) -> tuple[np.ndarray, list[str]]:
    """Class index of every row and the class names, numbers in numeric order first, then text."""
    if column.kind == NUMERIC:
        import pandas as pd

        codes, uniques = pd.factorize(column.values)  # np.unique's answer by hashing, not sorting a million rows
        order = np.argsort(uniques)
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order))
        distinct, inverse = uniques[order], rank[codes]
    else:
        distinct, inverse = np.asarray(column.categories, dtype=object), column.values
    if len(distinct) > 1000:
        raise DataError(f"The target column '{target}' has {len(distinct)} different values; that is a regression target or an ID, not classes")
    labels = [_label(float(v)) if column.kind == NUMERIC else str(v) for v in distinct]
    order = sorted(set(labels), key=lambda s: (_number(s) is None, _number(s) or 0.0, s))
    if len(order) < 2:
        raise DataError(
            f"The target column '{target}' holds a single class ('{order[0]}'); a classifier needs examples of "
            f"at least two classes. Choose another target column or add examples of the other classes"
        )
    index = {name: i for i, name in enumerate(order)}
    return np.array([index[s] for s in labels], dtype=np.int64)[inverse], order


def table_dataset(table: Table, target: str, task: str, features: list[str]) -> dict[str, Any]:
    """Arrays and facts for a RawDataset: features as float32 (categories as codes), the target checked."""
    if not table.columns:
        raise DataError(f"{table.name} has no columns")
    target = target or table.columns[-1].name
    y_col = table.column(target)
    chosen = features or [n for n in table.names() if n != target]
    if target in chosen:
        raise DataError(f"The target column '{target}' is also among the features; a model would just copy it. Remove it from the features")
    if not chosen:
        raise DataError(f"{table.name} has no columns left as features besides the target '{target}'; choose a file with inputs")
    x_cols = [table.column(n) for n in chosen]
    empty = [c.name for c in x_cols if c.missing == table.n_rows]
    if empty:
        listed = ", ".join(f"'{n}'" for n in empty)
        raise DataError(
            f"The column{'s' if len(empty) > 1 else ''} {listed} of {table.name} {'have' if len(empty) > 1 else 'has'} "
            f"no value at all (every cell is empty or NA); drop {'them' if len(empty) > 1 else 'it'} from the features "
            f"(untick it on the Data tab, or list the other columns under 'features') or fill it in the file"
        )
    if y_col.missing:
        raise DataError(
            f"The target column '{target}' has {y_col.missing} missing value(s) (first on line {y_col.first_missing_line}); "
            f"fill them in or delete those rows: an example without an answer cannot be learned from"
        )
    task = guess_task(y_col) if task == "auto" else task
    if task == "regression":
        if y_col.kind == CATEGORICAL:
            raise DataError(f"The target column '{target}' holds text ({', '.join(y_col.categories[:3])} …); regression needs numbers, so choose classification")
        y = y_col.values.astype(np.float32)
        class_names: list[str] = []
    else:
        y, class_names = _classes(target, y_col)
    categorical: dict[str, list[str]] = {}
    x = np.empty((table.n_rows, len(x_cols)), dtype=np.float32)
    for j, col in enumerate(x_cols):
        if col.kind == NUMERIC:
            x[:, j] = col.values
        else:
            x[:, j] = np.where(col.values < 0, np.float32(np.nan), col.values.astype(np.float32))
            categorical[col.name] = list(col.categories)
    return {
        "x": x, "y": y, "task": task, "class_names": class_names, "feature_names": chosen,
        "meta": {
            "tabular": True,
            "categorical": categorical,  # column name -> categories; x holds the category's index
            "missing": {c.name: c.missing for c in x_cols if c.missing},
        },
    }
