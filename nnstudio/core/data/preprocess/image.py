"""Image steps: scale pixels to [0, 1], normalize each channel, resize."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.base.registry import PREPROCESSING, Param
from nnstudio.core.data.preprocess.base import Info, State, StepKind, as_float, require_images

RESIZE_CHUNK = 512  # images per interpolate call, which bounds its temporary buffers on a large dataset


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
        require_images(x, "Scale pixels to [0, 1]")
        if p["maximum"] != "auto":
            return {"divisor": float(p["maximum"])}
        top = float(np.nanmax(x)) if x.size else 1.0
        return {"divisor": 255.0 if top > 1.0 else 1.0}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        return as_float(x, "Scale pixels") / state["divisor"]


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
        require_images(x, "Normalize channels")
        x = as_float(x, "Normalize channels")
        # Colour images (N, C, H, W) get one mean per channel; grey ones (N, H, W) a single mean.
        axes = (0, 2, 3) if x.ndim == 4 else (0, 1, 2)
        mean, std = np.nanmean(x, axis=axes), np.nanstd(x, axis=axes)
        return {"mean": np.atleast_1d(mean).astype(np.float32), "std": np.atleast_1d(np.where(std > 1e-12, std, 1.0)).astype(np.float32)}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        shape = (1, -1, 1, 1) if x.ndim == 4 else (1, 1, 1)
        return (as_float(x, "Normalize channels") - state["mean"].reshape(shape)) / state["std"].reshape(shape)


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
        require_images(x, "Resize images")
        return {}

    @classmethod
    def transform(cls, p: dict[str, Any], state: State, x: np.ndarray) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        x = as_float(x, "Resize images")
        squeeze = x.ndim == 3  # grey images get a channel axis for interpolate, and lose it again
        t = torch.from_numpy(np.ascontiguousarray(x[:, None] if squeeze else x))
        size = (p["height"], p["width"])
        shrinking = size[0] < t.shape[-2] or size[1] < t.shape[-1]
        with torch.no_grad():
            out = torch.cat([
                F.interpolate(t[i : i + RESIZE_CHUNK], size=size, mode="bilinear", align_corners=False, antialias=shrinking)
                for i in range(0, len(t), RESIZE_CHUNK)
            ]) if len(t) else t.new_zeros((0, t.shape[1], *size))
        out = out.numpy()
        return out[:, 0] if squeeze else out
