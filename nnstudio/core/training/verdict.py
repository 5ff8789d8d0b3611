"""What a finished run is worth, in one sentence: a run that ends no better than guessing must not read as a
plain "Finished" (a huge learning rate can leave the loss finite while every ReLU dies)."""

from __future__ import annotations

import math

import torch

from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.evaluate.baselines import majority_class, training_mean

# Within two points of the guess counts as no better. The evaluation report's alarm is wider (5 points); at the
# end of a run only a network that learned nothing at all is called out, not one that is still early.
MARGIN = 0.02


def no_better_than_guessing(history: dict[str, list[float]], bundle: DataBundle, lr: float) -> str:
    """A warning when the last epoch's validation (or, without validation data, training) score is no better
    than the plain guess learned from the training labels (their most common class, or their mean), scored on
    that same split; '' otherwise, and when no epoch finished."""
    split = "validation" if history.get("val_loss") and len(bundle.validation) else "training"
    prefix = "val" if split == "validation" else "train"
    advice = f"the learning rate ({lr:g}) may be too high or too low, or the network may need more epochs"
    # The guesses are learned from the training labels and scored on the split the history's number comes
    # from: its class mix or spread may differ from the training split's.
    labels = bundle.train.y
    target = (bundle.validation if split == "validation" else bundle.train).y
    if bundle.task == CLASSIFICATION:
        scores = history.get(f"{prefix}_accuracy") or []
        if not scores or not len(labels) or labels.dim() != 1 or not len(target):
            return ""
        guess = float((target.long() == majority_class(bundle)).double().mean())
        score = scores[-1]
        if not math.isfinite(score) or score > guess + MARGIN:
            return ""
        return (f"The {split} accuracy is {score:.1%}, no better than always answering the most common class "
                f"({guess:.1%}): the network has not learned the task; {advice}.")
    scores = history.get(f"{prefix}_rmse") or []
    if not scores or not len(labels) or not len(target) or not math.isfinite(scores[-1]):
        return ""
    mean = torch.from_numpy(training_mean(bundle)).reshape(target.shape[1:])
    guess = math.sqrt(float(((target.double() - mean) ** 2).mean()))
    if scores[-1] < guess * (1 - MARGIN):
        return ""
    return (f"The {split} RMSE is {scores[-1]:.4g}, no better than always predicting the training mean "
            f"({guess:.4g}): the network has not learned the task; {advice}.")
