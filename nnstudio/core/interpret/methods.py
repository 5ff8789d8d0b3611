"""The attribution methods, registered into ATTRIBUTIONS with their parameters and explanations.

Each entry's object is ``compute(call) -> Computed``. Its ``extra`` says when it applies (see
``nnstudio.core.interpret.availability``) and how many model evaluations it expects, for the progress bar.
Every method attributes the model's raw output for the target (the logit, for a classifier).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from nnstudio.core.base.registry import ATTRIBUTIONS, Param
from nnstudio.core.interpret.baselines import BASELINE_HELP, BASELINES, make_baseline
from nnstudio.core.interpret.control import AttributionError, GuardedModel
from nnstudio.core.interpret.masks import column_feature_mask, image_feature_mask
from nnstudio.core.interpret.subject import Subject, find_layer


@dataclass
class MethodCall:
    model: GuardedModel  # what Captum calls: checks Cancel, counts evaluations
    x: torch.Tensor  # one example with a batch dimension of 1
    target: int | None
    params: dict[str, Any]
    subject: Subject


@dataclass
class Computed:
    values: torch.Tensor  # shaped like ``x`` (Grad-CAM: batch x 1 x height x width)
    delta: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _batch(default: int = 32) -> Param:
    return Param(
        "batch", int, default,
        "Examples sent to the network per call. Larger is faster; Cancel takes effect between calls.", 1, 4096,
        label="Batch size",
    )


def _baseline(default: str = "zeros") -> Param:
    return Param("baseline", str, default, BASELINE_HELP, choices=BASELINES)


def _samples(default: int, help: str) -> Param:
    return Param("samples", int, default, help, 1, 100_000)


SEGMENT_PARAMS = (
    Param(
        "segmentation", str, "slic",
        "How pixels are grouped into superpixels: slic follows edges and brightness, grid uses square cells.",
        choices=("slic", "grid"), label="Superpixels",
    ),
    Param("segments", int, 16, "About how many superpixels the image is cut into.", 2, 400),
)
SEED = Param("seed", int, 0, "Random seed for the sampled perturbations, so a run can be repeated.", 0, 2**31 - 1)


def _target(call: MethodCall) -> int | None:
    return call.target


def _conv_layer(call: MethodCall) -> nn.Module:
    name = call.params.get("layer") or (call.subject.conv_layers[-1] if call.subject.conv_layers else "")
    if name not in call.subject.conv_layers:
        known = ", ".join(call.subject.conv_layers) or "none"
        raise AttributionError(f"{name!r} is not a convolutional layer of this network; choose one of: {known}")
    return find_layer(call.model.inner, name)


def _feature_mask(call: MethodCall) -> torch.Tensor:
    x = call.x[0].detach()
    if call.subject.layout == "image":
        mask = image_feature_mask(x.numpy(), call.params["segmentation"], call.params["segments"])
    else:
        mask = column_feature_mask(tuple(x.shape))
    return torch.as_tensor(mask).unsqueeze(0)


# ------------------------------------------------------------------------------------------ gradients
@ATTRIBUTIONS.register(
    "ig", title="Integrated Gradients", category="Gradients",
    params=(
        _baseline(),
        Param("steps", int, 50, "Points on the straight path from baseline to input. More steps, smaller convergence delta.", 2, 2000),
        Param(
            "integration", str, "gausslegendre",
            "How the path integral is approximated: Gauss-Legendre needs fewer steps than the trapezoid rule.",
            choices=("gausslegendre", "riemann_trapezoid"),
        ),
        _batch(),
    ),
    help="""
Walks in small steps from a baseline (an input that means "nothing", such as a black image) to the real
input and adds up the gradients along the way. Strengths: the attributions add up to the difference between
the network's score for the input and for the baseline (completeness), which the convergence delta checks;
every pixel that matters gets credit even where the network is saturated. Weaknesses: the answer depends on
the baseline you choose, and it costs one network call per step.""",
    needs_gradients=True, expected=lambda p, s: p["steps"] + 2,
)
def integrated_gradients(call: MethodCall) -> Computed:
    from captum.attr import IntegratedGradients

    p = call.params
    baseline = make_baseline(p["baseline"], call.x, call.subject)
    values, delta = IntegratedGradients(call.model).attribute(
        call.x, baselines=baseline, target=_target(call), n_steps=p["steps"], method=p["integration"],
        internal_batch_size=p["batch"], return_convergence_delta=True,
    )
    with torch.no_grad():
        ends = call.model.inner(torch.cat([call.x, baseline])).reshape(2, -1)
    gap = float(ends[0, call.target or 0] - ends[1, call.target or 0])
    return Computed(values, float(delta.abs().sum()), {"baseline": p["baseline"], "score_gap": gap})


@ATTRIBUTIONS.register(
    "saliency", title="Saliency (gradient)", category="Gradients",
    params=(Param("absolute", bool, True, "Show the size of each gradient and drop its sign."),),
    help="""
