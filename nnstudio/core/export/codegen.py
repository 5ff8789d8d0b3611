"""Export a project as a self-contained PyTorch script in the style of the lecture's SimpleNN.

The script holds an ``nn.Module`` subclass (layers in ``__init__``, one line per layer in ``forward``), the
data loading, the loss, the optimizer and a training loop, and needs only torch and numpy (plus
scikit-learn where a built-in dataset is regenerated). Built-in datasets are regenerated with the same
seed and split; anything else (the user's files, preprocessing steps the script cannot redo) is written
beside the script as a ``.npz`` of the prepared splits.

Two variants. The default reads like the lecture: a ``DataLoader`` over a ``TensorDataset``, a plain loop,
the test score at the end, and only the code the project's settings use; it learns as well as the app but
not number for number. ``exact=True`` spells out the app's own seeds and batch order instead, so a run of
the script follows the app's run closely. The pieces live in ``codegen_data`` and ``codegen_train``.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
from torch import nn

from nnstudio.core.arch import modules as helper_modules
from nnstudio.core.arch.builder import build
from nnstudio.core.arch.freeze import has_frozen
from nnstudio.core.arch.layers_vae import GaussianLatent
from nnstudio.core.arch.spec import ArchitectureSpec, LayerSpec
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.export import codegen_frozen
from nnstudio.core.export.codegen_data import (
    data_code_exact,
    data_code_idiomatic,
    sidecar_arrays,
    sidecar_code_exact,
    sidecar_code_idiomatic,
)
from nnstudio.core.export.codegen_text import _doc, class_name_for
from nnstudio.core.export.codegen_train import (
    LOOP_EXACT,
    loop_code_idiomatic,
    loss_code_exact,
    loss_code_idiomatic,
    optimizer_code_exact,
    schedule_code,
)
from nnstudio.core.export.codegen_vae import with_latents
from nnstudio.core.project.spec import Project

__all__ = ["class_name_for", "export_project", "generate", "model_code", "sidecar_arrays", "_doc"]


# ----------------------------------------------------------------------------- the model class
def _module_expr(module: nn.Module) -> str:
    """Python that constructs ``module``: torch's own repr for torch layers, our helpers' arguments."""
    cls = type(module)
    if hasattr(module, "constructor_args"):
        return f"{cls.__name__}({module.constructor_args()})"
    if cls.__module__.startswith("torch.nn") and not list(module.children()):
        return f"nn.{module!r}"
    raise NNStudioError(f"Cannot export a {cls.__name__} layer as code yet; remove it or train inside nnstudio")


def _model_lines(layers: list[LayerSpec], module: nn.Sequential, prefix: str, init: list[str], fwd: list[str], indent: str, helpers: set) -> None:
    for (name, child), spec in zip(module.named_children(), layers, strict=True):
        attr = f"{prefix}{name}"
        if spec.children is not None:  # a residual block: the skip connection spelled out
            fwd.append(f"{indent}skip = x  # residual block {attr}: x + f(x)")
            _model_lines(spec.children, child.body, f"{attr}_", init, fwd, indent, helpers)
            fwd.append(f"{indent}x = x + skip")
            continue
        if hasattr(child, "constructor_args"):
            helpers.add(type(child))
        init.append(f"        self.{attr} = {_module_expr(child)}")
        fwd.append(f"{indent}x = self.{attr}(x)")


def model_code(spec: ArchitectureSpec, input_shape: tuple[int, ...]) -> tuple[str, str, str]:
    """(helper class sources, the model class, its name) for ``spec`` built on ``input_shape``."""
    built = build(spec, input_shape)
    init: list[str] = []
    fwd: list[str] = []
    helpers: set[type] = set()
    _model_lines(spec.layers, built.module, "", init, fwd, "        ", helpers)
    # Residual blocks use a local ``skip`` each; nested ones need their own name.
    depth, out = 0, []
    for line in fwd:
        if "skip = x" in line:
            depth += 1
            line = line.replace("skip = x", f"skip{depth} = x")
            out.append(line)
        elif line.strip() == "x = x + skip":
            out.append(line.replace("skip", f"skip{depth}"))
            depth -= 1
        else:
            out.append(line)
    class_name = class_name_for(spec.name)
    ordered = [c for c in (*helper_modules.HELPER_MODULES, GaussianLatent) if c in helpers]
    helper_src = "\n\n".join(inspect.getsource(c) for c in ordered)
    frozen_init, frozen_train = codegen_frozen.class_code(spec)
    body = "\n".join(init) + ("\n" + frozen_init.rstrip("\n") if frozen_init else "") if init else "        pass"
    forward = "\n".join(out)
    model = f'''class {class_name}(nn.Module):
    {_doc(f"{spec.name}: {len(built.layers)} layers, {built.total_params:,} parameters, input {tuple(input_shape)}.")}

    def __init__(self):
        super().__init__()
{body}

    def forward(self, x):
{forward}
        return x
{frozen_train}'''
    return helper_src, model, class_name


# ----------------------------------------------------------------------------- the script
def _augmented(bundle: DataBundle) -> bool:
    return bool(bundle.pipeline is not None and getattr(bundle.pipeline, "augments", False))


def _script_doc(project: Project, bundle: DataBundle, skipped: list[str], sidecar: str | None, script_name: str,
                ddp: bool = False) -> str:
    """The module docstring: what the script is, how to run it, what it needs, the data, what it leaves out."""
    note = f"\nNot included: {', '.join(skipped)} (nnstudio applies them; this script trains without).\n" if skipped else ""
    needs = "and scikit-learn (to regenerate the dataset)" if sidecar is None else f"and the prepared data in {sidecar} beside it"
    if ddp:  # the same script on many processes: one per CPU share or per GPU
        needs += (f".\nOr on N processes: ``torchrun --standalone --nproc-per-node N {script_name}`` (BATCH_SIZE is\n"
                  "the batch of all processes together, so it must be a multiple of N)")
    return _doc(
        f"{project.name}: {project.architecture.name}, exported from nnstudio as plain PyTorch.\n\n"
        f"Run it with ``python {script_name}`` (``--epochs N`` to change the number of epochs). It needs torch and numpy\n"
        f"{needs}.\n{bundle.description}{note}"
    )


def _helpers_part(helpers: str) -> list[str]:
    return ["\n# Layers nnstudio adds to torch's own (the same code the app trains).\n" + helpers] if helpers else []


def _join(parts: list[str]) -> str:
    return "\n".join(p.rstrip("\n") + "\n" for p in parts)


def _frozen(project: Project, class_name: str, loop: str, frozen_file: str | None) -> tuple[str, list[str]]:
    """The loop honouring frozen layers, and the code that loads their weights (when they have some)."""
    if not has_frozen(project.architecture.layers):
        return loop, []
    return (codegen_frozen.honour_frozen(loop, class_name, frozen_file),
            [codegen_frozen.loader_code(frozen_file)] if frozen_file else [])


def _generate_exact(project: Project, bundle: DataBundle, sidecar_name: str, script_name: str,
                    frozen_file: str | None = None) -> tuple[str, dict[str, np.ndarray] | None]:
    """The app's own run spelled out: its seeds, its batch order and a branch for every option."""
    helpers, model, class_name = model_code(project.architecture, bundle.input_shape)
    data = data_code_exact(project, bundle)
    arrays = None
    if data is None:
        data, arrays = sidecar_code_exact(sidecar_name), sidecar_arrays(bundle)
    t = project.training
    skipped = [what for what, on in (
        ("the learning-rate schedule", t.schedule != "none"),
        ("early stopping", t.early_stopping),
        ("training-time augmentation", _augmented(bundle)),
    ) if on]
    header = f'''{_script_doc(project, bundle, skipped, None if arrays is None else sidecar_name, script_name)}

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SEED = {t.seed!r}
EPOCHS = {t.epochs!r}
BATCH_SIZE = {t.batch_size!r}
L1 = {t.l1!r}
GRAD_CLIP = {t.grad_clip!r}
CLASSIFICATION = {bundle.task == CLASSIFICATION}
'''
    loop = LOOP_EXACT.replace("MODEL_CLASS", class_name).replace("OPTIMIZER", optimizer_code_exact(project))
    loop, frozen = _frozen(project, class_name, loop, frozen_file)
    loop = with_latents(loop) if project.training.loss == "vae" else loop
    parts = [header, *_helpers_part(helpers), "\n" + model, *frozen, "\n" + data, "\n" + loss_code_exact(project, bundle), loop]
    return _join(parts), arrays


