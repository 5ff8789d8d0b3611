"""``nnstudio train`` and ``nnstudio evaluate`` for a GAN project (two networks, alternating updates).

``train.py`` and ``evaluate.py`` hand a project with ``gan`` settings to these; the one-network run
session does not train two networks.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from nnstudio.commands.common import print_json_line
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import Project
from nnstudio.core.workspace.gan_session import GanSession, gan_figures

FIGURES = ("g_loss", "d_loss", "coverage", "distance")


def _refuse_run_options(args: argparse.Namespace) -> None:
    for option, given in (("--continue", args.continue_run), ("--resume", args.resume),
                          ("--checkpoint-every", args.checkpoint_every is not None)):
        if given:
            raise NNStudioError(f"{option} is not available for a GAN project yet; train it afresh (--epochs N --save)")


def train(args: argparse.Namespace, project: Project, base_dir: Path | None, target: Path | None) -> int:
    """Train both networks for the project's (or --epochs) epochs; print a line (or JSON) per the options."""
    _refuse_run_options(args)
    session = GanSession.open(project, base_dir, use_weights=False)
    epochs = args.epochs or project.training.epochs
    started = time.perf_counter()

    def progress(epoch: int, figures: dict[str, float]) -> None:
        if not args.json:
            shown = ", ".join(f"{k} {figures[k]:.4f}" for k in FIGURES)
            print(f"epoch {epoch}/{epochs}: {shown}", file=sys.stderr, flush=True)

    session.fit(epochs, on_epoch=progress)
    session.record()
    if target is not None:
        save_project(project, target)
    last = {k: session.trainer.history[k][-1] for k in FIGURES}
    summary: dict[str, object] = {"status": "completed", "epochs": session.trainer.epochs_done,
                                  "seconds": round(time.perf_counter() - started, 3), "task": "gan", **last,
                                  "g_steps": session.trainer.g_steps_done, "d_steps": session.trainer.d_steps_done}
    if target is not None:
        summary["saved"] = str(target)
    if args.json:
        print_json_line(summary)
    else:
        print(f"completed: {summary['epochs']} epochs in {summary['seconds']:.1f}s, " + ", ".join(
            f"{k} {last[k]:.4f}" for k in FIGURES))
        if target is not None:
            print(f"saved to {target}")
    return 0


def evaluate(args: argparse.Namespace, project: Project, base_dir: Path | None) -> int:
    """Both losses, the mode coverage and the energy distance of the trained GAN's samples to the data."""
    figures = gan_figures(project, base_dir)
    if args.json:
        print_json_line({"task": "gan", "gan": {k: (v if math.isfinite(v) else None) for k, v in figures.items()}})
    else:
        modes = "" if not math.isfinite(figures["modes"]) else f" of {figures['modes']:.0f} modes"
        print(f"GAN: discriminator loss {figures['d_loss']:.4f}, generator loss {figures['g_loss']:.4f}, "
              f"coverage {figures['coverage']:.3f}{modes}, energy distance to the data {figures['distance']:.4f}")
    return 0
