"""New features from old ones: constructed columns (squares, products, sines) and PCA."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.base.errors import DataError
from nnstudio.core.base.registry import PREPROCESSING, Param
from nnstudio.core.data.preprocess.base import Info, State, StepKind, as_float, flat_rows, require_table

MAX_PRODUCT_FEATURES = 30  # pair products grow with the square of the columns: 30 columns already make 435


@PREPROCESSING.register(
    "construct", title="Construct features", category="Features",
    params=(
        Param("squares", bool, True, "Add x² for every feature."),
        Param("products", bool, True, "Add x_i·x_j for every pair of features."),
        Param("sines", bool, False, "Add sin(x) for every feature."),
        Param("keep_original", bool, True, "Keep the original features as well."),
        Param("keep", str, "", "Only these of the columns made, by name, separated by ',' (the Playground's feature "
              "toggles); empty keeps them all."),
    ),
    help="""
Adds new input columns computed from the old ones, as in TensorFlow Playground: x1², x2², x1·x2, sin(x1)…
With x1² + x2² a single neuron can draw a circle; with x1·x2 it can solve XOR. Good features make a small
network enough; too many slow training and invite overfitting (pairs grow with the square of the columns).""",
)
class Construct(StepKind):
    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        require_table(x, "Construct features")
        if p["products"] and x.shape[1] > MAX_PRODUCT_FEATURES:
            raise DataError(
                f"Construct features: {x.shape[1]} columns would make {x.shape[1] * (x.shape[1] - 1) // 2} pair products; "
                f"turn off 'products' or reduce to at most {MAX_PRODUCT_FEATURES} columns first (PCA or feature selection)"
            )
        if not (p["squares"] or p["products"] or p["sines"] or p["keep_original"]):
            raise DataError("Construct features: every option is off, so no column would remain; turn at least one on")
        wanted = [n.strip() for n in p["keep"].split(",") if n.strip()]
        if not wanted:
            return {}
        made = cls.feature_names({**p, "keep": ""}, {}, names)
        unknown = [n for n in wanted if n not in made]
        if unknown:
            raise DataError(f"Construct features: no column named '{unknown[0]}' is made (made: {', '.join(made)}); "
                            "fix 'keep' or leave it empty to keep them all")
        return {"keep": np.asarray([made.index(n) for n in wanted], dtype=np.int64)}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        x = as_float(x, "Construct features")
        parts = [x] if p["keep_original"] else []
        if p["squares"]:
            parts.append(x * x)
        if p["products"]:
            i, j = np.triu_indices(x.shape[1], k=1)
            parts.append(x[:, i] * x[:, j])
        if p["sines"]:
            parts.append(np.sin(x))
        out = np.concatenate(parts, axis=1)
        return out[:, state["keep"]] if "keep" in state else out

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        # Same order as ``transform``'s columns.
        out = list(names) if p["keep_original"] else []
        if p["squares"]:
            out += [f"{n}²" for n in names]
        if p["products"]:
            i, j = np.triu_indices(len(names), k=1)
            out += [f"{names[a]}·{names[b]}" for a, b in zip(i, j, strict=True)]
        if p["sines"]:
            out += [f"sin({n})" for n in names]
        return [out[i] for i in state["keep"]] if "keep" in state else out


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

        flat = as_float(flat_rows(x), "PCA")
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
        flat = as_float(flat_rows(x), "PCA")
        return (flat - state["mean"]) @ state["components"].T / np.where(state["scale"] > 1e-12, state["scale"], 1.0)

    @classmethod
    def feature_names(cls, p: dict[str, Any], state: State, names: list[str]) -> list[str]:
        return [f"PC{i + 1} ({100 * v:.0f}%)" for i, v in enumerate(state["explained"])]
