"""The "Sweep" page: train one run per combination of learning rates, batch sizes and a layer's widths."""

from __future__ import annotations

import copy

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.workspace.document import ProjectDocument
from nnstudio.core.workspace.runs import Run, RunsError, RunStore
from nnstudio.core.workspace.sweep import SweepSpec, hidden_linear_layers, run_sweep, trials
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.runs.tasks import Task, TaskContext, TaskPage
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote


def parse_numbers(text: str, kind: type, what: str) -> list:
    """Comma- (or semicolon-) separated positive numbers; ``what`` names the field in the error."""
    values = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = kind(float(part)) if kind is int else float(part)
        except ValueError:
            raise RunsError(f"{what}: '{part}' is not a number; list values separated by commas, e.g. 0.001, 0.01") from None
        if value <= 0:
            raise RunsError(f"{what}: {part} must be greater than 0")
        values.append(value)
    return values


class _SweepStore(RunStore):
    """Numbers sweep runs after the panel's runs without touching the panel's list from the worker thread
    (the GUI thread adds each run when it arrives)."""

    def __init__(self, panel_store: RunStore) -> None:
        super().__init__()
        self._next = panel_store.next_id()

    def next_id(self) -> int:
        return self._next

    def add(self, run: Run) -> None:
        self._next = run.id + 1