The gradient of the score with respect to each input: how much the score would change if that pixel or
feature moved a tiny bit. Strengths: one backward pass, instant. Weaknesses: noisy and local; it says what
would change the score, not what produced it, and saturated inputs get no credit at all.""",
    needs_gradients=True, expected=lambda p, s: 1,
)
def saliency(call: MethodCall) -> Computed:
    from captum.attr import Saliency

    return Computed(Saliency(call.model).attribute(call.x, target=_target(call), abs=call.params["absolute"]))


@ATTRIBUTIONS.register(
    "smoothgrad", title="SmoothGrad", category="Gradients",
    params=(
        _samples(25, "Noisy copies of the input whose gradients are averaged."),
        Param("noise", float, 0.15, "Noise standard deviation as a fraction of the input's value range.", 0.0, 2.0),
        Param(
            "variant", str, "smoothgrad",
            "smoothgrad averages the gradients, smoothgrad_sq their squares (sharper), vargrad their variance.",
            choices=("smoothgrad", "smoothgrad_sq", "vargrad"),
        ),
        Param("absolute", bool, True, "Use the size of each gradient and drop its sign."),
        _batch(), SEED,
    ),
    help="""
Saliency averaged over many copies of the input with random noise added (Captum's NoiseTunnel). Strengths:
the speckle of plain gradients averages out and the shape the network looks at stands out. Weaknesses: costs
one call per copy, and the noise level is a knob: too little changes nothing, too much blurs everything.""",
    needs_gradients=True, expected=lambda p, s: p["samples"],
)
def smoothgrad(call: MethodCall) -> Computed:
    from captum.attr import NoiseTunnel, Saliency

    p = call.params
    spread = float(call.x.detach().max() - call.x.detach().min()) or 1.0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(p["seed"])
        values = NoiseTunnel(Saliency(call.model)).attribute(
            call.x, nt_type=p["variant"], nt_samples=p["samples"], nt_samples_batch_size=p["batch"],
            stdevs=p["noise"] * spread, target=_target(call), abs=p["absolute"],
        )
    return Computed(values)


LAYER = Param("layer", str, "", "The convolutional layer whose feature maps are weighed; empty means the last one.")


@ATTRIBUTIONS.register(
    "gradcam", title="Grad-CAM", category="Gradients",
    params=(
        LAYER,
        Param("positive_only", bool, True, "Keep only regions that speak for the target (ReLU on the map)."),
    ),
    help="""
Takes a convolutional layer's feature maps, weighs each map by how much the score's gradient says it
matters, sums them and stretches the result back over the image. Strengths: a clear, class-specific picture
of where the network looked; robust to noise. Weaknesses: only as sharp as the chosen layer (a late layer
gives coarse blobs), and it needs a convolutional layer.""",
    needs_gradients=True, needs_conv=True, expected=lambda p, s: 1,
)
def gradcam(call: MethodCall) -> Computed:
    from captum.attr import LayerAttribution, LayerGradCam

    layer = _conv_layer(call)
    cam = LayerGradCam(call.model, layer).attribute(
        call.x, target=_target(call), relu_attributions=call.params["positive_only"]
    )
    upsampled = LayerAttribution.interpolate(cam, tuple(call.x.shape[-2:]), interpolate_mode="bilinear")
    return Computed(upsampled, extra={"layer": call.params.get("layer") or call.subject.conv_layers[-1]})


@ATTRIBUTIONS.register(
    "guided_gradcam", title="Guided Grad-CAM", category="Gradients",
    params=(LAYER,),
    help="""
Grad-CAM's coarse map multiplied pixel by pixel with guided backpropagation (gradients that only pass
through ReLUs where both the signal and the gradient are positive). Strengths: fine detail such as edges,
but only inside the region Grad-CAM picked. Weaknesses: guided backpropagation is known to highlight edges
even for a randomly initialised network, so treat it as a picture, not a proof.""",
    needs_gradients=True, needs_conv=True, expected=lambda p, s: 2,
)
def guided_gradcam(call: MethodCall) -> Computed:
    from captum.attr import GuidedGradCam

    layer = _conv_layer(call)
    values = GuidedGradCam(call.model, layer).attribute(call.x, target=_target(call), interpolate_mode="bilinear")
    return Computed(values, extra={"layer": call.params.get("layer") or call.subject.conv_layers[-1]})


# ------------------------------------------------------------------------------------------ perturbation
def _windows(p: dict[str, Any], subject: Subject) -> int:
    shape = subject.input_shape
    if subject.layout != "image":
        return math.prod(shape) + 1
    window, stride = min(p["window"], shape[1], shape[2]), p["stride"]
    return ((shape[1] - window) // stride + 1) * ((shape[2] - window) // stride + 1) + 1


@ATTRIBUTIONS.register(
    "occlusion", title="Occlusion", category="Perturbation",
    params=(
        Param("window", int, 3, "Side of the square patch that is covered, in pixels.", 1, 256),
        Param("stride", int, 1, "Step between patch positions, in pixels.", 1, 256),
        _baseline(),
        _batch(),
    ),
    help="""
