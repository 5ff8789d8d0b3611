"""Training-time augmentation of images: random flips, small rotations, random shifts.

These steps leave every split unchanged; ``FittedPipeline.augment`` applies them to training batches
(torch tensors of shape (N, C, H, W), on any device) with random numbers drawn from a CPU generator, so a
seeded run draws the same augmentations on CPU and GPU.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnstudio.core.base.registry import PREPROCESSING, Param
from nnstudio.core.data.preprocess.base import Info, State, StepKind, require_images


class _Augment(StepKind):
    """Identity on every split; changes only training batches, through ``FittedPipeline.augment``."""

    augments = True

    @classmethod
    def fit(cls, p: dict[str, Any], x: np.ndarray, y: np.ndarray, names: list[str], info: Info) -> State:
        require_images(x, "Augmentation")
        return {}


def _affine(xb: Any, theta: Any, mode: str) -> Any:
    """Resample a batch through per-image 2x3 affine matrices; the border pixels fill what moves in."""
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