class SweepPage(TaskPage):
    failure_title = "The sweep failed"

    def __init__(self, document: ProjectDocument, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.store = store  # the panel's runs: numbering new runs, and naming the best when done
        lay = QHBoxLayout(self)
        form = QFormLayout()
        self.lrs = QLineEdit("0.001, 0.01, 0.1")
        self.lrs.setObjectName("sweepLrs")
        self.lrs.setToolTip("Learning rates to try, separated by commas")
        self.batches = QLineEdit("")
        self.batches.setObjectName("sweepBatches")
        self.batches.setPlaceholderText("the project's batch size")
        self.batches.setToolTip("Batch sizes to try, separated by commas; a batch larger than the training split "
                                "fails that trial, with the reason in the table")
        self.layer = QComboBox()
        self.layer.setObjectName("sweepLayer")
        self.layer.setToolTip("A hidden Linear layer whose width (number of neurons) the sweep varies")
        self.widths = QLineEdit("")
        self.widths.setObjectName("sweepWidths")
        self.widths.setToolTip("The widths (numbers of neurons) to try for the layer chosen above, separated by commas")
        self.widths.setPlaceholderText("e.g. 4, 16, 64")
        self.mode = QComboBox()
        self.mode.setObjectName("sweepMode")
        self.mode.addItems(["grid", "random"])
        self.mode.setToolTip("Grid: every combination. Random: a random sample of them (often as good, much faster).")
        self.trials = CheckedSpinBox("Random trials")
        self.trials.setObjectName("sweepTrials")
        self.trials.setToolTip("Random search only: how many combinations to sample and train (Grid trains every one)")
        self.trials.setRange(1, 64)
        self.trials.setValue(6)
        self.epochs = CheckedSpinBox("Epochs per trial")
        self.epochs.setObjectName("sweepEpochs")
        self.epochs.setToolTip("Epochs per trial: short trials compare settings quickly, longer ones more fairly")
        self.epochs.setRange(1, 10_000)
        self.epochs.setValue(10)
        form.addRow("Learning rates:", self.lrs)
        form.addRow("Batch sizes:", self.batches)
        form.addRow("Vary the width of:", self.layer)
        form.addRow("Widths:", self.widths)
        form.addRow("Search:", self.mode)
        form.addRow("Random trials:", self.trials)
        form.addRow("Epochs per trial:", self.epochs)
        self.note = RefusalNote()  # why a typed number was refused
        self.note.setObjectName("sweepRefusal")
        for box in (self.trials, self.epochs):
            self.note.watch(box)
        form.addRow(self.note)
        right = QVBoxLayout()
        explain = QLabel("The sweep trains one run per combination, one after another, with the project's other "
                         "settings. Each run appears in the table above as it finishes; the best by validation "
                         "is highlighted green. Restore it to continue from there.")
        explain.setWordWrap(True)
        self.start_button = QPushButton("Run sweep")
        self.start_button.setObjectName("sweepRun")
        self.start_button.setToolTip("Train one copy of the network per trial and list their validation scores")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("sweepCancel")
        self.cancel_button.setToolTip("Stop the sweep; the trials already finished stay in the table")
        self.progress = QProgressBar()
        self.progress.setObjectName("sweepProgress")
        self.status = QLabel("")
        self.status.setObjectName("sweepStatus")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        right.addWidget(explain)
        right.addLayout(buttons)
        right.addWidget(self.progress)
        right.addWidget(self.status)
        right.addStretch(1)
        lay.addLayout(form, 1)
        lay.addLayout(right, 1)
        document.architecture_changed.connect(self.fill_layers)

    @Slot()
    def fill_layers(self) -> None:
        """Offer the project's hidden Linear layers (their widths can be varied)."""
        arch = self.document.project.architecture
        self.layer.clear()
        self.layer.addItem("(no layer)", -1)
        for i in hidden_linear_layers(arch):
            width = arch.layers[i].params.get("out_features", "?")
            self.layer.addItem(f"layer {i + 1}: Linear, {width} neurons", i)

    def spec(self) -> SweepSpec:
        widths: dict[int, list[int]] = {}
        layer = self.layer.currentData()
        if layer is not None and layer >= 0:
            values = parse_numbers(self.widths.text(), int, "Widths")
            if not values:
                raise RunsError("List the widths to try for the chosen layer (e.g. 4, 16, 64), or choose '(no layer)'")
            widths[int(layer)] = values
        lrs = parse_numbers(self.lrs.text(), float, "Learning rates")
        if not lrs:
            raise RunsError("List at least one learning rate, e.g. 0.001, 0.01")
        return SweepSpec(lrs=lrs, batch_sizes=parse_numbers(self.batches.text(), int, "Batch sizes"),
                         widths=widths, mode=self.mode.currentText(), trials=self.trials.value(),
                         epochs=self.epochs.value(), seed=self.document.project.training.seed)

    # ------------------------------------------------------------------ the task
    def prepare(self) -> Task | None:
        doc = self.document
        try:
            spec = self.spec()
            bundle = doc.bundle()
            arch = copy.deepcopy(doc.project.architecture)
            base = doc.project.training.copy()
            weights = doc.project.weights  # frozen layers keep them in every trial
            total = len(trials(spec, base))
        except NNStudioError as exc:
            show_error(self, "Cannot start the sweep", exc)
            return None
        store = _SweepStore(self.store)

        def task(tc: TaskContext) -> int:
            # Each finished run goes to the GUI thread (tc.item), which adds it to the panel's store and table.
            runs = run_sweep(spec, arch, bundle, base, store=store, on_run=tc.item,
                             on_progress=tc.progress, control=tc.control, weights=weights)
            return len(runs)

        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.status.setText(f"Sweep of {total} runs started…")
        return task

    def show_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setValue(done - 1)  # trial ``done`` has started, not finished
        self.status.setText(f"Trial {done} of {total}: {text}")

    def cancelling(self) -> None:
        self.status.setText("Cancelling: the current trial stops after its batch…")

    def finished(self, result: int) -> None:
        best = self.store.best([r for r in self.store.runs if r.origin == "sweep" and r.status != "failed"])
        self.progress.setValue(result)
        mine = [r for r in self.store.runs if r.origin == "sweep"][-result:] if result else []
        failed = [r for r in mine if r.status == "failed"]
        # A failed trial's reason is in the table's Status column and its tooltip; the first one is said here.
        why = (f" {len(failed)} failed; the first: {failed[0].message}" if failed else "")
        self.status.setText(f"Sweep finished: {result} runs." + (f" Best: {best.name}." if best else "") + why)
