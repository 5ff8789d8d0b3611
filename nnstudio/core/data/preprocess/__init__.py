"""Preprocessing steps, fitted on the training split only and then applied unchanged to every split.

``base`` holds the step protocol; one module per category holds its steps (``impute``, ``scale``,
``encode``, ``features``, ``selection``, ``image``, ``augment``); ``pipeline`` fits, applies and saves them.
The registry (``PREPROCESSING``) imports this package on first look-up: the imports below register every
step.
"""

# Import order is registration order, which is the order the Data tab lists the steps in: keep it unsorted.
# isort: off
from nnstudio.core.data.preprocess.base import Info, State, StepKind
from nnstudio.core.data.preprocess.impute import Impute
from nnstudio.core.data.preprocess.scale import MinMax, Standardize
from nnstudio.core.data.preprocess.encode import OneHot
from nnstudio.core.data.preprocess.features import MAX_PRODUCT_FEATURES, PCA, Construct
from nnstudio.core.data.preprocess.selection import DropCorrelated, DropLowVariance
from nnstudio.core.data.preprocess.image import ImageNormalize, ImageResize, ImageScale
from nnstudio.core.data.preprocess.augment import AugmentCrop, AugmentFlip, AugmentRotate
from nnstudio.core.data.preprocess.pipeline import STATE_VERSION, FittedPipeline, FittedStep, fit_pipeline
# isort: on

__all__ = [
    "MAX_PRODUCT_FEATURES", "PCA", "STATE_VERSION", "AugmentCrop", "AugmentFlip", "AugmentRotate", "Construct",
    "DropCorrelated", "DropLowVariance", "FittedPipeline", "FittedStep", "ImageNormalize", "ImageResize",
    "ImageScale", "Impute", "Info", "MinMax", "OneHot", "Standardize", "State", "StepKind", "fit_pipeline",
]
