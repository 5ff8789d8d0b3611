"""Preprocessing steps, fitted on the training split only and then applied unchanged to every split.

A step kind is a class with

* ``fit(p, x, y, names) -> state``: learn from the training split (as prepared by the steps before it);
* ``transform(p, state, x) -> x``: apply to any examples (prediction, a single example);
* ``transform_xy(p, state, x, y) -> (x, y)``: apply to a whole split; a step may drop rows here, and
  then drops the matching targets too (imputation's "drop rows");
* ``feature_names(p, state, names) -> names``: the column names after the step;
* ``augment(p, state, xb, generator) -> xb`` for training-time augmentation steps (``augments = True``),
  which leave every split unchanged and only alter training batches.

State is a flat dict of JSON values and numpy arrays, so a project file stores it without pickle
(``FittedPipeline.to_state`` / ``from_state``). scikit-learn does the fitting where it has the transformer;
its learned numbers are copied into the state and applied here with numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.data.spec import StepSpec
from nnstudio.core.errors import DataError, ProjectFileError
from nnstudio.core.registry import PREPROCESSING, Param

State = dict[str, Any]
Info = dict[str, Any]  # facts from the source, e.g. {'categorical': {column name: category labels}}
STATE_VERSION = 1


def _flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1)


def _float(x: np.ndarray, title: str) -> np.ndarray:
    try:
        return np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError):
        raise DataError(f"{title} needs numbers, but some columns hold text; add One-hot encode before it") from None


def _missing(x: np.ndarray) -> np.ndarray:
    if x.dtype.kind == "f":
        return np.isnan(x)
    if x.dtype.kind == "O":
        return np.vectorize(lambda v: v is None or v == "" or (isinstance(v, float) and math.isnan(v)), otypes=[bool])(x)
    return np.zeros(x.shape, dtype=bool)


def _tabular(x: np.ndarray, title: str) -> None:
    if x.ndim != 2:
        raise DataError(
            f"{title} works on tables of features (examples x columns), but the data has shape "
            f"{'x'.join(map(str, x.shape[1:]))} per example; use it on tabular data or add PCA first"
        )


def _image(x: np.ndarray, title: str) -> None:
    if x.ndim not in (3, 4):
        raise DataError(
            f"{title} works on images (channels x height x width), but each example has shape "
            f"{'x'.join(map(str, x.shape[1:]))}; use it on an image dataset"
        )


class StepKind:
    augments = False

    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        return {}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return x

    @classmethod
    def transform_xy(cls, p: dict[str, Any], state: State, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return cls.transform(p, state, x), y

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        return names


# ---------------------------------------------------------------------------- missing values
@PREPROCESSING.register(
    "impute", title="Fill missing values", category="Missing values",
    params=(
        Param("strategy", str, "mean", "How to fill a missing value: the column's training mean, median, most frequent "
              "value, a constant, or drop every example that has a missing value.",
              choices=("mean", "median", "most_frequent", "constant", "drop_rows")),
        Param("fill_value", float, 0.0, "The constant used by the 'constant' strategy (and for columns that are empty in training)."),
    ),
    help="""
