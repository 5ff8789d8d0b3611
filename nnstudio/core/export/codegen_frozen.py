"""Frozen layers in an exported script: they get no gradients, stay in evaluation mode, are left out of the
optimizer, and start from the weights the project holds for them (a ``_frozen.npz`` beside the script), as in
the app (see :mod:`nnstudio.core.arch.freeze`)."""

from __future__ import annotations

import re

import numpy as np

from nnstudio.core.arch.builder import plan
from nnstudio.core.arch.freeze import frozen_weights
from nnstudio.core.arch.spec import ArchitectureSpec, LayerSpec
from nnstudio.core.project.spec import Project

TRAINABLE = "(p for p in model.parameters() if p.requires_grad)"  # what the optimizer gets when layers are frozen


def exported_name(key: str) -> str:
    """The app's state-dict name as the exported class spells it: a residual block's inner layers are
    attributes of the model itself ("residual4.body.linear1.weight" -> "residual4_linear1.weight")."""
    return key.replace(".body.", "_")


def frozen_attrs(spec: ArchitectureSpec) -> list[str]:
    """The exported class's attributes of every frozen layer (each inner layer of a frozen block)."""
    out: list[str] = []

    def walk(layers: list[LayerSpec], prefix: str, frozen: bool) -> None:
        for position, layer in enumerate(layers, start=1):
            attr = f"{prefix}{layer.kind}{position}"
            if layer.children is not None:
                walk(layer.children, f"{attr}_", frozen or layer.frozen)
            elif frozen or layer.frozen:
                out.append(attr)

    walk(spec.layers, "", False)
    return out


def class_code(spec: ArchitectureSpec) -> tuple[str, str]:
    """The end of ``__init__`` and a ``train`` method for the model class; empty without frozen layers."""
    attrs = frozen_attrs(spec)
    if not attrs:
        return "", ""
    listed = ", ".join(f"self.{a}" for a in attrs)
    init = ("        # Frozen layers (transfer learning): no gradients, so training leaves their weights as they are.\n"
            f"        self.frozen_layers = [{listed}]\n"
            "        for layer in self.frozen_layers:\n"
            "            layer.requires_grad_(False)\n")
    method = '''
    def train(self, mode=True):
        """Frozen layers always run as when evaluating (a BatchNorm keeps the statistics it learned)."""
        super().train(mode)
        for layer in self.frozen_layers:
            layer.eval()
        return self
'''
    return init, method


def frozen_arrays(project: Project, input_shape: tuple[int, ...]) -> dict[str, np.ndarray] | None:
    """The frozen layers' weights as the exported class names them, or None when the project holds none that fit."""
    own = plan(project.architecture, input_shape).module.state_dict()  # names and shapes only (meta)
    kept, _ = frozen_weights(own, project.architecture.layers, project.weights)
    return {exported_name(k): v.detach().cpu().numpy() for k, v in kept.items()} or None


def loader_code(file_name: str) -> str:
    return f'''
FROZEN_WEIGHTS = Path(__file__).with_name({file_name!r})  # the frozen layers' trained weights, from nnstudio


@torch.no_grad()
def load_frozen_weights(model):
    """Give the frozen layers the weights they learned before (training keeps them so)."""
    own = model.state_dict()
    with np.load(FROZEN_WEIGHTS) as saved:
        for name in saved.files:
            own[name].copy_(torch.from_numpy(saved[name]))
    return model
'''


def call_after_model(loop: str, class_name: str) -> str:
    """``load_frozen_weights(model)`` right after the line that creates the model (and seeds it)."""
    pattern = re.compile(rf"^(\s*)(model = (?:reset_weights\()?{re.escape(class_name)}\(\)[^\n]*)$", re.M)
    return pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}\n{m.group(1)}load_frozen_weights(model)", loop, count=1)


def honour_frozen(loop: str, class_name: str, weights_file: str | None) -> str:
    """The training code with frozen layers left out of the optimizer and the L1 penalty, and (given the
    weights file) their weights loaded once the model is made."""
    loop = re.sub(r"(torch\.optim\.\w+\()model\.parameters\(\)", lambda m: m.group(1) + TRAINABLE, loop)
    loop = loop.replace("if p.ndim > 1]", "if p.ndim > 1 and p.requires_grad]").replace(
        "if w.ndim > 1)", "if w.ndim > 1 and w.requires_grad)")
    return call_after_model(loop, class_name) if weights_file else loop
