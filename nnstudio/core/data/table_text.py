"""The text side of a table: decoding (UTF-8, a message naming the bad byte's line), the separator, what
counts as a number (``float()``'s idea, finite), and which records are blank; shared by the reader in
:mod:`nnstudio.core.data.tables`."""

from __future__ import annotations

import math

from nnstudio.core.base.errors import DataError


def _decoded(raw: bytes, name: str, final: bool = True) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not final and exc.end >= len(raw) - 3:  # a character cut at the end of a peek, not a bad byte
            return raw[: exc.start].decode("utf-8-sig")
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); in your spreadsheet program "
            f"save it as 'CSV UTF-8' and open it again"
        ) from None


def _empty(name: str) -> DataError:
    return DataError(f"{name} is empty; it needs a header line with column names and at least one row of data")


def decode_text(raw: bytes, name: str) -> str:
    text = _decoded(raw, name)
    if not text.strip():
        raise _empty(name)
    return text


def _delimiter(text: str, name: str, choice: str) -> str:
    fixed = {"comma": ",", "tab": "\t", "semicolon": ";"}
    if choice in fixed:
        return fixed[choice]
    if name.lower().endswith((".tsv", ".tab")):
        return "\t"
    header = text.splitlines()[0]
    counts = {d: header.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def _skipped_by_pandas(record: list[str]) -> bool:
    """pandas drops empty and whitespace-only lines itself; other blank rows (',,,') reach the frame."""
    return not record or (len(record) == 1 and record[0] != "" and not record[0].strip(" \t"))
