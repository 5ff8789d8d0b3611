"""The Training tab: settings, a controllable run (Train, Continue, Pause, Step, Stop, speed) and live curves.

A run trains on a frozen copy of the settings taken when it starts; edits made meanwhile change the
project (the next run), and the tab says so. Only the learning rate and the regularization of the run
in progress can change, while it is paused, and those edits reach the trainer between two batches.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.training.callbacks import best_epoch
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.engine import COMPLETED, DIVERGED, Trainer
from nnstudio.core.workspace.checkpoints import folder_for
from nnstudio.core.workspace.run_session import RunSession
from nnstudio.gui import palette
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.training import run_view
from nnstudio.gui.panels.training.gan_run import GanTraining, plot_gan_figures
from nnstudio.gui.panels.training.loss_terms import plot_loss_terms
from nnstudio.gui.panels.training.run_view import LiveEditsBox, RateMeter, checkpoint_box, outcome_texts
from nnstudio.gui.panels.training.settings import TrainingSettingsForm
from nnstudio.gui.panels.training.train_problem import train_problem
from nnstudio.gui.training_runner import RunOutcome, TrainingRunner
from nnstudio.gui.widgets.fit_width import fit_content_width
from nnstudio.gui.widgets.flow_layout import FlowLayout
from nnstudio.gui.widgets.live_plot import LivePlot
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote

# Seconds slept after each batch, slowest last: a class can watch a small 2-D run unfold.
SPEEDS = (0.0, 0.002, 0.01, 0.03, 0.1, 0.3, 1.0)
# Curves refresh 5 times a second: live enough to watch, and the GUI thread's painting (Python, under
# the GIL) then leaves the training thread alone almost all the time (see bench/train_throughput.py).
PLOT_FPS = 5
SMOOTHING = 0.1  # weight of the newest batch in the smoothed per-batch loss
TRAIN_TIP = "Train a new run from fresh weights (Ctrl+T)"


class TrainingPanel(QWidget):
    run_finished = Signal(object)  # RunOutcome, after the panel has shown it

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("training")
        self.ctx = ctx
        self.runner = TrainingRunner(self)
        self.runner.epoch_finished.connect(self._on_epoch)
        self.runner.batch_progress.connect(self._on_batch)
        self.runner.completed.connect(lambda c: self._on_finished(c.result if c.exception is None else RunOutcome(None, error=c.error)))
        self.run_finished.connect(ctx.run_finished)  # the tabs that keep runs listen there
        self.session: RunSession | None = None  # the current run; Continue trains it further
        self.run_spec: TrainSpec | None = None  # the frozen settings of the current run
        self.history: dict[str, list[float]] = {}  # what the curves show, from the run's epoch signals
        self.batch_losses: list[float] = []  # every batch loss of the run, for the smoothed curve
        self._smoothed: float | None = None
        self._progress_base = 0  # batches done before the current fit call (Continue)
        self._rate = RateMeter()
        self._problem: str | None = None
        self.best_epoch = 0
        self._shown_paused = False
        self._syncing = False

        # ---------------------------------------------------------------- settings (left)
        self.settings_form = TrainingSettingsForm()
        self.settings_form.changed.connect(self._settings_edited)
        self.epochs = self.settings_form.editors["epochs"]
        scroll = QScrollArea()
        scroll.setObjectName("trainingSettingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.settings_form)
        fit_content_width(scroll, 340)  # as wide as the settings need, at any font size

        # ---------------------------------------------------------------- controls
        def button(text: str, name: str, tip: str, slot, shortcut: str = "") -> QPushButton:
            b = QPushButton(text)
            b.setObjectName(name)
            b.setToolTip(tip + (f" ({shortcut})" if shortcut else ""))
            if shortcut:
                b.setShortcut(shortcut)
            b.clicked.connect(slot)
            return b

        self.train_button = button("Train", "trainButton", "Train a new run from fresh weights", self.start_training, "Ctrl+T")
        self.train_button.setStyleSheet("font-weight: bold;")
        self.continue_button = button("Continue", "continueButton", "Train the current run for more epochs, keeping its weights", self.continue_training)
        self.continue_epochs = CheckedSpinBox("More epochs")
        self.continue_epochs.setObjectName("continueEpochs")
        self.continue_epochs.setRange(1, 100_000)
        self.continue_epochs.setValue(5)
        self.continue_epochs.setSuffix(" more epochs")
        self.continue_epochs.setToolTip("How many epochs Continue adds to the current run")
        self.checkpoint_every = checkpoint_box()
        self.checkpoint_every.setToolTip("Every N epochs, save the run's whole state beside the project file, so an "
                                         "interrupted run can go on with File > Resume from Checkpoint… (0: off)")
        self.pause_button = button("Pause", "pauseButton", "Pause after the current batch", self.pause_training)
        self.resume_button = button("Resume", "resumeButton", "Carry on from where the run paused", self.resume_training)
        self.step_button = button("Step", "stepButton", "Train exactly one batch, then pause", self.step_training)
        self.stop_button = button("Stop", "stopButton", "Stop at the end of the current batch; the weights learned so far are kept", self.stop_training)
        self.reset_button = button("Reset weights", "resetButton", "Forget the current run: fresh weights, empty curves", self.reset_weights)
        controls = FlowLayout()  # wraps beside a lesson's dock or at presentation size rather than cut the words
        for w in (self.train_button, self.continue_button, self.continue_epochs, self.pause_button, self.resume_button,
                  self.step_button, self.stop_button, self.reset_button):
            controls.addWidget(w)

        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setObjectName("speedSlider")
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setPageStep(1)
        self.speed.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.speed.setFixedWidth(160)
        self.speed.setToolTip("Slow a run down (a pause after every batch) so a class can watch it unfold")
        self.speed.valueChanged.connect(self._speed_changed)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(150)
        self.log_scale = QCheckBox("Log-scale loss")
        self.log_scale.setObjectName("logScale")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis: late, small improvements become visible")
        self.log_scale.toggled.connect(self._log_toggled)
        speed_row = FlowLayout()
        speed_row.addWidget(QLabel("Speed:"))
        speed_row.addWidget(self.speed)
        speed_row.addWidget(self.speed_label)
        speed_row.addWidget(self.checkpoint_every)
        speed_row.addWidget(self.log_scale)

        # While paused: this run's learning rate and regularization.
        self.live_box = LiveEditsBox(self.apply_live_edits)
        self.live_lr, self.live_l2, self.live_l1 = self.live_box.lr, self.live_box.l2, self.live_box.l1
        self.live_apply = self.live_box.apply_button

        self.frozen_note = QLabel()
        self.frozen_note.setObjectName("frozenNote")
        self.frozen_note.setWordWrap(True)
        self.frozen_note.setStyleSheet("background: #fff6d5; border: 1px solid #e0c060; padding: 4px; color: #5a4500;")
        self.frozen_note.hide()
        # Why a number typed here (Continue's epochs, the paused run's values) was refused.
        self.refusal_note = RefusalNote()
        self.refusal_note.setObjectName("trainingRefusal")
        for box in (self.continue_epochs, self.checkpoint_every, self.live_lr, self.live_l2, self.live_l1):
            self.refusal_note.watch(box)
        self.refusal_note.shown.connect(self._show_refusal)
        self.settings_form.refused.connect(self._show_refusal)  # the form's groups show it beside the field
        self.problem_label = QLabel()
        self.problem_label.setObjectName("trainingProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("background: #fde8e8; border: 1px solid #d08080; padding: 4px; color: #8a1010;")
        self.problem_label.hide()

        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        self.counters = QLabel("")
        self.counters.setObjectName("trainingCounters")
        self.counters.setMinimumWidth(260)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.counters)
        self.status = QLabel("Choose the settings on the left and press Train. The curves show each epoch as it ends.")
        self.status.setObjectName("trainingStatus")
        self.status.setWordWrap(True)

        # ---------------------------------------------------------------- curves
        self.loss_plot = LivePlot("Loss", "epoch", "loss", fps=PLOT_FPS)
        self.loss_plot.add_curve("batch loss (smoothed)", palette.role("accent_light"), width=1.5, hover=False, busy=True)
        self.loss_plot.add_curve("train loss", palette.color(0), symbol="o")
        self.loss_plot.add_curve("validation loss", palette.color(1), symbol="o")
        self.metric_plot = LivePlot("Accuracy", "epoch", "accuracy", fps=PLOT_FPS, legend_offset=(-10, -40))
        self.metric_plot.add_curve("train", palette.color(0), symbol="o")
        self.metric_plot.add_curve("validation", palette.color(1), symbol="o")
        self.plots = plots = QGridLayout()  # a GAN's plane joins the curves here (gan_run.py)
        plots.addWidget(self.loss_plot, 0, 0)
        plots.addWidget(self.metric_plot, 0, 1)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 0, 0, 0)
        rl.addLayout(controls)
        rl.addWidget(self.refusal_note)
        rl.addLayout(speed_row)
        rl.addWidget(self.live_box)
        rl.addWidget(self.problem_label)
        rl.addWidget(self.frozen_note)
        rl.addLayout(progress_row)
        rl.addWidget(self.status)
        rl.addLayout(plots, 1)

        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 920])
        # Not a side panel presentation mode folds: a teacher shows the settings being changed (the pane keeps
        # the width its scaled text needs, fit_content_width above; the curves get the rest).
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

        document = ctx.document
        document.project_replaced.connect(self._project_replaced)
        document.training_changed.connect(self._sync_from_document)
        document.weights_changed.connect(self._weights_changed)
        self._publishing = False  # True while this panel hands a finished run's weights to the document
        # Train is disabled, with the reason as its tooltip, while the network or settings cannot work.
        for signal in (document.architecture_changed, document.data_changed):
            signal.connect(self._update_train_enabled)
        self.gan = GanTraining(self)  # a GAN project trains here too: both networks, taking turns
        self._speed_changed(0)
        self._sync_from_document()
        self._update_buttons()

    # ------------------------------------------------------------------ document
    def _sync_from_document(self) -> None:
        if not self._syncing:
            self._syncing = True
            try:
                self.settings_form.set_spec(self.ctx.document.project.training)
            finally:
                self._syncing = False
        self._update_train_enabled()
        self._update_frozen_note()

    def _settings_edited(self) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self.ctx.document.set_training(self.settings_form.spec())
        finally:
            self._syncing = False

    def _project_replaced(self) -> None:
        if not self.runner.running:
            run_view.show_loss_and_metric(self.loss_plot, self.metric_plot)  # a diffusion run's denoising-only view ends
            self._forget_run()
            self._show_saved_history()
        self._sync_from_document()

    def settings_problem(self) -> str | None:
        """Why Train cannot work right now, or None (see train_problem.py)."""
        return train_problem(self.ctx.document)

    def _update_train_enabled(self) -> None:
        self._problem = self.settings_problem()
        self.problem_label.setText(self._problem or "")
        self.problem_label.setVisible(bool(self._problem))
        self.train_button.setToolTip(self._problem or TRAIN_TIP)
        self._update_buttons()

    def _update_frozen_note(self) -> None:
        if self.run_spec is None:
            self.frozen_note.hide()
            return
        changed = self.run_spec.to_dict() != self.ctx.document.project.training.to_dict()
        running = self.runner.running
        if not changed and not running:
            self.frozen_note.hide()
            return
        if changed:
            text = ("The settings changed since this run started. This run keeps the settings it started with "
                    "(Continue too); your edits apply to the next run (Train).")
        else:
            text = "This run uses a frozen copy of the settings; edits you make now apply to the next run."
        self.frozen_note.setText(text)
        self.frozen_note.show()

    # ------------------------------------------------------------------ buttons
    def _update_buttons(self) -> None:
        running = self.runner.running
        paused = self._shown_paused = self.runner.paused
        has_run = self.session is not None or bool(self.ctx.document.project.weights)
        self.train_button.setEnabled(not running and self._problem is None)
        self.continue_button.setEnabled(not running and has_run)
        self.continue_epochs.setEnabled(not running)
        self.checkpoint_every.setEnabled(not running)
        self.pause_button.setEnabled(running and not paused)
        self.resume_button.setEnabled(running and paused)
        self.step_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.reset_button.setEnabled(not running and has_run)
        self.live_box.setEnabled(running and paused and self.session is not None)  # a GAN's run: not here
        self.ctx.set_training_active(running)

    def _show_refusal(self, message: str) -> None:
        """A refused number is also said in the status bar, where the eye goes after typing."""
        self.ctx.status_message.emit(message, 8000)

    def _speed_changed(self, index: int) -> None:
        delay = SPEEDS[index]
        self.runner.set_batch_delay(delay)
        self.speed_label.setText("full speed" if delay == 0 else f"{delay * 1000:g} ms pause per batch")

    def _log_toggled(self, on: bool) -> None:
        self.loss_plot.set_log_y(on)

    # ------------------------------------------------------------------ run
    @property
    def trainer(self) -> Trainer | None:
        return self.session.trainer if self.session is not None else None

    @Slot()
    def start_training(self) -> None:
        """Train: a new run from fresh weights on a frozen copy of the settings."""
        if self.runner.running:
            return
        self._update_train_enabled()
        if self._problem:
            show_error(self, "Cannot start training", self._problem)
            return
        if self.gan.active:
            return self.gan.train()
        document = self.ctx.document
        try:
            bundle = document.bundle()
            session = RunSession.fresh(document.project, document.base_dir, bundle=bundle, module=document.fresh_model())
        except NNStudioError as exc:
            show_error(self, "Cannot start training", exc)
            return
        self._forget_run()
        self._launch(session, ". ".join([f"Training {document.project.architecture.name} on {bundle.description}",
                                         *session.notes]))  # a frozen layer without weights says so

    @Slot()
    def continue_training(self) -> None:
        """Continue: more epochs on the current run, or on the project's saved weights."""
        if self.runner.running:
            return
        more, session, document = self.continue_epochs.value(), self.session, self.ctx.document
        if self.gan.active:
            return self.gan.continue_training(more)
        if session is None:
            try:
                model = document.trained_model()
                if model is None:
                    return
                session = RunSession.continue_saved(document.project, document.base_dir, epochs=more,
                                                    bundle=document.bundle(), module=model)
            except NNStudioError as exc:
                show_error(self, "Cannot continue training", exc)
                return
            self._forget_run()
            self._show_saved_history()
        else:
            session.target_epochs = session.trainer.epochs_done + more
        self._launch(session, f"Continuing for {more} more epochs")

    def resume_checkpoint(self) -> bool:
        """File > Resume from Checkpoint…: carry on the open project's interrupted run from its last checkpoint."""
        document = self.ctx.document
        if self.runner.running:
            return False
        try:
            if document.path is None:
                raise NNStudioError("The project has no file yet, so it has no checkpoints; open the project whose run "
                                    "you want to resume")
            session = RunSession.resume(document.project, folder_for(document.path), document.base_dir,
                                        bundle=document.bundle(), module=document.fresh_model())
        except NNStudioError as exc:
            show_error(self, "Cannot resume from the checkpoint", exc)
            return False
        self._forget_run()
        self._show_saved_history(session.trainer.history)
        done, target = session.trainer.epochs_done, session.target_epochs
        self._launch(session, f"Resuming from the checkpoint of epoch {done}: epochs {done + 1} to {target}")
        return True

    def _launch(self, session: RunSession, message: str) -> None:
        self.session, trainer = session, session.trainer
        epochs = session.target_epochs - trainer.epochs_done
        every, path = self.checkpoint_every.value(), self.ctx.document.path
        if every and session.checkpoint_folder is None:
            if path is None:
                message += ". No checkpoints: save the project first, they are kept beside its file"
            else:
                session.checkpoint_into(folder_for(path), every)
        self.run_spec = trainer.spec.copy()
        batches = -(-len(trainer.bundle.train) // trainer.spec.batch_size)
        self._progress_base = trainer.epochs_done * batches
        self.progress.setRange(0, max(1, epochs * batches))
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self._rate.clear()
        self.counters.setText("")
        run_view.label_run_plots(self.loss_plot, self.metric_plot, trainer.metric_name, trainer.scores_targets)
        for plot in (self.loss_plot, self.metric_plot):
            plot.set_x_extent(0, session.target_epochs)  # the whole run's width from its first batch
        self._set_live_values(trainer.spec)
        self.status.setText(message)
        self.runner.start(session, self.ctx.run_callbacks(trainer))
        self._update_buttons()
        self._update_frozen_note()

    @Slot()
    def pause_training(self) -> None:
        if self.runner.running:
            self.runner.pause()
            self._rate.clear()
            self.status.setText("Paused after the current batch. You may change this run's learning rate and "
                                "regularization, then Resume or Step.")
            self._update_buttons()

    @Slot()
    def resume_training(self) -> None:
        if self.runner.running:
            self._rate.clear()
            self.runner.resume()
            self.status.setText("Training…")
            self._update_buttons()

    @Slot()
    def step_training(self) -> None:
        if self.runner.running:
            self._rate.clear()
            self.runner.step()
            self.status.setText("One batch, then paused.")
            self._update_buttons()

    @Slot()
    def stop_training(self) -> None:
        if self.runner.running:
            self.runner.stop()
            self.status.setText("Stopping at the end of the current batch…")

    @Slot()
    def reset_weights(self) -> None:
        """Forget the current run and the project's trained weights; the next Train starts afresh anyway."""
        if self.runner.running:
            return
        self._forget_run()
        if self.ctx.document.project.weights:
            self.ctx.document.set_trained({}, {})
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        self.counters.setText("")
        self.status.setText("Weights reset: the next run starts from fresh weights.")
        self._update_buttons()

    @Slot()
    def apply_live_edits(self) -> None:
        """Send the paused run its new learning rate and regularization (applied between two batches)."""
        session = self.session
        if session is None or not self.runner.paused:
            return
        lr, l2, l1 = self.live_lr.value(), self.live_l2.value(), self.live_l1.value()
        self.runner.apply(session.change(lr, l2, l1))
        if self.run_spec is not None:
            self.run_spec.lr, self.run_spec.weight_decay, self.run_spec.l1 = lr, l2, l1
        self.status.setText(f"This run continues with learning rate {lr:g}, L2 {l2:g}, L1 {l1:g}. Resume or Step.")

    def _set_live_values(self, spec: TrainSpec) -> None:
        for editor, value in ((self.live_lr, spec.lr), (self.live_l2, spec.weight_decay), (self.live_l1, spec.l1)):
            editor.setValue(value)

    def _forget_run(self) -> None:
        self.session = None
        self.gan.forget()
        self.run_spec = None
        self.history = {}
        self.batch_losses = []
        self._smoothed = None
        self.loss_plot.clear_data()
        self.metric_plot.clear_data()
        self.frozen_note.hide()

    @Slot()
    def _weights_changed(self) -> None:
        """Weights replaced from elsewhere (a run restored on the Runs tab, imported weights): Continue must
        start from them, so the old run's trainer is dropped."""
        if self._publishing or self.runner.running or self.session is None:
            return
        self._forget_run()
        self._show_saved_history()
        self._update_buttons()

    def _show_saved_history(self, history: dict[str, list[float]] | None = None) -> None:
        """Draw a loaded project's recorded history, or a resumed checkpoint's (so the run picks up visibly where
        it ended)."""
        history = self.ctx.document.project.history if history is None else history
        for i in range(len(history.get("epoch", []))):
            self._plot_epoch({k: v[i] for k, v in history.items() if i < len(v)})

    # ------------------------------------------------------------------ live updates
    @Slot(dict)
    def _on_batch(self, info: dict) -> None:
        batches = info["batches"]
        losses = info.get("losses") or [info["loss"]]
        first = info.get("first_batch", 0)
        smoothed = self._smoothed
        xs, ys = [], []
        for i, loss in enumerate(losses, start=first + 1):
            self.batch_losses.append(loss)
            if math.isfinite(loss):
                smoothed = loss if smoothed is None else smoothed + SMOOTHING * (loss - smoothed)
                xs.append(i / batches)
                ys.append(smoothed)
        self._smoothed = smoothed
        if xs:
            self.loss_plot.extend("batch loss (smoothed)", xs, ys)
        done = (info["epoch"] - 1) * batches + info["batch"] - self._progress_base
        self.progress.setValue(min(done, self.progress.maximum()))
        self.progress.setFormat(f"Epoch {info['epoch']}/{info['target_epochs']} · batch {info['batch']}/{batches}")
        self._update_rate(info, done)
        if self.runner.paused != self._shown_paused:  # a Step ended: the loop paused by itself
            self._update_buttons()

    def _update_rate(self, info: dict, done: int) -> None:
        batch_size = self.run_spec.batch_size if self.run_spec else 1
        text = self._rate.add(info["time"], info["samples_seen"], (self.progress.maximum() - done) * batch_size)
        if self.runner.paused:
            self.counters.setText("paused")
        elif text is not None:
            self.counters.setText(text)

    @Slot(dict)
    def _on_epoch(self, metrics: dict) -> None:
        self._plot_epoch(metrics)
        shown = ", ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in metrics.items() if k not in ("epoch", "seconds", "lr"))
        self.status.setText(f"Epoch {int(metrics['epoch'])}: {shown}")

    def _plot_epoch(self, metrics: dict) -> None:
        for key, value in metrics.items():
            self.history.setdefault(key, []).append(float(value))
        epoch = metrics["epoch"]
        self.loss_plot.append("train loss", epoch, metrics.get("train_loss", math.nan))
        self.loss_plot.append("validation loss", epoch, metrics.get("val_loss", math.nan))
        plot_loss_terms(self.loss_plot, epoch, metrics)  # a loss made of parts (VAE: reconstruction, KL): each a curve
        plot_gan_figures((self.loss_plot, self.metric_plot), epoch, metrics)  # a GAN's two losses, coverage, distance
        metric = "accuracy" if "val_accuracy" in metrics else "rmse"
        if f"train_{metric}" in metrics:
            self.metric_plot.append("train", epoch, metrics[f"train_{metric}"])
        self.metric_plot.append("validation", epoch, metrics.get(f"val_{metric}", math.nan))
        monitor = (self.run_spec or self.ctx.document.project.training).monitor
        if monitor not in self.history:
            monitor = "val_loss"
        best = best_epoch(self.history, monitor)
        for plot in (self.loss_plot, self.metric_plot):
            plot.mark_x(float(best) if best else None, f"best: epoch {best}")
        self.best_epoch = best

    @Slot(object)
    def _on_finished(self, outcome: RunOutcome) -> None:
        self.loss_plot.refit()
        self.metric_plot.refit()
        self.counters.setText("")
        if outcome.result is None:
            self.session = None
            self.progress.setFormat("Failed")
            self.status.setText(outcome.error)
            show_error(self, "Training failed", outcome.error)
        else:
            result = outcome.result
            self._publishing = True
            try:
                self.ctx.document.set_trained(outcome.weights or {}, outcome.history)
            finally:
                self._publishing = False
            if result.status == COMPLETED:
                self.progress.setValue(self.progress.maximum())
            progress, status = outcome_texts(result)
            self.progress.setFormat(progress)
            self.status.setText(status)
            if result.status == DIVERGED:
                show_error(self, "Training diverged", result.message)
        self._update_buttons()
        self._update_train_enabled()
        self._update_frozen_note()
        self.run_finished.emit(outcome)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        return self.runner.shutdown(timeout_ms)

