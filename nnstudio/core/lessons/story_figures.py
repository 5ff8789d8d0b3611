"""The figures of the story lessons that read more than a score: the fitted line's slope error (Cost functions),
and for the tank detector the accuracy on its two held-back sets and where Grad-CAM looked.

Each is ``compute(run) -> float`` over a finished run (``figures.FinishedRun``: its ``trainer`` holds the model
and the prepared data); :data:`nnstudio.core.lessons.figures.FIGURES` lists them with their titles.
NaN means the run's data does not have what the figure reads (a line without a true slope, photos without boxes).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
import torch

from nnstudio.core.data.bundle import Split
from nnstudio.core.data.tank_photos import NEW_PHOTOS
from nnstudio.core.training.engine import Trainer


class _Run(Protocol):
    trainer: Trainer

    def score(self, split: str) -> dict[str, float]: ...


def slope_error(run: _Run) -> float:
    """|fitted slope - true slope| of a one-input regression, in the data's own units: the network's output at
    x = 0 and x = 1 passed through the same preprocessing as training (so a standardized x still reads right)."""
    bundle = run.trainer.bundle
    true = bundle.meta.get("true_slope")
    if true is None or bundle.raw_shape != (1,):
        return math.nan
    raw = np.array([[0.0], [1.0]], dtype=np.float32)
    x, _ = bundle.pipeline.apply(raw, np.zeros(2, dtype=np.float32)) if bundle.pipeline is not None else (raw, None)
    model = run.trainer.model
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(torch.as_tensor(np.asarray(x, dtype=np.float32), device=run.trainer.device)).reshape(-1)
    finally:
        model.train(was_training)
    return abs(float(out[1] - out[0]) - float(true))


def vault_accuracy(run: _Run) -> float:
    """Accuracy on the test split: the vault, photos taken like the training ones but never trained on."""
    return float(run.score("test").get("test_accuracy", math.nan))


def new_photos_accuracy(run: _Run) -> float:
    """Accuracy on the extra split 'new photos', where the weather says nothing about the tank."""
    split = run.trainer.bundle.extra.get(NEW_PHOTOS)
    if split is None or not len(split):
        return math.nan
    device = run.trainer.device
    scores = run.trainer.evaluate_split(Split(split.x.to(device), split.y.to(device)), "new_photos")
    return float(scores.get("new_photos_accuracy", math.nan))


def _tank_boxes(run: _Run) -> np.ndarray | None:
    """The vault's tank boxes (x0, y0, x1, y1 as fractions of the image; NaN rows: no tank)."""
    boxes: Any = run.trainer.bundle.meta.get("boxes", {}).get("test")
    return None if boxes is None else np.asarray(boxes, dtype=np.float64)


def _box_mask(box: np.ndarray, height: int, width: int) -> np.ndarray:
    rows = (np.arange(height) + 0.5) / height
    cols = (np.arange(width) + 0.5) / width
    return ((cols[None, :] >= box[0]) & (cols[None, :] <= box[2])) & ((rows[:, None] >= box[1]) & (rows[:, None] <= box[3]))


def tank_area_share(run: _Run) -> float:
    """The tank box's share of the image, averaged over the vault's tank photos: where an attribution that
    looked everywhere alike would put that share of its mass."""
    boxes = _tank_boxes(run)
    if boxes is None:
        return math.nan
    height, width = run.trainer.bundle.test.x.shape[-2:]
    shares = [_box_mask(b, height, width).mean() for b in boxes if not np.isnan(b).any()]
    return float(np.mean(shares)) if shares else math.nan


def gradcam_tank_share(run: _Run) -> float:
    """Share of Grad-CAM's positive mass (for the class 'tank') that falls inside the tank's box, averaged over
    the vault's tank photos: well above :func:`tank_area_share` when the network looks at the tank, at or below
    it when it looks elsewhere (the sky)."""
    from nnstudio.core.interpret.explain import explain
    from nnstudio.core.interpret.subject import Subject

    boxes = _tank_boxes(run)
    trainer = run.trainer
    if boxes is None:
        return math.nan
    model = trainer.model.to("cpu")  # one example at a time: the CPU is quicker than a round trip per call
    try:
        subject = Subject.from_model(model, trainer.bundle)
        tank = trainer.bundle.class_names.index("tank")
        shares = []
        for x, box in zip(trainer.bundle.test.x, boxes, strict=True):
            if np.isnan(box).any():
                continue
            cam = np.clip(explain(model, subject, x, "gradcam", target=tank).heatmap(), 0.0, None)
            total = cam.sum()
            if total > 0:
                shares.append(float(cam[_box_mask(box, *cam.shape)].sum() / total))
    finally:
        trainer.model.to(trainer.device)
    return float(np.mean(shares)) if shares else math.nan
