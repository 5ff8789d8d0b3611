"""The Inside tab: what the network does while it learns.

For 2-D data: the decision boundary (or regression surface) over the raw input plane with the training
and test points, and one small heatmap per hidden neuron of the first layers (hover: incoming weights and
bias). For any model: weight and gradient histograms per layer, every layer's gradient norm over time
(log scale, so vanishing gradients are plain), and activation statistics (mean, spread, dead ReLUs).

Collection happens in the training thread through callbacks registered in
``ctx.run_callback_factories``; they put plain numpy results on queues that a GUI timer drains.
"""

from __future__ import annotations

import math
import queue

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.document import ProjectDocument
from nnstudio.core.errors import NNStudioError
from nnstudio.core.insight.grid import (
    NeuronLayer,
    Plane,
    boundary_grid,
    describe_neuron,
    neuron_responses,
    plane_for,
)
from nnstudio.core.insight.live import NEURON_RESOLUTION, RESOLUTION, BoundaryCallback, BoundaryFrame
from nnstudio.core.insight.stats import DEFAULT_EVERY, StatsCallback, StatsSnapshot
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import Trainer
from nnstudio.gui.context import AppContext
from nnstudio.gui.widgets.boundary_view import BoundaryView, NeuronTile
from nnstudio.gui.widgets.live_plot import PALETTE, LivePlot

POLL_MS = 100
IDLE_MAX_PARAMS = 2_000_000  # the idle (not training) boundary is drawn in the GUI thread only for small models
TILE = 62


def current_plane(document: ProjectDocument) -> Plane | None:
    """The project's raw 2-D plane, or None (not 2-D, or the data cannot load)."""
    try:
        bundle = document.bundle()
        if tuple(bundle.raw_shape) != (2,):
            return None
        return plane_for(document.project.data, document.base_dir)
    except NNStudioError:
        return None


class InsidePanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inside")
        self.ctx = ctx
        self.plane: Plane | None = None
        self.frames: queue.SimpleQueue = queue.SimpleQueue()
        self.stats: queue.SimpleQueue = queue.SimpleQueue()
        self._live: list[Callback] = []  # the callbacks of the run in progress (rate changes reach them)
        self.last_snapshot: StatsSnapshot | None = None
        self.neuron_layers: list[NeuronLayer] = []
        self.tiles: list[list[NeuronTile]] = []
        self._grad_curves: set[str] = set()

        # ---------------------------------------------------------------- controls
        self.collect = QCheckBox("Collect while training")
        self.collect.setObjectName("collectStats")
        self.collect.setChecked(True)
        self.collect.setToolTip("Watch the network from inside during a run. Off: training runs at full speed.")
        self.collect.toggled.connect(self._rate_changed)
        self.every = QSpinBox()
        self.every.setObjectName("collectEvery")
        self.every.setRange(1, 10_000)
        self.every.setValue(DEFAULT_EVERY)
        self.every.setPrefix("every ")
        self.every.setSuffix(" batches")
        self.every.setToolTip("How often statistics and the boundary are collected, at most: collection also keeps to "
                              "about 2% of the training time and, at full speed, to ten times a second, so a tiny "
                              "fast network is sampled less often. Slow the run down (Training tab) to see every "
                              "collection.")
        self.every.valueChanged.connect(self._rate_changed)
        self.status = QLabel()
        self.status.setObjectName("insideStatus")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.collect)
        top.addWidget(self.every)
        top.addWidget(self.status, 1)

        # ---------------------------------------------------------------- boundary + neurons (left)
        self.boundary = BoundaryView()
        self.boundary.setObjectName("boundaryView")
        self.boundary.setMinimumSize(360, 340)
        self.boundary_note = QLabel()
        self.boundary_note.setObjectName("boundaryNote")
        self.boundary_note.setWordWrap(True)
        self.boundary_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.boundary_note.setStyleSheet("color: #555; padding: 20px;")
        self.neuron_box = QWidget()
        self.neuron_grid = QGridLayout(self.neuron_box)
        self.neuron_grid.setSpacing(4)
        self.neuron_grid.setContentsMargins(2, 2, 2, 2)
        neuron_scroll = QScrollArea()
        neuron_scroll.setObjectName("neuronScroll")
        neuron_scroll.setWidgetResizable(True)
        neuron_scroll.setFrameShape(QFrame.Shape.NoFrame)
        neuron_scroll.setWidget(self.neuron_box)
        neuron_scroll.setMinimumHeight(170)
        neuron_title = QLabel("<b>Hidden neurons</b> — what each responds to over the plane (hover for its weights)")
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.boundary, 3)
        ll.addWidget(self.boundary_note)
        ll.addWidget(neuron_title)
        ll.addWidget(neuron_scroll, 2)
        self.neuron_title = neuron_title
        self.neuron_scroll = neuron_scroll

        # ---------------------------------------------------------------- statistics (right)
        self.grad_plot = LivePlot("Gradient norm per layer (log scale)", "epoch", "gradient norm", legend_offset=(-6, 6))
        self.grad_plot.setObjectName("gradNormPlot")
        self.grad_plot.set_log_y(True)
        self.layer_choice = QComboBox()
        self.layer_choice.setObjectName("histLayer")
        self.layer_choice.setToolTip("The layer whose weights and gradients the histograms show")
        self.layer_choice.currentTextChanged.connect(self._show_histograms)
        self.weight_hist = self._hist_plot("Weights")
        self.grad_hist = self._hist_plot("Gradients")
        hist_row = QHBoxLayout()
        hist_row.addWidget(self.weight_hist)
        hist_row.addWidget(self.grad_hist)
        self.act_table = QTableWidget(0, 5)
        self.act_table.setObjectName("activationTable")
        self.act_table.setHorizontalHeaderLabels(["Activation layer", "Mean", "Spread (std)", "Dead ReLUs", "Saturated"])
        self.act_table.verticalHeader().hide()
        self.act_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.act_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.act_table.setToolTip("Dead ReLUs: units that output 0 for every example of the batch; they no longer "
                                  "learn. Saturated: sigmoid/tanh outputs stuck near their limits (tiny gradients).")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.grad_plot, 3)
        layer_row = QHBoxLayout()
        layer_row.addWidget(QLabel("Histograms of layer:"))
        layer_row.addWidget(self.layer_choice, 1)
        rl.addLayout(layer_row)
        rl.addLayout(hist_row, 2)
        rl.addWidget(self.act_table, 2)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([560, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        # Drains the callbacks' queues while a run goes (started by callbacks_for_run): no wake-ups when idle.
        self._unshown: tuple[BoundaryFrame | None, StatsSnapshot | None] = (None, None)  # newest, drawn on show
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        ctx.run_callback_factories.append(self.callbacks_for_run)
        doc = ctx.document
        for signal in (doc.project_replaced, doc.data_changed):
            signal.connect(self.refresh_plane)
        for signal in (doc.weights_changed, doc.architecture_changed):
            signal.connect(self.show_trained)
        ctx.training_active_changed.connect(self._training_active)
        self.refresh_plane()

    @staticmethod
    def _hist_plot(title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        plot.setBackground("w")
        plot.setTitle(title, color="#333", size="10pt")
        plot.setMenuEnabled(False)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        plot.setMinimumHeight(120)
        plot.curve = plot.plot([0, 1], [0], stepMode="center", fillLevel=0, brush=(31, 119, 180, 120),
                               pen=pg.mkPen("#1f77b4", width=1.5))
        return plot

    # ------------------------------------------------------------------ plane and idle boundary
    @Slot()
    def refresh_plane(self) -> None:
        doc = self.ctx.document
        self.plane = current_plane(doc)
        try:
            bundle = doc.bundle()
            classes = bundle.num_classes if bundle.task == CLASSIFICATION else 0
        except NNStudioError:
            classes = 0
        self.boundary.set_plane(self.plane, classes)
        two_d = self.plane is not None
        self.boundary.setVisible(two_d)
        for w in (self.neuron_title, self.neuron_scroll):
            w.setVisible(two_d)
        self.boundary_note.setVisible(not two_d)
        if not two_d:
            self.boundary_note.setText("The boundary and neuron views need data with exactly two input columns "
                                       "(such as the 2-D toys: moons, circles, spirals). The statistics on the right "
                                       "work for any model.")
        self.show_trained()

    @Slot()
    def show_trained(self) -> None:
        """The project's trained network over the plane (between runs)."""
        if self.plane is None or self.ctx.training_active:
            return
        doc = self.ctx.document
        try:
            model = doc.trained_model()
            if model is None:
                model = doc.built().module
                label = "untrained network"
            else:
                label = "trained network"
            if sum(p.numel() for p in model.parameters()) > IDLE_MAX_PARAMS:
                return
            bundle = doc.bundle()
            grid = boundary_grid(model, bundle.pipeline, self.plane, bundle.task, RESOLUTION)
            neurons = neuron_responses(model, bundle.pipeline, self.plane, NEURON_RESOLUTION, self.plane.feature_names)
        except (NNStudioError, RuntimeError):
            return
        self.boundary.show_grid(grid)
        self._show_neurons(neurons)
        self.status.setText(f"Showing the {label}. Train to watch it change; the views update every "
                            f"{self.every.value()} batches.")

    @Slot(bool)
    def _training_active(self, active: bool) -> None:
        if not active:  # the run is over: take what it left on the queues, then show the kept weights
            self.timer.stop()
            self.poll()
            self._show_unshown()  # once, even on a hidden tab: what it shows next time is the run's end
            self.grad_plot.refit()  # its width grew with the run; now it is known
            if self.collect.isChecked():
                self.status.setText("The run has ended: these are the statistics of its last collection.")
            self.show_trained()

    # ------------------------------------------------------------------ live collection
    def callbacks_for_run(self, trainer: Trainer) -> list[Callback]:
        """Called by the Training tab (GUI thread) when a run starts."""
        self._drain()
        self._live = []
        self.grad_plot.clear_data()  # curves stay; a new run's layers add theirs on first sight
        every = self.every.value()
        stats = StatsCallback(self.stats.put, every=every, enabled=self.collect.isChecked())
        self._live.append(stats)
        if self.plane is not None:
            boundary = BoundaryCallback(self.plane, self.frames.put, every=every)
            boundary.enabled = self.collect.isChecked()
            self._live.append(boundary)
        self.status.setText("Watching the run from inside…" if self.collect.isChecked() else
                            "Collection is off: the views stay as they are during this run.")
        self.timer.start()
        return list(self._live)

    @Slot()
    def _rate_changed(self, *_: object) -> None:
        # Plain attribute writes: the training thread reads them at its next batch.
        for cb in self._live:
            cb.every = self.every.value()
            cb.enabled = self.collect.isChecked()

    def _drain(self) -> None:
        for q in (self.frames, self.stats):
            while True:
                try:
                    q.get_nowait()
                except queue.Empty:
                    break

    @Slot()
    def poll(self) -> None:
        frame: BoundaryFrame | None = None
        while True:
            try:
                frame = self.frames.get_nowait()
            except queue.Empty:
                break
        latest = None
        while True:
            try:
                snap = self.stats.get_nowait()
            except queue.Empty:
                break
            self._add_grad_norms(snap)  # every point is kept for the curve, shown or not
            latest = snap if snap.weight_hists or latest is None else latest
        # Drawing the newest frame and snapshot is the costly part: a hidden tab keeps them for its next show
        # rather than taking the GIL from the training thread to draw what nobody sees.
        pending = self._unshown[1]
        if latest is not None:
            if pending is not None and pending.weight_hists and not latest.weight_hists:
                # Histograms come at most a few times a second: keep the last ones, take the newer activations.
                pending.activations = latest.activations or pending.activations
            else:
                pending = latest
        self._unshown = (frame or self._unshown[0], pending)
        if self.isVisible():
            self._show_unshown()

    def _show_unshown(self) -> None:
        frame, snap = self._unshown
        self._unshown = (None, None)
        if frame is not None:
            self.boundary.show_grid(frame.grid)
            self._show_neurons(frame.neurons)
            self.status.setText(f"Epoch {frame.epoch}, batch {frame.batch}")
        if snap is not None:
            self.show_snapshot(snap)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._show_unshown()

    def _add_grad_norms(self, snap: StatsSnapshot) -> None:
        for name, value in snap.grad_norms.items():
            if name not in self._grad_curves:
                color = PALETTE[len(self._grad_curves) % len(PALETTE)]
                self.grad_plot.add_curve(f"layer {name}", color, width=1.8)
                self._grad_curves.add(name)
            self.grad_plot.append(f"layer {name}", snap.step, value if value > 0 else math.nan)

    def show_snapshot(self, snap: StatsSnapshot) -> None:
        if snap.weight_hists:
            self.last_snapshot = snap
            names = list(snap.weight_hists)
            if [self.layer_choice.itemText(i) for i in range(self.layer_choice.count())] != names:
                current = self.layer_choice.currentText()
                self.layer_choice.blockSignals(True)
                self.layer_choice.clear()
                self.layer_choice.addItems(names)
                if current in names:
                    self.layer_choice.setCurrentText(current)
                self.layer_choice.blockSignals(False)
            self._show_histograms()
        elif self.last_snapshot is not None:
            self.last_snapshot.activations = snap.activations or self.last_snapshot.activations
        self._show_activations(snap)

    @Slot()
    def _show_histograms(self, *_: object) -> None:
        snap = self.last_snapshot
        name = self.layer_choice.currentText()
        if snap is None or not name:
            return
        for plot, hists in ((self.weight_hist, snap.weight_hists), (self.grad_hist, snap.grad_hists)):
            hist = hists.get(name)
            if hist is not None:
                plot.curve.setData(hist.edges, hist.counts)

    def _show_activations(self, snap: StatsSnapshot) -> None:
        if not snap.activations:
            return
        table = self.act_table
        table.setRowCount(len(snap.activations))

        def pct(v: float) -> str:
            return "—" if not math.isfinite(v) else f"{100 * v:.0f} %"

        for row, (name, a) in enumerate(snap.activations.items()):
            cells = [f"layer {name}", f"{a.mean:.3g}", f"{a.std:.3g}", pct(a.dead), pct(a.saturated)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3 and math.isfinite(a.dead) and a.dead >= 0.5:
                    item.setBackground(pg.mkColor("#fde0e0"))
                table.setItem(row, col, item)

    # ------------------------------------------------------------------ neuron tiles
    def _show_neurons(self, layers: list[NeuronLayer]) -> None:
        shape = [lay.responses.shape[0] for lay in layers]
        if shape != [len(row) for row in self.tiles]:
            while self.neuron_grid.count():
                item = self.neuron_grid.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            self.tiles = []
            for r, lay in enumerate(layers):
                title = QLabel(lay.title.replace(" (", "\n("))
                title.setStyleSheet("color: #333; font-size: 9pt;")
                title.setFixedWidth(120)
                self.neuron_grid.addWidget(title, r, 0)
                row = []
                for u in range(lay.responses.shape[0]):
                    tile = NeuronTile(TILE)
                    tile.setObjectName(f"neuron_{r}_{u}")
                    self.neuron_grid.addWidget(tile, r, u + 1)
                    row.append(tile)
                self.tiles.append(row)
            self.neuron_grid.setColumnStretch(max(shape, default=0) + 1, 1)
        self.neuron_layers = layers
        for lay, row in zip(layers, self.tiles, strict=True):
            for u, tile in enumerate(row):
                tile.show_response(lay.responses[u], describe_neuron(lay, u))

    def shutdown(self) -> None:
        self.timer.stop()
        self._live = []

