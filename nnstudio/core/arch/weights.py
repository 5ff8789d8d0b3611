"""Moving weights in and out of a built network, naming every tensor that does not fit."""

from __future__ import annotations

import torch
from torch import nn

from nnstudio.core.base.errors import ProjectFileError

SHOWN = 6  # problems named in one message


def apply_weights(module: nn.Module, weights: dict[str, torch.Tensor]) -> None:
    """Load ``weights`` into ``module``, naming every missing, unexpected or mis-shaped tensor."""
    own = module.state_dict()
    problems = [f"{k} is missing" for k in own if k not in weights]
    problems += [f"{k} is not part of this network" for k in weights if k not in own]
    problems += [
        f"{k} has shape {tuple(weights[k].shape)} but the network needs {tuple(v.shape)}"
        for k, v in own.items()
        if k in weights and weights[k].shape != v.shape
    ]
    if problems:
        shown = "; ".join(problems[:SHOWN]) + (f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")
        raise ProjectFileError(f"The weights do not fit this architecture: {shown}")
    module.load_state_dict({k: weights[k].to(v.dtype) for k, v in own.items()})


def snapshot_weights(module: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the module's weights on the CPU, independent of further training."""
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}
