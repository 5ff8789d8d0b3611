"""Write runs as TensorBoard event files: per-epoch scalars, weight histograms (of every kept epoch
snapshot, else of the final weights) and the run's hyperparameters with its final metrics.

Needs the optional ``tensorboard`` package (``pip install nnstudio[tensorboard]``); without it the
functions raise an error that says how to install it.
"""

from __future__ import annotations

import re
from pathlib import Path

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.workspace.runs import Run


class TensorBoardError(NNStudioError):
    """TensorBoard files cannot be written."""


def tensorboard_available() -> bool:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


def run_folder_name(run: Run) -> str:
    return f"run-{run.id:03d}-" + re.sub(r"[^A-Za-z0-9._-]+", "_", run.name).strip("_")[:60]


def hparams(run: Run) -> dict[str, float | str | int | bool]:
    spec = run.training
    out: dict[str, float | str | int | bool] = {
        "lr": spec.lr, "batch_size": spec.batch_size, "optimizer": spec.optimizer, "loss": spec.loss,
        "weight_decay": spec.weight_decay, "l1": spec.l1, "seed": spec.seed, "schedule": spec.schedule,
    }
    for i, width in enumerate(run.hidden_widths(), start=1):
        out[f"hidden{i}_width"] = width
    return out


def write_run(run: Run, logdir: str | Path) -> Path:
    """Write one run under ``logdir`` (one sub-folder per run, as TensorBoard expects). Returns it."""
    if not tensorboard_available():
        raise TensorBoardError("Writing TensorBoard files needs the 'tensorboard' package; install it with "
                               "'pip install tensorboard' and try again")
    from torch.utils.tensorboard import SummaryWriter

    folder = Path(logdir) / run_folder_name(run)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        writer = SummaryWriter(log_dir=str(folder))
    except OSError as exc:
        raise TensorBoardError(f"Cannot write to {folder}: {exc.strerror or exc}; choose another folder") from None
    try:
        epochs = run.history.get("epoch", [])
        for key, values in run.history.items():
            if key == "epoch":
                continue
            for i, value in enumerate(values):
                step = int(epochs[i]) if i < len(epochs) else i + 1
                writer.add_scalar(key, value, step)
        weights_by_epoch = dict(run.snapshots) or ({run.epochs: run.weights} if run.weights else {})
        for epoch, weights in sorted(weights_by_epoch.items()):
            for name, tensor in weights.items():
                if tensor.is_floating_point() and tensor.numel() > 1:
                    writer.add_histogram(f"weights/{name}", tensor.detach().float().cpu(), epoch)
        metrics = {f"final/{k}": float(v) for k, v in run.final_metrics().items() if k != "lr"}
        writer.add_hparams(hparams(run), metrics, run_name=".")
    finally:
        writer.close()
    return folder


def write_runs(runs: list[Run], logdir: str | Path) -> list[Path]:
    return [write_run(run, logdir) for run in runs]
