"""Encoding of categorical columns: one-hot, with the categories learned from the training split."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError
from nnstudio.core.base.registry import PREPROCESSING, Param
from nnstudio.core.data.preprocess.base import Info, State, StepKind, as_float, missing_mask, require_table


def _column_indices(spec: str, names: list[str], width: int) -> list[int] | None:
    """Parse '1, 3, colour' (1-based numbers or names); None for 'auto'."""
    spec = spec.strip()
    if spec.lower() in ("", "auto"):
        return None
    out = []
    for part in (s.strip() for s in spec.split(",")):
        if not part:
            continue
        if part.isdigit() and 1 <= int(part) <= width:
            out.append(int(part) - 1)
        elif part in names:
            out.append(names.index(part))
        else:
            raise DataError(f"One-hot encode: there is no column {part!r}; give column numbers from 1 to {width} or column names")
    return sorted(set(out))


def _json_value(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return int(v) if v.is_integer() else float(f"{v:.6g}")  # float32 codes print as 4.3, not 4.300000190734863
    return v


def _looks_categorical(col: np.ndarray, max_categories: int) -> bool:
    """For 'auto': a text column, or whole numbers with few distinct values (codes such as 0/1/2)."""
    present = col[~missing_mask(col)]
    if col.dtype.kind == "O" and any(isinstance(v, str) for v in present):
        return True
    return bool(present.size and np.all(np.equal(np.mod(present.astype(float), 1), 0)) and len(np.unique(present)) <= max_categories)


@PREPROCESSING.register(
    "onehot", title="One-hot encode", category="Encoding",
    params=(
        Param("columns", str, "auto", "Columns to encode: 1-based numbers or names separated by commas, or 'auto' for "
              "text columns and whole-number columns with few distinct values."),
        Param("max_categories", int, 10, "With 'auto': whole-number columns with at most this many values count as categories.", 2, 100),
    ),
    help="""
Replaces a categorical column (colour = red/green/blue, or codes 0/1/2) by one 0/1 column per category.
Feeding the codes directly would tell the network that blue (2) is twice green (1), an order that does not
exist. The categories are learned from the training split; a category seen only later becomes all zeros.
Many categories make many columns.""",
)
class OneHot(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        from sklearn.preprocessing import OneHotEncoder

        require_table(x, "One-hot encode")
        known = info.get("categorical") or {}
        columns = _column_indices(p["columns"], names, x.shape[1])
        if columns is None and any(n in known for n in names):
            columns = [j for j, n in enumerate(names) if n in known]  # the source knows its text columns
        if columns is None:
            columns = [j for j in range(x.shape[1]) if _looks_categorical(x[:, j], p["max_categories"])]
        if not columns:
            raise DataError("One-hot encode found no categorical column; name the columns to encode, or remove the step")
        encoder = OneHotEncoder(handle_unknown="ignore")
        block = x[:, columns]
        encoder.fit(block.astype(object) if block.dtype.kind == "O" else block)
        categories = [[_json_value(v) for v in cats if not (isinstance(v, float) and math.isnan(v)) and v is not None] for cats in encoder.categories_]
        labels = []
        for j, cats in zip(columns, categories, strict=True):
            text = known.get(names[j]) if j < len(names) else None
            # A table source stores text categories as their index; show the text in the column names.
            labels.append([str(text[int(c)]) if text and isinstance(c, int) and 0 <= c < len(text) else str(c) for c in cats])
        return {"columns": columns, "categories": categories, "labels": labels}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        parts = []
        cat_of = dict(zip(state["columns"], state["categories"], strict=True))
        for j in range(x.shape[1]):
            col = x[:, j]
            if j in cat_of:
                cats = cat_of[j]
                as_text = any(isinstance(c, str) for c in cats)
                values = col.astype(str) if as_text else col.astype(np.float64)
                hits = [values == str(c) if as_text else np.isclose(values, c, rtol=1e-6, atol=0) for c in cats]
                parts.append(np.stack(hits, axis=1).astype(np.float32) if hits else np.zeros((len(x), 0), np.float32))
            else:
                parts.append(as_float(col, "One-hot encode (the other columns)")[:, None])
        return np.concatenate(parts, axis=1) if parts else np.zeros((len(x), 0), np.float32)

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        # States saved before 'labels' existed name the columns by their category codes.
        cat_of = dict(zip(state["columns"], state.get("labels", state["categories"]), strict=True))
        out = []
        for j, name in enumerate(names):
            out += [f"{name}={c}" for c in cat_of[j]] if j in cat_of else [name]
        return out
