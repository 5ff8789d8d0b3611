"""How well generated samples cover the real data: the mode-coverage share and the energy distance.

Coverage (mode collapse made visible): the real data comes in modes, the classes of its labels (the
Gaussian ring's modes, the digits' ten digits). Each mode has a centre (its points' mean) and a spread (the
root-mean-square distance of its points to that centre). A generated sample *lands on* the mode whose centre
is nearest, if it lies within ``RADIUS`` spreads of it; a mode is *covered* when at least ``MIN_SHARE`` of
its fair share of the samples (n / modes) land on it, so one stray sample does not count. Coverage is the
share of modes covered: samples from one of 8 modes score 1/8, samples from all eight score 1.
"""

from __future__ import annotations

import torch

RADIUS = 3.0  # spreads: about 99% of a 2-D Gaussian mode's own points lie within 3 standard deviations
MIN_SHARE = 0.2  # of the samples a mode would get if every mode got the same


def mode_centres(real: torch.Tensor, modes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each mode's centre and spread (root-mean-square distance of its points to the centre)."""
    real = real.reshape(len(real), -1).double()
    labels = sorted(int(m) for m in torch.unique(modes))
    centres, spreads = [], []
    for m in labels:
        points = real[modes == m]
        centre = points.mean(0)
        centres.append(centre)
        spreads.append(((points - centre) ** 2).sum(1).mean().sqrt().clamp_min(1e-12))
    return torch.stack(centres), torch.stack(spreads)


def coverage(real: torch.Tensor, modes: torch.Tensor, samples: torch.Tensor) -> float:
    """The share of the real data's modes that the samples cover (see the module's text), in [0, 1]."""
    centres, spreads = mode_centres(real, modes)
    x = samples.reshape(len(samples), -1).double()
    if not len(x):
        return 0.0
    dist = torch.cdist(x, centres)
    nearest = dist.argmin(1)
    near = dist.gather(1, nearest[:, None])[:, 0] <= RADIUS * spreads[nearest]
    landed = torch.bincount(nearest[near], minlength=len(centres))
    needed = MIN_SHARE * len(x) / len(centres)
    return float((landed >= needed).double().mean())


def energy_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """The energy distance between two point sets: 2 E|a-b| - E|a-a'| - E|b-b'| (0 for equal distributions)."""
    a = a.reshape(len(a), -1).double()
    b = b.reshape(len(b), -1).double()
    return float(2 * torch.cdist(a, b).mean() - torch.cdist(a, a).mean() - torch.cdist(b, b).mean())