def _imports(code: str) -> str:
    """The import block: only what ``code`` uses."""
    first = (["import argparse"] + (["import math"] if "math." in code else []) + (["import os"] if "os.environ" in code else [])
             + (["from pathlib import Path"] if "Path(" in code else []))
    torch_lines = ["import numpy as np", "import torch"] + (["import torch.distributed as dist"] if "dist." in code else []) + (
        ["import torch.nn.functional as F"] if "F." in code else [])
    torch_lines += ["from torch import nn"] + (["from torch.nn.parallel import DistributedDataParallel"]
                                                if "DistributedDataParallel(" in code else [])
    torch_lines += ["from torch.utils.data import DataLoader, TensorDataset"] + (
        ["from torch.utils.data.distributed import DistributedSampler"] if "DistributedSampler(" in code else [])
    return "\n".join([*first, "", *torch_lines])


def _generate_idiomatic(project: Project, bundle: DataBundle, sidecar_name: str, script_name: str,
                        ddp: bool = False, frozen_file: str | None = None) -> tuple[str, dict[str, np.ndarray] | None]:
    """The lecture's spelling: a model class, a DataLoader, a plain loop, the test score at the end."""
    helpers, model, class_name = model_code(project.architecture, bundle.input_shape)
    data = data_code_idiomatic(project, bundle)
    arrays = None
    if data is None:
        data, arrays = sidecar_code_idiomatic(sidecar_name), sidecar_arrays(bundle)
    t = project.training
    has_val, has_test = len(bundle.validation) > 0, len(bundle.test) > 0
    schedule = schedule_code(project, has_val)
    skipped = [what for what, on in (
        ("the learning-rate schedule", schedule is None),
        ("early stopping", t.early_stopping),
        ("training-time augmentation", _augmented(bundle)),
    ) if on]
    settings = [
        f"SEED = {t.seed!r}  # the same seed gives the same starting weights and batch order",
        f"EPOCHS = {t.epochs!r}  # passes over the training set",
        f"BATCH_SIZE = {t.batch_size!r}  # examples per weight update",
        f"LEARNING_RATE = {t.lr!r}  # how big a step the optimizer takes",
    ]
    if t.l1:
        settings.append(f"L1 = {t.l1!r}  # strength of the L1 penalty on the weights")
    if t.grad_clip:
        settings.append(f"GRAD_CLIP = {t.grad_clip!r}  # the longest gradient allowed")
    loop = loop_code_idiomatic(project, bundle, class_name, schedule or ("", ""), has_val, has_test, ddp)
    loop, frozen = _frozen(project, class_name, loop, frozen_file)
    loop = with_latents(loop) if project.training.loss == "vae" else loop
    body = [
        *_helpers_part(helpers),
        "\n# ----------------------------------------------------------------------------- the network\n" + model, *frozen,
        "\n# ----------------------------------------------------------------------------- the data\n" + data,
        "\n# ----------------------------------------------------------------------------- training\n"
        + loss_code_idiomatic(project, bundle) + "\n" + loop,
    ]
    code = "\n".join(body)
    header = (f"{_script_doc(project, bundle, skipped, None if arrays is None else sidecar_name, script_name, ddp)}\n\n"
              f"{_imports(code)}\n\n# The project's settings\n" + "\n".join(settings) + "\n")
    return _join([header, *body]), arrays


