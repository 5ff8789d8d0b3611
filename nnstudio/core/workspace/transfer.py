"""Load weights from another project (or a PyTorch state dict file) into this project's network: the layers
whose names and shapes match are copied, the others keep their weights, and the report names each."""

from __future__ import annotations

import pickle
from pathlib import Path

import torch

from nnstudio.core.arch.builder import BuiltModel
from nnstudio.core.arch.transfer import Tensors, TransferReport, transfer
from nnstudio.core.base.errors import ProjectFileError
from nnstudio.core.project import resnet
from nnstudio.core.project.file_format import load_project

STATE_DICT_SUFFIXES = (".pt", ".pth", ".bin")


def read_state_dict(path: Path) -> Tensors:
    """A PyTorch state dict saved with ``torch.save``, read with ``weights_only=True``: tensors only, no code runs."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ProjectFileError(f"{path} does not exist; choose the file again") from None
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProjectFileError(f"{path.name} is not a PyTorch state dict that can be read safely ({first}); save the "
                               "model's state_dict() with torch.save and choose that file") from None
    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]  # a training checkpoint that wraps the state dict
    if not isinstance(data, dict) or not data or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items()):
        raise ProjectFileError(f"{path.name} holds no state dict (a mapping of names to tensors); save the model's "
                               "state_dict() with torch.save and choose that file")
    return data


def source_weights(path: str | Path) -> Tensors:
    """The trained weights of the project file at ``path``, or the tensors of a state dict file (a torchvision
    ResNet-18's renamed for the ResNet-18 template)."""
    path = Path(path)
    if path.suffix.lower() in STATE_DICT_SUFFIXES:
        state = read_state_dict(path)
        # torchvision's ResNet-18 names its layers conv1, layer1.0 ...: under the ResNet-18 template's names
        return resnet.from_torchvision(state) if resnet.looks_like_torchvision_resnet(state) else state
    source = load_project(path)
    if not source.weights:
        raise ProjectFileError(f"{path.name} holds no trained weights; train it and save it first, then load from it")
    return source.weights


def weights_from(path: str | Path, built: BuiltModel, current: Tensors) -> TransferReport:
    """The network's weights with the matching layers of the weights at ``path`` copied in, and the report;
    nothing is changed yet (the caller stores ``report.weights``: ProjectDocument.set_trained in the window).
    ``current`` holds the network's weights now (the project's, or fresh ones)."""
    return transfer(built, current, source_weights(path))


def write_transfer_example(folder: Path) -> Path:
    """Pretrain the example's CNN on digits 0-4 and save the fine-tuning project holding those weights."""
    from nnstudio.core.project.file_format import save_project
    from nnstudio.core.project.transfer_example import example_file, fine_tuning, pretraining
    from nnstudio.core.workspace.session import train_project

    pre = pretraining()
    train_project(pre)
    path = example_file(folder)
    save_project(fine_tuning(pre.weights), path)
    return path


if __name__ == "__main__":  # python -m nnstudio.core.workspace.transfer regenerates the shipped example
    from nnstudio.core.project.templates import EXAMPLES_DIR

    print(write_transfer_example(EXAMPLES_DIR))