Real tables have holes. A network cannot compute with a missing value, so each one is replaced by the
column's mean or median (robust to outliers) or its most frequent value (also works for categories), or by
a constant, all learned from the training split only. Dropping rows keeps only complete examples: honest,
but it throws data away and cannot predict for a new example that has a hole.""",
)
class Impute(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        strategy = p["strategy"]
        if strategy == "drop_rows":
            return {}
        flat = _flat(x)
        if strategy == "constant":
            fill = np.full(flat.shape[1], p["fill_value"], dtype=np.float32)
        elif strategy == "most_frequent":
            from sklearn.impute import SimpleImputer

            imputer = SimpleImputer(strategy="most_frequent", keep_empty_features=True)
            imputer.fit(np.where(_missing(flat), np.nan, flat) if flat.dtype.kind == "O" else flat)
            fill = imputer.statistics_
            if fill.dtype.kind != "O":
                fill = fill.astype(np.float32)
        else:
            values = _float(flat, "Filling with the mean or median")
            with np.errstate(all="ignore"), _quiet():
                fill = (np.nanmean if strategy == "mean" else np.nanmedian)(values, axis=0)
            fill = np.where(np.isnan(fill), p["fill_value"], fill).astype(np.float32)
        return {"fill": np.asarray(fill)}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        missing = _missing(x)
        if p["strategy"] == "drop_rows":
            if missing.any():
                raise DataError(
                    f"{int(_flat(missing).any(axis=1).sum())} example(s) have missing values, and the 'drop rows' "
                    "strategy cannot predict for them; choose another strategy to fill them"
                )
            return x
        if not missing.any():
            return x
        fill = state["fill"].reshape(x.shape[1:])
        return np.where(missing, np.broadcast_to(fill, x.shape), x)

    @classmethod
    def transform_xy(cls, p: dict[str, Any], state: State, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if p["strategy"] != "drop_rows":
            return cls.transform(p, state, x), y
        keep = ~_flat(_missing(x)).any(axis=1)
        return x[keep], y[keep]


class _quiet:
    """Silence numpy's 'mean of empty slice' warnings: an all-missing column is handled explicitly."""

    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


