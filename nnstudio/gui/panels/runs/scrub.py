"""The "Scrub epochs" page: go back through a run's per-epoch weight snapshots (its boundary and metrics then),
and the snapshot settings new runs are recorded with."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.arch.builder import build
from nnstudio.core.arch.weights import apply_weights
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.insight.grid import Plane, boundary_grid
from nnstudio.core.project.file_format import format_size
from nnstudio.core.training.engine import new_model
from nnstudio.core.workspace.document import ProjectDocument
from nnstudio.core.workspace.runs import DEFAULT_SNAPSHOT_CAP_MB, Run, RunRecorder
from nnstudio.gui.panels.inside import current_plane
from nnstudio.gui.widgets.boundary_view import BoundaryView
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote

NO_RUN = "Train a run to scrub through its epochs."


class ScrubPage(QWidget):
    use_epoch = Signal(object, int)  # (run, epoch): put that epoch's weights into the project

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.run: Run | None = None
        self.epochs: list[int] = []  # the shown run's snapshot epochs, one per slider position
        self.epoch = 0
        self._plane: Plane | None = None
        self._plane_ready = False  # None is a valid answer (the data is not 2-D): remember that it was asked

        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        self.title = QLabel(NO_RUN)
        self.title.setObjectName("scrubTitle")
        self.title.setWordWrap(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("scrubSlider")
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self._to_index)
        self.metrics = QLabel()
        self.metrics.setObjectName("scrubMetrics")
        self.metrics.setWordWrap(True)
        self.metrics.setTextFormat(Qt.TextFormat.RichText)
        self.use_button = QPushButton("Use this epoch's weights")
        self.use_button.setObjectName("scrubUse")
        self.use_button.setToolTip("Put the weights of the shown epoch into the project (Evaluation, Interpretability, Save)")
        self.use_button.clicked.connect(self._use)
        self.keep_snapshots = QCheckBox("Keep a weight snapshot after every epoch")
        self.keep_snapshots.setObjectName("keepSnapshots")
        self.keep_snapshots.setToolTip("Keep a copy of the weights after every epoch so you can scrub back through the run (uses memory)")
        self.keep_snapshots.setChecked(True)
        self.snapshot_cap = CheckedSpinBox("The memory cap")
        self.snapshot_cap.setObjectName("snapshotCap")
        self.snapshot_cap.setRange(1, 16_384)
        self.snapshot_cap.setValue(DEFAULT_SNAPSHOT_CAP_MB)
        self.snapshot_cap.setSuffix(" MB")
        self.snapshot_cap.setToolTip("The most memory one run's snapshots may use; later epochs are not kept beyond it")
        self.snapshot_use = QLabel()
        self.snapshot_use.setObjectName("snapshotUse")
        self.snapshot_use.setWordWrap(True)
        cap_row = QHBoxLayout()
        cap_row.addWidget(QLabel("Memory cap per run:"))
        cap_row.addWidget(self.snapshot_cap)
        cap_row.addStretch(1)
        left.addWidget(self.title)
        left.addWidget(self.slider)
        left.addWidget(self.metrics)
        left.addWidget(self.use_button)
        left.addStretch(1)
        left.addWidget(self.keep_snapshots)
        left.addLayout(cap_row)
        self.note = RefusalNote()
        self.note.watch(self.snapshot_cap)
        left.addWidget(self.note)
        left.addWidget(self.snapshot_use)
        self.boundary = BoundaryView("Boundary at this epoch")
        self.boundary.setObjectName("scrubBoundary")
        self.boundary.setMinimumWidth(380)
        lay.addLayout(left, 1)
        lay.addWidget(self.boundary, 1)

    def recorder(self, run: Run) -> RunRecorder:
        """A recorder for a new run, with the snapshot settings chosen here."""
        return RunRecorder(run, self.snapshot_cap.value() * 2**20, self.keep_snapshots.isChecked())

    # ------------------------------------------------------------------ the data's plane
    def plane(self) -> Plane | None:
        """The raw 2-D plane the boundary is drawn on (None: the data is not 2-D); looked up once per dataset."""
        if not self._plane_ready:
            self._plane = current_plane(self.document)
            self._plane_ready = True
        return self._plane

    def forget_plane(self) -> None:
        self._plane_ready = False
        self._plane = None

    # ------------------------------------------------------------------ showing a run
    def show_run(self, run: Run | None) -> None:
        """Show ``run``'s snapshots, at its last kept epoch."""
        self.run = run
        epochs = sorted(run.snapshots) if run is not None else []
        self.epochs = epochs
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(epochs) - 1))
        self.slider.setValue(len(epochs) - 1 if epochs else 0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(epochs) > 1)
        cap = self.snapshot_cap.value()
        if run is None:
            self.title.setText(NO_RUN)
            self.snapshot_use.setText(f"Snapshots are kept up to {cap} MB per run.")
            self.metrics.setText("")
        elif not epochs:
            self.title.setText(f"{run.name} kept no per-epoch snapshots (switched off, or the model is larger "
                               f"than the memory cap).")
            self.snapshot_use.setText(f"Snapshots are kept up to {cap} MB per run.")
        else:
            skipped = f"; {run.snapshots_skipped} later epochs not kept (cap reached)" if run.snapshots_skipped else ""
            self.title.setText(f"<b>{run.name}</b>: drag to go back to an earlier epoch.")
            self.snapshot_use.setText(f"This run's snapshots use {format_size(run.snapshot_bytes())} of the {cap} MB "
                                      f"cap ({len(epochs)} epochs{skipped}).")
            self._to_index(self.slider.value())

    def set_training(self, training: bool) -> None:
        # Restoring weights while a run trains would change the network under it.
        self.use_button.setEnabled(bool(self.epochs) and not training)

    @Slot(int)
    def _to_index(self, index: int) -> None:
        if self.run is None or not self.epochs:
            return
        self.show_epoch(self.run, self.epochs[max(0, min(index, len(self.epochs) - 1))])

    def show_epoch(self, run: Run, epoch: int) -> None:
        self.epoch = epoch
        metrics = run.metrics_at(epoch)
        shown = ", ".join(f"{k.replace('_', ' ')} <b>{v:.4f}</b>" for k, v in metrics.items()
                          if k not in ("seconds", "lr"))
        head = "Before training (the starting weights)" if epoch == 0 else f"Epoch {epoch} of {run.epochs}"
        self.metrics.setText(f"{head}" + (f": {shown}" if shown else ""))
        plane = self.plane()
        self.boundary.setVisible(plane is not None)
        if plane is None:
            return
        doc = self.document
        try:
            bundle = doc.bundle()
            module = new_model(build(run.architecture or doc.project.architecture, bundle.input_shape).module, 0)
            apply_weights(module, run.weights_at(epoch))
            grid = boundary_grid(module, bundle.pipeline, plane, bundle.task, 120)
        except NNStudioError as exc:
            self.metrics.setText(f"{head}: cannot draw the boundary ({exc})")
            return
        if self.boundary.plane is not plane:
            self.boundary.set_plane(plane, bundle.num_classes if bundle.task == CLASSIFICATION else 0)
        self.boundary.show_grid(grid)
        self.boundary.setTitle(f"Boundary at {'the start' if epoch == 0 else f'epoch {epoch}'}", color="#333", size="11pt")

    @Slot()
    def _use(self) -> None:
        if self.run is not None and self.epochs:
            self.use_epoch.emit(self.run, self.epoch)
