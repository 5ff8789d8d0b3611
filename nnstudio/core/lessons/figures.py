"""The named figures a lesson reads off a finished run (test accuracy, the train-test gap, a layer's gradient
norm ...), and the activation curves the Neurons lesson plots.

A lesson names a figure as ``figure@run`` (``test_accuracy@relu``): the figure's name from :data:`FIGURES`
and the name its ``train`` action gave the run. The window and the CLI compute them the same way: attach a
:class:`GradientRecorder` to the run, then call :func:`run_figures` on the finished run's trainer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from nnstudio.core.base.registry import LAYERS
from nnstudio.core.data.bundle import Split
from nnstudio.core.generative.gan import GanTrainer
from nnstudio.core.insight.stats import layer_grad_norms
from nnstudio.core.lessons import model_figures as mf
from nnstudio.core.lessons import story_figures as story
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import Trainer
from nnstudio.core.training.state import RunResult, TrainingState

ACTIVATIONS_CATEGORY = "Activations"


class GradientRecorder(Callback):
    """Each parametrised layer's gradient norm, averaged over the first epoch's batches: how much learning
    signal reaches each layer while the weights are still near their start (where vanishing shows)."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.batches = 0

    def on_batch_end(self, state: TrainingState, loss: float) -> None:
        if state.epoch != 1:  # epoch 1 only: later batches cost a sync each for nothing
            return
        for name, norm in layer_grad_norms(state.model).items():
            self.sums[name] = self.sums.get(name, 0.0) + norm
        self.batches += 1

    def by_layer(self) -> dict[str, float]:
        """Layer name -> mean gradient norm, input side first (the order of the network's layers)."""
        return {name: total / self.batches for name, total in self.sums.items()} if self.batches else {}

    def norms(self) -> list[float]:
        return list(self.by_layer().values())


@dataclass
class FinishedRun:
    """What the figures read: the run's trainer (its model and data), result and first-epoch gradients."""

    trainer: Trainer | None  # None for a GAN: its two networks train in ``gan`` instead
    result: RunResult | None
    grad_norms: list[float] = field(default_factory=list)
    gan: GanTrainer | None = None
    _scores: dict[str, dict[str, float]] = field(default_factory=dict)

    def score(self, split: str) -> dict[str, float]:
        """Loss and task metric of the final weights on one split, in evaluation mode (dropout off)."""
        if split not in self._scores:
            data = {"train": self.trainer.bundle.train, "test": self.trainer.bundle.test}[split]
            device = self.trainer.device
            self._scores[split] = self.trainer.evaluate_split(Split(data.x.to(device), data.y.to(device)), split)
        return self._scores[split]


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    help: str
    compute: Callable[[FinishedRun], float]


def _metric(split: str, metric: str) -> Callable[[FinishedRun], float]:
    return lambda run: float(run.score(split).get(f"{split}_{metric}", math.nan))


def _mse(split: str) -> Callable[[FinishedRun], float]:
    return lambda run: _metric(split, "rmse")(run) ** 2


def _gap(run: FinishedRun) -> float:
    return _metric("train", "accuracy")(run) - _metric("test", "accuracy")(run)


def _epochs_to(target: float) -> Callable[[FinishedRun], float]:
    def compute(run: FinishedRun) -> float:
        for epoch, value in enumerate(run.result.history.get("val_accuracy", []), start=1):
            if value >= target:
                return float(epoch)
        return math.nan  # never reached: null in JSON, "not reached" in words
    return compute


def _vae(figure: str) -> Callable[[FinishedRun], float]:
    """A VAE's figure on the test split, as ``nnstudio evaluate`` reports it (NaN for a network with no latent)."""
    def compute(run: FinishedRun) -> float:
        from nnstudio.core.evaluate.vae_figures import vae_figures
        test = vae_figures(run.trainer.model.eval(), run.trainer.bundle).get("test", {})
        return float(test.get(figure, math.nan))
    return compute


def _diffusion(figure: str) -> Callable[[FinishedRun], float]:
    """A diffusion model's figure against the test points, as ``nnstudio evaluate`` reports it (NaN otherwise)."""
    def compute(run: FinishedRun) -> float:
        from nnstudio.core.generative.diffusion import diffusion_figures
        model = run.trainer.model.eval()
        return float(diffusion_figures(model, run.trainer.bundle.test.x.to(run.trainer.device)).get(figure, math.nan))
    return compute


def _gan(figure: str) -> Callable[[FinishedRun], float]:
    """A GAN's coverage or distance to the data, as its own view measures them (NaN for any other run)."""
    def compute(run: FinishedRun) -> float:
        if run.gan is None:
            return math.nan
        with torch.no_grad():
            return float(run.gan.measure()[figure])
    return compute


def _grad(index: int) -> Callable[[FinishedRun], float]:
    return lambda run: run.grad_norms[index] if run.grad_norms else math.nan


