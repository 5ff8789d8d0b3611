"""Which methods, parameters and choices apply to a model and its input, and if not, why not.

The GUI disables what does not apply and shows the reason as the tooltip; ``explain`` refuses it with the
same sentence.
"""

from __future__ import annotations

from nnstudio.core.base.registry import ATTRIBUTIONS, Entry
from nnstudio.core.interpret.subject import IMAGE, Subject


def method_reason(entry: Entry, subject: Subject) -> str:
    """Empty when ``entry`` applies to ``subject``, otherwise why it does not."""
    if subject.input_kind == "tokens":
        return (
            f"{entry.title} needs inputs that can change a little at a time; this network reads whole-number "
            "tokens, whose attributions live in the embedding layer"
        )
    if entry.extra.get("needs_conv"):
        if subject.layout != IMAGE:
            return f"{entry.title} paints a convolutional layer's view back onto an image; this input is not an image"
        if not subject.conv_layers:
            return (
                f"{entry.title} needs a convolutional layer and this network has none; add a Conv2d layer, "
                "or use Integrated Gradients or Occlusion"
            )
    return ""


def param_reasons(entry: Entry, subject: Subject) -> dict[str, str]:
    """Parameters that have no effect on this input, with why (e.g. superpixels on tabular data)."""
    reasons: dict[str, str] = {}
    if subject.layout != IMAGE:
        for name in ("segmentation", "segments"):
            if any(p.name == name for p in entry.params):
                reasons[name] = (
                    "Superpixels group neighbouring pixels of an image; this input has no image, so each column "
                    "(feature) is one piece of the explanation"
                )
        if entry.name == "occlusion":
            for name in ("window", "stride"):
                reasons[name] = "Patches cover neighbouring pixels of an image; on this input each column is hidden on its own"
    return reasons


def choice_reasons(entry: Entry, subject: Subject) -> dict[tuple[str, str], str]:
    """Individual choices of pick-list parameters that do not apply, keyed by (parameter, choice).

    Parameters that are ignored as a whole (``param_reasons``) are not listed here.
    """
    reasons: dict[tuple[str, str], str] = {}
    for p in entry.params:
        if p.name == "baseline":
            if subject.layout != IMAGE:
                reasons[(p.name, "blurred")] = "Blurring mixes neighbouring pixels; this input is not an image"
            if subject.train_mean is None:
                reasons[(p.name, "mean")] = "The average training example is not known for this data"
    return reasons


def available_methods(subject: Subject) -> dict[str, str]:
    """Every registered method name mapped to "" (usable) or the reason it is not."""
    return {entry.name: method_reason(entry, subject) for entry in ATTRIBUTIONS}