def generate(
    project: Project, base_dir: Path | None = None, sidecar_name: str = "data.npz", script_name: str = "script.py",
    exact: bool = False, ddp: bool = False,
) -> tuple[str, dict[str, np.ndarray] | None]:
    """The script's text and, when the data cannot be regenerated, the arrays for the sidecar file.

    ``exact`` writes the app's run line for line (bit-for-bit parity); the default reads like the lecture.
    ``ddp``: the lecture's script, able to run under torchrun as well as under plain python."""
    text, arrays, _ = _generate(project, base_dir, sidecar_name, script_name, exact, ddp)
    return text, arrays


def _generate(project: Project, base_dir: Path | None, sidecar_name: str, script_name: str, exact: bool, ddp: bool
              ) -> tuple[str, dict[str, np.ndarray] | None, dict[str, np.ndarray] | None]:
    """The script, its data sidecar's arrays and its frozen layers' weights (``{stem}_frozen.npz``), or Nones."""
    if exact and ddp:  # before the data is built: refused at once
        raise NNStudioError("--ddp writes the lecture's script (DataLoader, DistributedSampler), not the app's exact "
                            "loop; drop --exact or --ddp")
    bundle = build_data(project.data, base_dir)
    frozen = codegen_frozen.frozen_arrays(project, bundle.input_shape) if has_frozen(project.architecture.layers) else None
    frozen_file = f"{Path(script_name).stem}_frozen.npz" if frozen else None
    if exact:
        return (*_generate_exact(project, bundle, sidecar_name, script_name, frozen_file), frozen)
    return (*_generate_idiomatic(project, bundle, sidecar_name, script_name, ddp, frozen_file), frozen)


def export_project(project: Project, path: Path, base_dir: Path | None = None, exact: bool = False,
                   ddp: bool = False) -> list[Path]:
    """Write the script to ``path`` (and its ``.npz`` sidecar when needed); return the files written."""
    path = Path(path)
    sidecar = path.with_name(f"{path.stem}_data.npz")
    text, arrays, frozen = _generate(project, base_dir, sidecar.name, path.name, exact, ddp)
    written = [path]
    try:
        path.write_text(text, encoding="utf-8")
        for file, content in ((sidecar, arrays), (path.with_name(f"{path.stem}_frozen.npz"), frozen)):
            if content is not None:
                with open(file, "wb") as fh:
                    np.savez_compressed(fh, **content)
                written.append(file)
    except OSError as exc:
        raise NNStudioError(f"Cannot write {path}: {exc.strerror or exc}; choose another folder") from None
    return written