# ---------------------------------------------------------------------------- scaling
@PREPROCESSING.register(
    "standardize", title="Standardize", category="Scaling",
    help="""
Shifts and scales each feature to mean 0 and standard deviation 1, using statistics of the training split
only. Features measured in large units no longer dominate the first layer, and gradient descent converges
faster. Outliers still pull the mean and spread.""",
)
class Standardize(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        x = _float(x, "Standardize")
        mean = np.nanmean(x, axis=0)
        std = np.nanstd(x, axis=0)
        return {"mean": mean.astype(np.float32), "std": np.where(std > 1e-12, std, 1.0).astype(np.float32)}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return (_float(x, "Standardize") - state["mean"]) / state["std"]


@PREPROCESSING.register(
    "minmax", title="Min-max scale", category="Scaling",
    params=(Param("range", str, "0,1", "Target interval.", choices=("0,1", "-1,1")),),
    help="""
Maps each feature linearly so the training split's smallest value becomes the lower end and its largest the
upper end of the chosen interval. Keeps the shape of the distribution; a single outlier squeezes everything
else together, and new data may fall outside the interval.""",
)
class MinMax(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        x = _float(x, "Min-max scale")
        lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
        return {"min": lo.astype(np.float32), "span": np.where(hi - lo > 1e-12, hi - lo, 1.0).astype(np.float32)}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        unit = (_float(x, "Min-max scale") - state["min"]) / state["span"]
        return unit if p["range"] == "0,1" else unit * 2.0 - 1.0


# ---------------------------------------------------------------------------- encoding
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

        _tabular(x, "One-hot encode")
        known = info.get("categorical") or {}
        columns = _column_indices(p["columns"], names, x.shape[1])
        if columns is None and any(n in known for n in names):
            columns = [j for j, n in enumerate(names) if n in known]  # the source knows its text columns
        if columns is None:
            columns = []
            for j in range(x.shape[1]):
                col = x[:, j]
                present = col[~_missing(col)]
                if col.dtype.kind == "O" and any(isinstance(v, str) for v in present) or present.size and np.all(np.equal(np.mod(present.astype(float), 1), 0)) and len(np.unique(present)) <= p["max_categories"]:
                    columns.append(j)
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
                parts.append(_float(col, "One-hot encode (the other columns)")[:, None])
        return np.concatenate(parts, axis=1) if parts else np.zeros((len(x), 0), np.float32)

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        cat_of = dict(zip(state["columns"], state.get("labels", state["categories"]), strict=True))
        out = []
        for j, name in enumerate(names):
            out += [f"{name}={c}" for c in cat_of[j]] if j in cat_of else [name]
        return out


# ---------------------------------------------------------------------------- features
MAX_PRODUCT_FEATURES = 30


@PREPROCESSING.register(
    "construct", title="Construct features", category="Features",
    params=(
        Param("squares", bool, True, "Add x² for every feature."),
        Param("products", bool, True, "Add x_i·x_j for every pair of features."),
        Param("sines", bool, False, "Add sin(x) for every feature."),
        Param("keep_original", bool, True, "Keep the original features as well."),
    ),
    help="""
Adds new input columns computed from the old ones, as in TensorFlow Playground: x1², x2², x1·x2, sin(x1)…
With x1² + x2² a single neuron can draw a circle; with x1·x2 it can solve XOR. Good features make a small
network enough; too many slow training and invite overfitting (pairs grow with the square of the columns).""",
)
class Construct(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        _tabular(x, "Construct features")
        if p["products"] and x.shape[1] > MAX_PRODUCT_FEATURES:
            raise DataError(
                f"Construct features: {x.shape[1]} columns would make {x.shape[1] * (x.shape[1] - 1) // 2} pair products; "
                f"turn off 'products' or reduce to at most {MAX_PRODUCT_FEATURES} columns first (PCA or feature selection)"
            )
        if not (p["squares"] or p["products"] or p["sines"] or p["keep_original"]):
            raise DataError("Construct features: every option is off, so no column would remain; turn at least one on")
        return {}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        x = _float(x, "Construct features")
        parts = [x] if p["keep_original"] else []
        if p["squares"]:
            parts.append(x * x)
        if p["products"]:
            i, j = np.triu_indices(x.shape[1], k=1)
            parts.append(x[:, i] * x[:, j])
        if p["sines"]:
            parts.append(np.sin(x))
        return np.concatenate(parts, axis=1)

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        out = list(names) if p["keep_original"] else []
        if p["squares"]:
            out += [f"{n}²" for n in names]
        if p["products"]:
            i, j = np.triu_indices(len(names), k=1)
            out += [f"{names[a]}·{names[b]}" for a, b in zip(i, j, strict=True)]
        if p["sines"]:
            out += [f"sin({n})" for n in names]
        return out


@PREPROCESSING.register(
    "pca", title="PCA", category="Features",
    params=(
        Param("components", int, 2, "How many principal components to keep.", 1, 4096),
        Param("whiten", bool, False, "Scale each component to unit variance."),
    ),
    help="""
Principal component analysis finds the directions along which the training data varies most and keeps the
first k of them, so many correlated columns (or all pixels of an image) become a few. Fast to train on and
easy to plot, but the new features mix all inputs and lose meaning; the directions ignore the labels.""",
)
class PCA(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        from sklearn.decomposition import PCA as SkPCA

        flat = _float(_flat(x), "PCA")
        limit = min(flat.shape)
        if p["components"] > limit:
            raise DataError(
                f"PCA cannot keep {p['components']} components: the training split has {flat.shape[0]} examples of "
                f"{flat.shape[1]} values, so at most {limit} exist; lower 'components'"
            )
        pca = SkPCA(n_components=p["components"], whiten=p["whiten"], random_state=0).fit(flat)
        return {
            "mean": pca.mean_.astype(np.float32),
            "components": pca.components_.astype(np.float32),
            "scale": (np.sqrt(pca.explained_variance_) if p["whiten"] else np.ones(p["components"])).astype(np.float32),
            "explained": [float(v) for v in pca.explained_variance_ratio_],
        }

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        flat = _float(_flat(x), "PCA")
        return (flat - state["mean"]) @ state["components"].T / np.where(state["scale"] > 1e-12, state["scale"], 1.0)

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        return [f"PC{i + 1} ({100 * v:.0f}%)" for i, v in enumerate(state["explained"])]


class _Selection(StepKind):
    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return x[:, state["keep"]]

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        return [names[i] for i in state["keep"]]


@PREPROCESSING.register(
    "drop_low_variance", title="Drop low-variance features", category="Feature selection",
    params=(Param("threshold", float, 0.0, "Columns whose training variance is at most this are dropped (0: constant columns).", 0.0),),
    help="""
Removes columns that hardly change across the training examples (the border pixels of digits, a column that
is always 'yes'). They cannot help tell examples apart and only add weights. The threshold depends on the
column's units, so scale first or keep it at 0.""",
)
class DropLowVariance(_Selection):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        _tabular(x, "Drop low-variance features")
        var = np.nanvar(_float(x, "Drop low-variance features"), axis=0)
        keep = np.flatnonzero(var > p["threshold"])
        if keep.size == 0:
            raise DataError(f"Drop low-variance features would drop every column (the largest variance is {var.max():.3g}); lower the threshold")
        return {"keep": keep.astype(np.int64)}


@PREPROCESSING.register(
    "drop_correlated", title="Drop correlated features", category="Feature selection",
    params=(Param("threshold", float, 0.95, "Of two columns whose training correlation is above this (in absolute value), the later one is dropped.", 0.1, 1.0),),
    help="""
When two columns say nearly the same thing (height in cm and in inches), one is enough. Keeps the first of
each highly correlated pair, judged on the training split. Fewer inputs, same information; but correlation
only sees straight-line relations, and a dropped column may still have carried some extra signal.""",
)
class DropCorrelated(_Selection):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        _tabular(x, "Drop correlated features")
        x = _float(x, "Drop correlated features")
        with np.errstate(all="ignore"):
            corr = np.abs(np.nan_to_num(np.corrcoef(x, rowvar=False))) if x.shape[1] > 1 else np.ones((1, 1))
        keep: list[int] = []
        for j in range(x.shape[1]):
            if all(corr[j, i] <= p["threshold"] for i in keep):
                keep.append(j)
        return {"keep": np.asarray(keep, dtype=np.int64)}


# ---------------------------------------------------------------------------- images
@PREPROCESSING.register(
    "image_scale", title="Scale pixels to [0, 1]", category="Images",
    params=(Param("maximum", str, "auto", "The brightest possible pixel value; 'auto' uses 255 when the training pixels exceed 1.", choices=("auto", "255", "1")),),
    help="""
Divides every pixel by the brightest possible value (255 for 8-bit photos), so inputs lie in [0, 1] like the
network's initial weights expect. Unlike min-max scaling it keeps the meaning of black and white the same for
every pixel and every image.""",
)
class ImageScale(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        _image(x, "Scale pixels to [0, 1]")
        if p["maximum"] != "auto":
            return {"divisor": float(p["maximum"])}
        top = float(np.nanmax(x)) if x.size else 1.0
        return {"divisor": 255.0 if top > 1.0 else 1.0}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return _float(x, "Scale pixels") / state["divisor"]


def _channels_axes(x: np.ndarray) -> tuple[int, ...]:
    return (0, 2, 3) if x.ndim == 4 else (0, 1, 2)


@PREPROCESSING.register(
    "image_normalize", title="Normalize channels (mean/std)", category="Images",
    help="""
Subtracts each colour channel's mean and divides by its standard deviation, both measured over all pixels of
the training images. The usual last step for photos: every channel then has the same scale. The images look
strange afterwards (negative pixels); the network does not mind.""",
)
class ImageNormalize(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        _image(x, "Normalize channels")
        x = _float(x, "Normalize channels")
        axes = _channels_axes(x)
        mean, std = np.nanmean(x, axis=axes), np.nanstd(x, axis=axes)
        return {"mean": np.atleast_1d(mean).astype(np.float32), "std": np.atleast_1d(np.where(std > 1e-12, std, 1.0)).astype(np.float32)}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        shape = (1, -1, 1, 1) if x.ndim == 4 else (1, 1, 1)
        return (_float(x, "Normalize channels") - state["mean"].reshape(shape)) / state["std"].reshape(shape)


@PREPROCESSING.register(
    "image_resize", title="Resize images", category="Images",
    params=(Param("height", int, 28, "New height in pixels.", 2, 1024), Param("width", int, 28, "New width in pixels.", 2, 1024)),
    help="""
Resamples every image to a fixed size (bilinear, smoothed when shrinking). Smaller images train much faster
and fit a given network; fine detail is lost. The input shape the Architecture tab sees changes with it.""",
)
class ImageResize(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        _image(x, "Resize images")
        return {}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        x = _float(x, "Resize images")
        squeeze = x.ndim == 3
        t = torch.from_numpy(np.ascontiguousarray(x[:, None] if squeeze else x))
        size = (p["height"], p["width"])
        shrinking = size[0] < t.shape[-2] or size[1] < t.shape[-1]
        with torch.no_grad():
            out = torch.cat([
                F.interpolate(t[i : i + 512], size=size, mode="bilinear", align_corners=False, antialias=shrinking)
                for i in range(0, len(t), 512)
            ]) if len(t) else t.new_zeros((0, t.shape[1], *size))
        out = out.numpy()
        return out[:, 0] if squeeze else out


# ---------------------------------------------------------------------------- augmentation
class _Augment(StepKind):
    """Identity on every split; changes only training batches, through ``FittedPipeline.augment``."""

    augments = True

    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        _image(x, "Augmentation")
        return {}


def _affine(xb: Any, theta: Any, mode: str) -> Any:
    import torch.nn.functional as F

    grid = F.affine_grid(theta, list(xb.shape), align_corners=False)
    return F.grid_sample(xb, grid, mode=mode, padding_mode="border", align_corners=False)


def _uniform(n: int, low: float, high: float, generator: Any, device: Any) -> Any:
    import torch

    return (torch.rand(n, generator=generator) * (high - low) + low).to(device)


@PREPROCESSING.register(
    "augment_flip", title="Augment: random flips", category="Augmentation",
    params=(
        Param("horizontal", bool, True, "Mirror left-right."),
        Param("vertical", bool, False, "Mirror top-bottom (wrong for digits and most photos)."),
        Param("probability", float, 0.5, "Chance that each training image is flipped.", 0.0, 1.0),
    ),
    help="""
During training only, mirrors each image at random, so the network sees a 'new' picture each epoch and
learns that a mirrored cat is still a cat. Cheap extra data against overfitting. Wrong where the mirror
image means something else (a mirrored 2 is not a 2). Validation and test images are never flipped.""",
)
class AugmentFlip(_Augment):
    @classmethod
    def augment(cls, p: dict[str, Any], state: State, xb: Any, generator: Any) -> Any:
        import torch

        n = len(xb)
        for enabled, dim in ((p["horizontal"], -1), (p["vertical"], -2)):
            if enabled:
                mask = (torch.rand(n, generator=generator) < p["probability"]).to(xb.device).view(-1, *([1] * (xb.ndim - 1)))
                xb = torch.where(mask, xb.flip(dim), xb)
        return xb


@PREPROCESSING.register(
    "augment_rotate", title="Augment: small rotations", category="Augmentation",
    params=(Param("degrees", float, 10.0, "Largest rotation either way.", 0.0, 45.0),),
    help="""
During training only, turns each image by a random small angle. Handwriting and photos are rarely perfectly
upright, so the network learns to ignore a slight tilt. Too large an angle turns a 6 into a 9. Validation
and test images are never rotated.""",
)
class AugmentRotate(_Augment):
    @classmethod
    def augment(cls, p: dict[str, Any], state: State, xb: Any, generator: Any) -> Any:
        import torch

        angle = _uniform(len(xb), -p["degrees"], p["degrees"], generator, xb.device) * (math.pi / 180.0)
        cos, sin, zero = torch.cos(angle), torch.sin(angle), torch.zeros_like(angle)
        theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1).to(xb.dtype)
        return _affine(xb, theta, "bilinear")


@PREPROCESSING.register(
    "augment_crop", title="Augment: random shifts (crop)", category="Augmentation",
    params=(Param("padding", int, 2, "Largest shift in pixels, as if padded by this much and cropped back at random.", 1, 64),),
    help="""
During training only, shifts each image by a few pixels at random (a random crop of a padded image), so the
network cannot rely on an object sitting at one exact position. A shift larger than the margin around the
object cuts it off. Validation and test images stay centred.""",
)
class AugmentCrop(_Augment):
    @classmethod
    def augment(cls, p: dict[str, Any], state: State, xb: Any, generator: Any) -> Any:
        import torch

        n, h, w = len(xb), xb.shape[-2], xb.shape[-1]
        pad = p["padding"]
        # Whole-pixel shifts: affine_grid works in [-1, 1] units, one pixel being 2/size.
        dx = torch.randint(-pad, pad + 1, (n,), generator=generator).to(xb.device, xb.dtype) * (2.0 / w)
        dy = torch.randint(-pad, pad + 1, (n,), generator=generator).to(xb.device, xb.dtype) * (2.0 / h)
        one, zero = torch.ones_like(dx), torch.zeros_like(dx)
        theta = torch.stack([torch.stack([one, zero, dx], 1), torch.stack([zero, one, dy], 1)], 1)
        return _affine(xb, theta, "nearest")


# ---------------------------------------------------------------------------- pipeline
@dataclass
class FittedStep:
    spec: StepSpec
    state: State
    in_shape: tuple[int, ...] = ()
    out_shape: tuple[int, ...] = ()
    rows_in: int = 0
    rows_out: int = 0

    @property
    def kind(self) -> type[StepKind]:
        return PREPROCESSING.get(self.spec.kind).obj


def _as_output(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float32) if x.dtype.kind in "fO" else x


@dataclass
class FittedPipeline:
    steps: list[FittedStep] = field(default_factory=list)
    input_names: list[str] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)

    @property
    def augments(self) -> bool:
        """True when some step changes training batches (the trainer then calls ``augment``)."""
        return any(s.kind.augments for s in self.steps)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Prepare examples for prediction; every row stays (a 'drop rows' step refuses incomplete ones)."""
        for step in self.steps:
            x = step.kind.transform(step.spec.params, step.state, x)
        return _as_output(x)

    def apply(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Prepare a whole split; steps may drop rows, and drop the same targets."""
        for step in self.steps:
            x, y = step.kind.transform_xy(step.spec.params, step.state, x, y)
        return _as_output(x), y

    def trace(self, x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The split before the first step and after each step (for before/after views)."""
        out = [(x, y)]
        for step in self.steps:
            x, y = step.kind.transform_xy(step.spec.params, step.state, x, y)
            out.append((x, y))
        return out

    def augment(self, x_batch: Any, generator: Any) -> Any:
        """Training-time augmentation of one batch (a torch tensor on any device), drawn from ``generator``
        (a CPU ``torch.Generator``). Returns the batch unchanged when no step augments."""
        steps = [s for s in self.steps if s.kind.augments]
        if not steps:
            return x_batch
        import torch

        with torch.no_grad():
            squeeze = x_batch.ndim == 3
            xb = x_batch.unsqueeze(1) if squeeze else x_batch
            for step in steps:
                xb = step.kind.augment(step.spec.params, step.state, xb, generator)
            return xb.squeeze(1) if squeeze else xb

    # ------------------------------------------------------------------ saving without pickle
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-ready description plus named numpy arrays (e.g. for safetensors or ``np.savez``)."""
        arrays: dict[str, np.ndarray] = {}
        steps = []
        for i, step in enumerate(self.steps):
            values, refs = {}, {}
            for key, value in step.state.items():
                if isinstance(value, np.ndarray):
                    name = f"preprocessing.{i}.{key}"
                    arrays[name] = np.ascontiguousarray(value)
                    refs[key] = name
                else:
                    values[key] = _plain(value)
            steps.append({
                **step.spec.to_dict(), "state": values, "arrays": refs,
                "in_shape": list(step.in_shape), "out_shape": list(step.out_shape),
                "rows_in": step.rows_in, "rows_out": step.rows_out,
            })
        meta = {"version": STATE_VERSION, "steps": steps, "input_names": list(self.input_names), "output_names": list(self.output_names)}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: Any, arrays: dict[str, np.ndarray]) -> FittedPipeline:
        """Rebuild a fitted pipeline from ``to_state``'s output, checking every part."""
        where = "preprocessing state"
        if not isinstance(meta, dict) or not isinstance(meta.get("steps"), list):
            raise ProjectFileError(f"The {where} is damaged (no list of steps); fit the preprocessing again")
        if meta.get("version", STATE_VERSION) != STATE_VERSION:
            raise ProjectFileError(f"The {where} has version {meta.get('version')!r}, which this nnstudio cannot read; fit it again")
        out = cls(input_names=[str(n) for n in meta.get("input_names", [])], output_names=[str(n) for n in meta.get("output_names", [])])
        for i, item in enumerate(meta["steps"]):
            if not isinstance(item, dict):
                raise ProjectFileError(f"The {where} is damaged (step {i + 1} is not an object); fit it again")
            spec = StepSpec.from_dict({"kind": item.get("kind"), "params": item.get("params", {})}, f"{where}[{i}]")
            state = dict(item.get("state") or {})
            for key, name in (item.get("arrays") or {}).items():
                if name not in arrays:
                    raise ProjectFileError(f"The {where} misses the array {name!r} of step {i + 1}; fit the preprocessing again")
                state[key] = np.asarray(arrays[name])
            shapes = [tuple(int(d) for d in item.get(k, [])) for k in ("in_shape", "out_shape")]
            out.steps.append(FittedStep(spec, state, shapes[0], shapes[1], int(item.get("rows_in", 0)), int(item.get("rows_out", 0))))
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def fit_pipeline(
    steps: list[StepSpec], x_train: np.ndarray, y_train: np.ndarray, feature_names: list[str] | None = None,
    info: Info | None = None,
) -> FittedPipeline:
    """Fit each step on the training split as transformed by the steps before it."""
    names = list(feature_names or [])
    if x_train.ndim == 2 and len(names) != x_train.shape[1]:
        names = [f"x{j + 1}" for j in range(x_train.shape[1])]
    fitted = FittedPipeline(input_names=list(names))
    x, y = x_train, y_train
    for i, spec in enumerate(steps, start=1):
        kind = PREPROCESSING.get(spec.kind)
        spec = StepSpec(spec.kind, kind.validate(spec.params, f"data.preprocessing[{i - 1}].params"))
        if len(x) == 0:
            raise DataError(f"Preprocessing step {i} ({kind.title}) gets no training examples; an earlier step dropped them all")
        rows_in, shape_in = len(x), tuple(x.shape[1:])
        try:
            state = kind.obj.fit(spec.params, x, y, names, info or {})
            x, y = kind.obj.transform_xy(spec.params, state, x, y)
            if x.ndim == 2:
                names = kind.obj.feature_names(spec.params, state, names) if len(names) else names
                if len(names) != x.shape[1]:
                    names = [f"x{j + 1}" for j in range(x.shape[1])]
            else:
                names = []
        except DataError as exc:
            raise DataError(f"Preprocessing step {i}: {exc}") from None
        except (ValueError, TypeError, IndexError) as exc:
            raise DataError(f"Preprocessing step {i} ({kind.title}) cannot be fitted: {exc}") from None
        fitted.steps.append(FittedStep(spec, state, shape_in, tuple(x.shape[1:]), rows_in, len(x)))
    if len(x) == 0:
        raise DataError("The preprocessing dropped every training example; choose another way to handle missing values")
    fitted.output_names = names
    return fitted
