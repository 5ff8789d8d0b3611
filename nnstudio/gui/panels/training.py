"""The Training tab: start and stop a run, watch its loss fall."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.training.engine import COMPLETED, DIVERGED, Trainer, new_model
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.widgets.live_plot import LivePlot
from nnstudio.gui.worker import RunOutcome, TrainingRunner


class TrainingPanel(QWidget):
    run_finished = Signal(object)  # RunOutcome, after the panel has shown it

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("training")
        self.ctx = ctx
        self.runner = TrainingRunner(self)
        self.runner.epoch_finished.connect(self._on_epoch)
        self.runner.batch_progress.connect(self._on_batch)
        self.runner.finished.connect(self._on_finished)
        self._started_at = 0.0

        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setToolTip("Train a new run from fresh weights (Ctrl+T)")
        self.train_button.setShortcut("Ctrl+T")
        self.train_button.clicked.connect(self.start_training)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip("Stop at the end of the current batch; the weights learned so far are kept")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_training)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100_000)
        self.epochs.setToolTip("How many passes over the training data")
        self.epochs.valueChanged.connect(self._epochs_edited)

        controls = QHBoxLayout()
        controls.addWidget(self.train_button)
        controls.addWidget(self.stop_button)
        controls.addSpacing(16)
        controls.addWidget(QLabel("Epochs:"))
        controls.addWidget(self.epochs)
        controls.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        self.status = QLabel("Press Train to start. The curves show the loss after each epoch.")
        self.status.setObjectName("trainingStatus")
        self.status.setWordWrap(True)

        self.loss_plot = LivePlot("Loss per epoch", "epoch", "loss")
        self.loss_plot.add_curve("train loss", "#1f77b4", symbol="o")
        self.loss_plot.add_curve("validation loss", "#ff7f0e", symbol="o")

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.loss_plot, 1)

        ctx.document.project_replaced.connect(self._sync_from_document)
        ctx.document.training_changed.connect(self._sync_from_document)
        self._sync_from_document()

    # ------------------------------------------------------------------ document
    def _sync_from_document(self) -> None:
        self.epochs.blockSignals(True)
        self.epochs.setValue(self.ctx.document.project.training.epochs)
        self.epochs.blockSignals(False)

    def _epochs_edited(self, value: int) -> None:
        spec = self.ctx.document.project.training.copy()
        spec.epochs = value
        self.ctx.document.set_training(spec)

    # ------------------------------------------------------------------ run
    @Slot()
    def start_training(self) -> None:
        if self.runner.running:
            return
        document = self.ctx.document
        project = document.project
        try:
            bundle = document.bundle()
            built = document.built()
            spec = project.training.copy()  # the run trains on a frozen copy of the settings
            trainer = Trainer(new_model(built.module, spec.seed), bundle, spec)
        except NNStudioError as exc:
            show_error(self, "Cannot start training", exc)
            return
        self.loss_plot.clear_data()
        self.progress.setRange(0, spec.epochs * trainer_batches(trainer))
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self.status.setText(f"Training {project.architecture.name} on {bundle.description}")
        self._set_running(True)
        self._started_at = time.perf_counter()
        self.runner.start(trainer, spec.epochs)

    @Slot()
    def stop_training(self) -> None:
        if self.runner.running:
            self.runner.stop()
            self.status.setText("Stopping at the end of the current batch…")

    def _set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.epochs.setEnabled(not running)
        self.ctx.set_training_active(running)

    @Slot(dict)
    def _on_batch(self, info: dict) -> None:
        done = (info["epoch"] - 1) * info["batches"] + info["batch"]
        self.progress.setValue(done)
        elapsed = time.perf_counter() - self._started_at
        rate = info["samples_seen"] / elapsed if elapsed > 0 else 0.0
        self.progress.setFormat(f"Epoch {info['epoch']}/{info['target_epochs']}, batch {info['batch']}/{info['batches']} · {rate:,.0f} samples/s")

    @Slot(dict)
    def _on_epoch(self, metrics: dict) -> None:
        epoch = metrics["epoch"]
        self.loss_plot.append("train loss", epoch, metrics["train_loss"])
        self.loss_plot.append("validation loss", epoch, metrics["val_loss"])
        shown = ", ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in metrics.items() if k not in ("epoch", "seconds", "lr"))
        self.status.setText(f"Epoch {int(epoch)}: {shown}")

    @Slot(object)
    def _on_finished(self, outcome: RunOutcome) -> None:
        self._set_running(False)
        self.loss_plot.redraw()
        if outcome.result is None:
            self.progress.setFormat("Failed")
            self.status.setText(outcome.error)
            show_error(self, "Training failed", outcome.error)
        else:
            result = outcome.result
            self.ctx.document.set_trained(outcome.weights or {}, outcome.history)
            if result.status == COMPLETED:
                self.progress.setValue(self.progress.maximum())
                self.progress.setFormat(f"Done: {result.epochs} epochs in {result.seconds:.1f} s")
            else:
                self.progress.setFormat(f"{result.status.capitalize()} after {result.epochs} epochs")
                self.status.setText(result.message)
                if result.status == DIVERGED:
                    show_error(self, "Training diverged", result.message)
        self.run_finished.emit(outcome)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        return self.runner.shutdown(timeout_ms)


def trainer_batches(trainer: Trainer) -> int:
    n = len(trainer.bundle.train)
    return -(-n // trainer.spec.batch_size)
