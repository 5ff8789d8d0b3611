"""Trying the model by hand: turn a drawing, an image file or typed feature values into one model input.

Inputs are built in the data's own units (pixels, centimetres) and then passed through the project's
fitted preprocessing, exactly like the examples the network was trained on. The training examples in those
units come from the document's prepared data (``PreparedData.raw_view``); nothing here loads data again.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from nnstudio.core.base.errors import DataError
from nnstudio.core.data.assemble import RawView
from nnstudio.core.data.bundle import DataBundle


def is_image(bundle: DataBundle) -> bool:
    shape = bundle.raw_shape or bundle.input_shape
    return bool(bundle.meta.get("image")) or (len(shape) == 3 and shape[0] in (1, 3, 4) and min(shape[1:]) >= 4)


def image_size(bundle: DataBundle) -> tuple[int, int, int]:
    """(channels, height, width) of the data's images before preprocessing."""
    shape = tuple(bundle.raw_shape or bundle.input_shape)
    if len(shape) == 2:
        return 1, int(shape[0]), int(shape[1])
    if len(shape) != 3:
        raise DataError(f"This dataset's examples have shape {shape}, not an image; type feature values instead")
    return int(shape[0]), int(shape[1]), int(shape[2])


def from_raw(bundle: DataBundle, raw_example: np.ndarray) -> np.ndarray:
    """One example in the data's own units -> the model's input (preprocessing applied)."""
    raw = np.asarray(raw_example, dtype=np.float32).reshape((1, *(bundle.raw_shape or bundle.input_shape)))
    x = bundle.pipeline.transform(raw) if bundle.pipeline is not None else raw
    dtype = np.int64 if bundle.input_kind == "tokens" else np.float32
    return np.ascontiguousarray(np.asarray(x)[0].astype(dtype)).reshape(bundle.input_shape)


def resize_image(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a (C, H, W) or (H, W) float image; averaging when shrinking so thin strokes are kept as grey."""
    arr = np.asarray(image, dtype=np.float32)
    squeeze = arr.ndim == 2
    t = torch.from_numpy(np.ascontiguousarray(arr if not squeeze else arr[None]))[None]
    if t.shape[-2:] != (height, width):
        shrinking = t.shape[-2] >= height and t.shape[-1] >= width
        t = F.interpolate(t, size=(height, width), mode="area") if shrinking else F.interpolate(
            t, size=(height, width), mode="bilinear", align_corners=False, antialias=True
        )
    out = t[0].clamp(0, 1).numpy()
    return out[0] if squeeze else out


def match_polarity(image: np.ndarray, dataset_mean: float) -> tuple[np.ndarray, bool]:
    """Invert a [0, 1] image whose background is the opposite of the dataset's (a dark pen on white paper
    for white-on-black digits). Returns the image and whether it was inverted."""
    border = np.concatenate([image[..., 0, :].ravel(), image[..., -1, :].ravel(), image[..., :, 0].ravel(), image[..., :, -1].ravel()])
    background_light = float(np.median(border)) > 0.5
    dataset_light = dataset_mean > 0.5
    if background_light != dataset_light:
        return 1.0 - image, True
    return image, False


def image_input(bundle: DataBundle, image: np.ndarray, value_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """A [0, 1] image of any size (grey (H, W) or (C, H, W)) -> the model input for this data."""
    return from_raw(bundle, image_raw(bundle, image, value_range))


def image_raw(bundle: DataBundle, image: np.ndarray, value_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """A [0, 1] image of any size -> one example in the data's own units, before preprocessing.

    The image is resized to the data's resolution, given the data's number of channels, and mapped onto the
    training split's raw value range (so ink 1.0 becomes 16 for 0..16 pixels, or 255 for bytes)."""
    channels, height, width = image_size(bundle)
    img = np.asarray(image, dtype=np.float32)
    if img.ndim == 2:
        img = img[None]
    img = resize_image(img, height, width)
    if img.shape[0] != channels:
        grey = img.mean(axis=0, keepdims=True)
        img = np.repeat(grey, channels, axis=0)
    lo, hi = value_range
    raw = lo + img * (hi - lo)
    return raw.reshape((*(bundle.raw_shape or (channels, height, width)),))


# A drawn pixel is unseen when it is inked more than half the full range beyond the strongest ink any training
# image has there: strokes are bolder than scanned digits everywhere, but ink in a blank border is news.
IMAGE_MARGIN = 0.5


def unseen_features(raw: RawView, example: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """Indices (flattened) of the features where ``example`` (in the data's own units) lies outside what the
    training split held there, by more than ``margin`` times the data's whole value range. A network has never
    been shown such an input, so its answer may be confidently wrong: a digit drawn into the border pixels
    the training digits leave blank, a flower twice as large as any it has seen."""
    values = np.asarray(example, dtype=np.float64).reshape(-1)
    low, high = raw.value_range
    slack = margin * (high - low) + 1e-6 * max(1.0, high - low)  # float noise is not news
    return np.flatnonzero((values < raw.minimum - slack) | (values > raw.maximum + slack))


def feature_input(bundle: DataBundle, values: list[float] | np.ndarray) -> np.ndarray:
    """Typed feature values (raw units, one per feature) -> the model input."""
    size = int(np.prod(bundle.raw_shape or bundle.input_shape))
    values = np.asarray(values, dtype=np.float32).reshape(-1)
    if values.size != size:
        raise DataError(f"The model needs {size} feature values but got {values.size}; fill in every field")
    if not np.all(np.isfinite(values)):
        raise DataError("Every feature value must be a number; check the empty or invalid fields")
    return from_raw(bundle, values)
