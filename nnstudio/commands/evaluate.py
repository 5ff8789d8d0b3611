"""``nnstudio evaluate``: the Evaluation tab's metrics for a project's saved weights, headless."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from nnstudio.commands.common import add_project_argument, open_project
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.evaluate.report import ClassificationMetrics, EvaluationReport, evaluate
from nnstudio.core.evaluate.vae_figures import vae_figures
from nnstudio.core.generative.diffusion import diffusion_figures
from nnstudio.core.workspace.document import load_model


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("evaluate", help="metrics of a trained project on every split (accuracy, F1, AUC, gaps…)")
    add_project_argument(p)
    p.add_argument("--json", action="store_true", help="print the whole report as one JSON object")
    p.add_argument("--curves", action="store_true", help="with --json, include the ROC and precision-recall curve points")
    p.add_argument("--split", action="append", metavar="NAME", help="evaluate only this split (repeatable; default: all)")
    p.add_argument("--csv", metavar="OUT.csv", help="also write the metrics as a CSV table")
    return p


def run(args: argparse.Namespace) -> int:
    project, base_dir = open_project(args)
    if not project.weights:
        where = args.project or "the demo project"
        raise NNStudioError(
            f"{where} has no trained weights; train it first (nnstudio train {args.project or 'PROJECT.nnstudio'} --save, "
            "or the Training tab, then save)"
        )
    if project.gan is not None:  # both losses and the coverage, not a classifier's report
        from nnstudio.commands import gan_commands

        return gan_commands.evaluate(args, project, base_dir)
    prepared = load_model(project, base_dir)
    diffusion = diffusion_figures(prepared.built.module, prepared.bundle.test.x)  # empty unless a diffusion model
    if diffusion:  # its outputs are noise guesses: the samples' distance to the data, not a regression report
        if args.json:
            print(json.dumps({"task": "diffusion", "diffusion": diffusion}), flush=True)
        else:
            print(f"Diffusion: energy distance of {diffusion['samples']:.0f} samples to the test data "
                  f"{diffusion['sample_distance']:.4f} (the noise they started from: {diffusion['noise_distance']:.4f})")
        return 0
    report = evaluate(prepared.built.module, prepared.bundle, splits=args.split)
    if args.csv:
        report.write_csv(Path(args.csv))
    vae = vae_figures(prepared.built.module, prepared.bundle)  # empty unless the network is a VAE
    if args.json:
        print(json.dumps({**report.to_dict(curves=args.curves), **({"vae": vae} if vae else {})}), flush=True)
    else:
        print(format_report(report))
        for split, figures in vae.items():
            print(f"VAE {split}: reconstruction error {figures['reconstruction_error']:.4f} per example "
                  f"(MSE {figures['reconstruction_mse']:.4f}), KL {figures['kl']:.4f}")
    return 0


def _fmt(value: float, percent: bool = False) -> str:
    if not math.isfinite(value):
        return "—"
    return f"{value:.1%}" if percent else f"{value:.4f}"


def format_report(report: EvaluationReport) -> str:
    """A plain-text table: one column per split, then the main split's per-class figures and the gaps."""
    names = list(report.splits)
    width = max(12, *(len(n) + 2 for n in names))
    lines = [f"note: {note}" for note in report.notes]  # first, so the numbers are read knowing it
    lines.append(f"{'':<22}" + "".join(f"{n:>{width}}" for n in names))
    if report.is_classification:
        rows = [
            ("examples", lambda m: str(m.n)),
            ("accuracy", lambda m: _fmt(m.accuracy, True)),
            ("majority baseline", lambda m: _fmt(m.majority_baseline, True)),
            ("balanced accuracy", lambda m: _fmt(m.balanced_accuracy, True)),
            ("precision (macro)", lambda m: _fmt(m.macro["precision"])),
            ("recall (macro)", lambda m: _fmt(m.macro["recall"])),
            ("F1 (macro)", lambda m: _fmt(m.macro["f1"])),
            ("F1 (weighted)", lambda m: _fmt(m.weighted["f1"])),
            ("log loss", lambda m: _fmt(m.log_loss)),
            ("ROC AUC", lambda m: _fmt(m.roc_auc)),
        ]
    else:
        rows = [
            ("examples", lambda m: str(m.n)),
            ("MSE", lambda m: _fmt(m.mse)),
            ("  always the mean", lambda m: _fmt(m.baseline_mse)),
            ("RMSE", lambda m: _fmt(m.rmse)),
            ("  always the mean", lambda m: _fmt(m.baseline_rmse)),
            ("MAE", lambda m: _fmt(m.mae)),
            ("  always the mean", lambda m: _fmt(m.baseline_mae)),
            ("R²", lambda m: _fmt(m.r2)),
            ("  always the mean", lambda m: _fmt(m.baseline_r2)),
            ("spread vs targets", lambda m: _fmt(m.spread_ratio, True)),
        ]
    for title, get in rows:
        lines.append(f"{title:<22}" + "".join(f"{get(report.splits[n].metrics):>{width}}" for n in names))
    main = report.splits[report.main_split].metrics
    if isinstance(main, ClassificationMetrics):
        lines.append("")
        lines.append(f"per class on {report.main_split}:   precision    recall        F1   support")
        for c, cls in enumerate(report.class_names):
            lines.append(f"  {cls:<20}{main.precision[c]:>10.3f}{main.recall[c]:>10.3f}{main.f1[c]:>10.3f}{int(main.support[c]):>10}")
    for name, why in report.skipped.items():
        lines.append(f"{name}: {why}")
    for gap in report.gaps:
        lines.append("")
        lines.append(f"[{gap.severity}] {gap.title}")
        lines.append(f"  {gap.message}")
    return "\n".join(lines)