FIGURES: dict[str, Figure] = {f.name: f for f in (
    Figure("train_accuracy", "Training accuracy", "Share of training examples the final network gets right "
           "(scored with dropout off).", _metric("train", "accuracy")),
    Figure("test_accuracy", "Test accuracy", "Share of the held-back test examples the final network gets right.",
           _metric("test", "accuracy")),
    Figure("accuracy_gap", "Train-test gap", "Training accuracy minus test accuracy: how much better the network "
           "does on examples it has seen. A large gap is overfitting.", _gap),
    Figure("train_mse", "Training MSE", "Mean squared error on the training examples (in the scaled target's "
           "units).", _mse("train")),
    Figure("test_mse", "Test MSE", "Mean squared error on the held-back test examples.", _mse("test")),
    Figure("epochs", "Epochs trained", "How many epochs the run trained (early stopping can end it sooner).",
           lambda run: float(run.result.epochs)),
    Figure("epochs_to_90", "Epochs to 90%", "The first epoch whose validation accuracy reached 0.9 (empty when "
           "the run never got there).", _epochs_to(0.9)),
    Figure("final_train_loss", "Final training loss", "The training loss of the last epoch.",
           lambda run: float(run.result.last("train_loss"))),
    Figure("first_layer_grad_norm", "First layer's gradient", "Size of the gradient reaching the first layer, "
           "averaged over the first epoch's batches.", _grad(0)),
    Figure("last_layer_grad_norm", "Last layer's gradient", "Size of the gradient reaching the output layer, "
           "averaged over the first epoch's batches.", _grad(-1)),
    Figure("slope_error", "Slope error", "How far the fitted line's slope is from the true one (in the data's "
           "units).", story.slope_error),
    Figure("vault_accuracy", "Vault accuracy", "Accuracy on the vault: held-back photos taken like the training "
           "ones.", story.vault_accuracy),
    Figure("new_photos_accuracy", "New photos accuracy", "Accuracy on the new photos, where the weather says "
           "nothing about the tank.", story.new_photos_accuracy),
    Figure("gradcam_tank_share", "Grad-CAM inside the tank", "Share of Grad-CAM's positive mass inside the tank's "
           "box, over the vault's tank photos.", story.gradcam_tank_share),
    Figure("tank_area_share", "Tank's share of the photo", "The tank box's share of the image: what Grad-CAM "
           "would put there by looking everywhere alike.", story.tank_area_share),
    Figure("gradient_error", "Hand-worked vs autograd", "The largest difference between a weight's gradient "
           "worked out by the chain rule and the one torch.autograd computes, for the run's first sample.",
           lambda run: mf.gradient_error(run.trainer)),
    Figure("loss_before_step", "Loss before the step", "The first training sample's loss under the untrained "
           "network.", lambda run: mf.loss_before_step(run.trainer)),
    Figure("loss_after_step", "Loss after the step", "The same sample's loss under the network the run left.",
           lambda run: mf.loss_after_step(run.trainer)),
    Figure("loss_drop", "Loss drop", "Loss before the step minus loss after it: positive when the step helped.",
           lambda run: mf.loss_before_step(run.trainer) - mf.loss_after_step(run.trainer)),
    Figure("untrained_test_mse", "Untrained test MSE", "Mean squared error on the test examples of the run's "
           "network before it trained (the same seed's starting weights).", lambda run: mf.untrained_test_mse(run.trainer)),
    Figure("latent_knn_accuracy", "5-nearest-neighbour accuracy in the code", "Share of test digits whose class is "
           "the majority of the 5 training digits nearest to them at the network's bottleneck.",
           lambda run: mf.latent_knn_accuracy(run.trainer)),
    Figure("parameters", "Parameters", "How many numbers the network learns (its weights and biases).",
           lambda run: mf.parameter_count(run.trainer)),
    Figure("attention_row_sum_error", "Attention rows' sums", "The largest distance from 1 of the sum of any row "
           "of the first attention layer's weights (every test example, every head): each row is a share of "
           "attention over the steps.", lambda run: mf.attention_row_sum_error(run.trainer)),
    Figure("vae_reconstruction_error", "VAE reconstruction error", "Squared error between a test example and the "
           "VAE's rebuilt copy of it from its mean code, summed over the example's values.",
           _vae("reconstruction_error")),
    Figure("vae_kl", "VAE KL term", "How far the test examples' codes are, on average, from the standard normal "
           "the decoder samples from (0: the code carries nothing about the example).", _vae("kl")),
    Figure("sample_distance", "Samples' distance to the data", "Energy distance between 500 points the diffusion "
           "model draws and the test points (0: the same spread).", _diffusion("sample_distance")),
    Figure("noise_distance", "Noise's distance to the data", "Energy distance between the random noise those "
           "samples started from and the test points: where the model begins.", _diffusion("noise_distance")),
    Figure("gan_coverage", "GAN coverage", "Share of the real data's modes the generator's samples reach.",
           _gan("coverage")),
    Figure("gan_distance", "GAN distance to the data", "Energy distance between the generator's samples and the "
           "real points (0: the same spread).", _gan("distance")),
)}


def run_figures(run: FinishedRun, names: list[str] | None = None) -> dict[str, float]:
    """The named figures (default: all) of one finished run."""
    return {name: FIGURES[name].compute(run) for name in (names or list(FIGURES))}


def swappable_activations() -> list[str]:
    """Activation kinds a lesson may switch a network to (softmax is an output, not a hidden activation)."""
    return [e.name for e in LAYERS.categories().get(ACTIVATIONS_CATEGORY, []) if e.name != "softmax"]


def activation_curve(kind: str, xs: torch.Tensor, params: dict | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """An activation's values and its derivative at ``xs`` (by autograd, so it is the derivative training uses)."""
    entry = LAYERS.get(kind)
    module = entry.obj.build(entry.validate(params or {}, kind), (int(xs.numel()),))
    x = xs.detach().clone().float().requires_grad_(True)
    y = module(x)
    (dy,) = torch.autograd.grad(y.sum(), x)
    return y.detach(), dy.detach()