Covers one patch of the input at a time (with the baseline) and records how much the score drops. Strengths:
needs no gradients and is easy to explain: "hide this and the network changes its mind". Weaknesses: one
network call per patch position, so it is slow on large images, and the result depends on the patch size:
objects smaller than the window blur together. On tabular data each column is hidden on its own.""",
    slow=True, expected=_windows,
)
def occlusion(call: MethodCall) -> Computed:
    from captum.attr import Occlusion

    p, shape = call.params, call.subject.input_shape
    if call.subject.layout == "image":
        window = min(p["window"], shape[1], shape[2])
        windows: tuple[int, ...] = (shape[0], window, window)
        strides: tuple[int, ...] = (shape[0], p["stride"], p["stride"])
    else:
        windows, strides = (1,) * len(shape), (1,) * len(shape)
    values = Occlusion(call.model).attribute(
        call.x, sliding_window_shapes=windows, strides=strides, target=_target(call),
        baselines=make_baseline(p["baseline"], call.x, call.subject), perturbations_per_eval=p["batch"],
    )
    return Computed(values)


@ATTRIBUTIONS.register(
    "lime", title="LIME", category="Perturbation",
    params=(
        _samples(200, "Random on/off patterns of the features, each one network call."),
        *SEGMENT_PARAMS,
        _baseline(),
        Param("alpha", float, 0.01, "Lasso strength of the surrogate: higher keeps fewer features.", 0.0, 10.0),
        _batch(), SEED,
    ),
    help="""
Switches random groups of features off (superpixels of an image, or columns of a table), asks the network
each time, and fits a small linear model that imitates the network near this one input; its weights are the
attributions. Strengths: works with any model, and the explanation is in human-sized pieces. Weaknesses:
random, so two runs differ; the answer depends on how the image is cut into superpixels; many calls.""",
    slow=True, uses_segments=True, expected=lambda p, s: p["samples"],
)
def lime(call: MethodCall) -> Computed:
    from captum._utils.models.linear_model import SkLearnLasso
    from captum.attr import Lime

    p = call.params
    mask = _feature_mask(call)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(p["seed"])
        explainer = Lime(call.model, interpretable_model=SkLearnLasso(alpha=p["alpha"]))
        values = explainer.attribute(
            call.x, baselines=make_baseline(p["baseline"], call.x, call.subject), target=_target(call),
            feature_mask=mask, n_samples=p["samples"], perturbations_per_eval=p["batch"],
        )
    return Computed(values, extra={"features": int(mask.max()) + 1, "feature_mask": mask[0].numpy()})


@ATTRIBUTIONS.register(
    "kernelshap", title="KernelSHAP", category="Perturbation",
    params=(
        _samples(200, "Random coalitions of features, each one network call."),
        *SEGMENT_PARAMS,
        _baseline(),
        _batch(), SEED,
    ),
    help="""
Estimates Shapley values, the game-theory answer to "how much did each player contribute", by switching
random coalitions of features off and fitting a weighted linear model. Strengths: the values add up to the
score minus the baseline's score and treat features fairly. Weaknesses: an estimate from samples (more
samples, steadier answer), features are switched off independently even when they go together, and it is
slow.""",
    slow=True, uses_segments=True, expected=lambda p, s: p["samples"],
)
def kernelshap(call: MethodCall) -> Computed:
    from captum.attr import KernelShap

    p = call.params
    mask = _feature_mask(call)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(p["seed"])
        values = KernelShap(call.model).attribute(
            call.x, baselines=make_baseline(p["baseline"], call.x, call.subject), target=_target(call),
            feature_mask=mask, n_samples=p["samples"], perturbations_per_eval=p["batch"],
        )
    return Computed(values, extra={"features": int(mask.max()) + 1, "feature_mask": mask[0].numpy()})
