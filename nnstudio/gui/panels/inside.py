"""The Inside tab: what the network does while it learns.

For 2-D data: the decision boundary (or regression surface) over the raw input plane with the training
and test points, and a grid of maps, one per hidden neuron of the chosen layer, redrawn with every frame
(hover one: it is shown enlarged with its bias and incoming weights). For any model: weight and gradient histograms per layer, every layer's gradient norm over time
(log scale, so vanishing gradients are plain), and activation statistics (mean, spread, dead ReLUs).

Collection happens in the training thread through callbacks registered in
``ctx.run_callback_factories``; they put plain numpy results on queues that a GUI timer drains.
"""

from __future__ import annotations

import math
import queue

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.insight.grid import (
    NeuronLayer,
    Plane,
    boundary_grid,
    neuron_responses,
    plane_for,
)
from nnstudio.core.insight.live import NEURON_RESOLUTION, RESOLUTION, BoundaryCallback, BoundaryFrame
from nnstudio.core.insight.stats import DEFAULT_EVERY, StatsCallback, StatsSnapshot
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import Trainer
from nnstudio.core.workspace.document import DataPendingError, ProjectDocument
from nnstudio.gui import palette
from nnstudio.gui.context import AppContext
from nnstudio.gui.lessons.views import backprop_button
from nnstudio.gui.widgets.boundary_view import BoundaryView
from nnstudio.gui.widgets.fit_width import stretch_while_room
from nnstudio.gui.widgets.live_plot import LivePlot
from nnstudio.gui.widgets.neuron_maps import NeuronMap, NeuronMapsView
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote

POLL_MS = 100
IDLE_MAX_PARAMS = 2_000_000  # the idle (not training) boundary is drawn in the GUI thread only for small models


def plane_and_reason(document: ProjectDocument) -> tuple[Plane | None, str]:
    """The project's raw 2-D plane, or None with why the boundary and neuron views cannot be drawn."""
    try:
        bundle = document.bundle()
        shape = tuple(bundle.raw_shape)
        if shape != (2,):
            what = f"{shape[0]} input columns" if len(shape) == 1 else "examples of shape " + " x ".join(map(str, shape))
            return None, (f"The boundary and neuron views need data with exactly two input columns (such as the 2-D "
                          f"toys: moons, circles, spirals); this data has {what}. The statistics below work "
                          "for any model.")
        if bundle.task != CLASSIFICATION and bundle.output_size != 1:  # e.g. a 2-D VAE rebuilding (x1, x2)
            return None, (f"The boundary and neuron views colour the plane by one number, but this data has "
                          f"{bundle.output_size} targets per example; the VAE's density view is on the "
                          "Interpretability tab (Latent space). The statistics below work for any model.")
        plane = plane_for(document.prepared())
        if plane is None:
            return None, ("The boundary and neuron views need two numeric input columns; this data's two columns "
                          "are not numbers the plane can show. The statistics below work for any model.")
        return plane, ""
    except DataPendingError:
        return None, "The data is still loading; the boundary and neuron views appear when it is ready."
    except NNStudioError as exc:
        return None, f"The data cannot be loaded, so there is no plane to draw: {exc}"


def current_plane(document: ProjectDocument) -> Plane | None:
    """The project's raw 2-D plane, or None (not 2-D, or the data cannot load)."""
    return plane_and_reason(document)[0]


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
        self._grad_curves: set[str] = set()

        # ---------------------------------------------------------------- controls
        self.collect = QCheckBox("Collect while training")
        self.collect.setObjectName("collectStats")
        self.collect.setChecked(True)
        self.collect.setToolTip("Watch the network from inside during a run. Off: training runs at full speed.")
        self.collect.toggled.connect(self._rate_changed)
        self.every = CheckedSpinBox("Collect every")
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
        self.every_note = RefusalNote()
        self.every_note.watch(self.every)
        top.addWidget(self.every_note)
        top.addWidget(self.status, 1)
        top.addWidget(backprop_button(self))  # a small dense network's last run, one step on the graph

        # ---------------------------------------------------------------- boundary + neurons (top)
        self.boundary = BoundaryView()
        self.boundary.setObjectName("boundaryView")
        self.boundary.setMinimumSize(300, 280)
        self.boundary_note = QLabel()
        self.boundary_note.setObjectName("boundaryNote")
        self.boundary_note.setWordWrap(True)
        self.boundary_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.boundary_note.setStyleSheet("color: #555; padding: 20px;")
        self.neuron_maps = NeuronMapsView()
        self.plane_row = QSplitter()  # the boundary beside the neuron maps, both as big as the tab allows
        self.plane_row.setObjectName("planeRow")
        self.plane_row.setChildrenCollapsible(False)
        self.plane_row.addWidget(self.boundary)
        self.plane_row.addWidget(self.neuron_maps)
        self.plane_row.setStretchFactor(0, 4)
        self.plane_row.setStretchFactor(1, 5)

        # ---------------------------------------------------------------- statistics (bottom)
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
        self.act_table.setHorizontalHeaderLabels(["Layer", "Mean", "Spread (std)", "Dead ReLUs", "Saturated"])
        self.act_table.verticalHeader().hide()
        self.act_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # Columns as wide as their titles and values, the last taking the rest while there is some: five equal
        # shares of this narrow pane cut the titles at 1280x720, a stretched last one cut 'Saturated' at 1.5x text.
        stretch_while_room(self.act_table, 4)
        self.act_table.setToolTip("Dead ReLUs: units that output 0 for every example of the batch; they no longer "
                                  "learn. Saturated: sigmoid/tanh outputs stuck near their limits (tiny gradients).")
        hists = QWidget()
        hl = QVBoxLayout(hists)
        hl.setContentsMargins(0, 0, 0, 0)
        layer_row = QHBoxLayout()
        layer_row.addWidget(QLabel("Histograms of layer:"))
        layer_row.addWidget(self.layer_choice, 1)
        hl.addLayout(layer_row)
        hl.addLayout(hist_row, 1)
        self.stats_row = QSplitter()
        self.stats_row.setObjectName("statsRow")
        self.stats_row.setChildrenCollapsible(False)
        for w, stretch in ((self.grad_plot, 4), (hists, 4), (self.act_table, 3)):
            self.stats_row.addWidget(w)
            self.stats_row.setStretchFactor(self.stats_row.count() - 1, stretch)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.plane_row)
        self.splitter.addWidget(self.stats_row)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.boundary_note)
        layout.addWidget(self.splitter, 1)
        self._user_sized = False  # until a splitter is dragged, _fit_rows shares the space on every resize
        for split in (self.splitter, self.plane_row, self.stats_row):
            split.splitterMoved.connect(self._sized_by_user)

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
        fill = pg.mkColor(palette.role("accent"))
        fill.setAlpha(120)
        plot.curve = plot.plot([0, 1], [0], stepMode="center", fillLevel=0, brush=fill, pen=palette.role_pen("accent", 1.5))
        return plot

    # ------------------------------------------------------------------ plane and idle boundary
    @Slot()
    def refresh_plane(self) -> None:
        doc = self.ctx.document
        self.plane, reason = plane_and_reason(doc)
        try:
            bundle = doc.bundle()
            classes = bundle.num_classes if bundle.task == CLASSIFICATION else 0
        except NNStudioError:
            classes = 0
        self.boundary.set_plane(self.plane, classes)
        two_d = self.plane is not None
        self.plane_row.setVisible(two_d)
        # The note and the status say what this data is, never what an earlier project was.
        self.boundary_note.setText(reason)
        self.boundary_note.setVisible(not two_d)
        self.status.setText("" if two_d else "Gradients, histograms and activations are collected while training.")
        if not two_d:
            self.neuron_maps.show_layers([])
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
                model = doc.fresh_model()
                label = "untrained network"
            else:
                label = "trained network"
            if sum(p.numel() for p in model.parameters()) > IDLE_MAX_PARAMS:
                self.status.setText("This network is too big to draw over the plane between runs; train it to "
                                    "see its boundary and neurons live.")
                return
            bundle = doc.bundle()
            grid = boundary_grid(model, bundle.pipeline, self.plane, bundle.task, RESOLUTION)
            neurons = neuron_responses(model, bundle.pipeline, self.plane, NEURON_RESOLUTION, self.plane.feature_names)
        except NNStudioError as exc:
            self.status.setText(f"Nothing to draw over the plane: {exc}")
            return
        except RuntimeError as exc:
            self.status.setText(f"The network could not run on the plane's points: {exc}")
            return
        self.boundary.show_grid(grid)
        self._show_neurons(neurons)
        names = " and ".join(self.plane.feature_names[:2]) or "the two inputs"
        self.status.setText(f"Showing the {label} over the plane of {names}. Train to watch it change; the views "
                            f"update every {self.every.value()} batches.")

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
            self.status.setText(f"Live: epoch {frame.epoch}, batch {frame.batch}")
        if snap is not None:
            self.show_snapshot(snap)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._fit_rows()
        self._show_unshown()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Share the space as a projector needs it: the plane row takes three fifths of the height, the
        boundary about a square of it, and the neuron maps the rest; kept as the user sets it once dragged."""
        if self._user_sized:
            return
        height = self.splitter.height()
        if height > 0:
            self.splitter.blockSignals(True)
            self.splitter.setSizes([height * 3 // 5, height - height * 3 // 5])
            self.splitter.blockSignals(False)
        row_h, width = height * 3 // 5, self.plane_row.width()
        if width > 0:
            side = max(min(row_h + 40, width * 9 // 20), 300)
            self.plane_row.blockSignals(True)
            self.plane_row.setSizes([side, max(width - side, 1)])
            self.plane_row.blockSignals(False)
        width = self.stats_row.width()
        if width > 0:
            self.stats_row.blockSignals(True)
            self.stats_row.setSizes([width * 7 // 20, width * 7 // 20, width - 2 * (width * 7 // 20)])
            self.stats_row.blockSignals(False)

    @Slot()
    def _sized_by_user(self, *_: object) -> None:
        self._user_sized = True

    def _add_grad_norms(self, snap: StatsSnapshot) -> None:
        for name, value in snap.grad_norms.items():
            if name not in self._grad_curves:
                color = palette.color(len(self._grad_curves))
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

    # ------------------------------------------------------------------ neuron maps
    @property
    def tiles(self) -> list[list[NeuronMap]]:
        """The maps, per layer and unit (each keeps the values and colours it shows)."""
        return self.neuron_maps.tiles

    def _show_neurons(self, layers: list[NeuronLayer]) -> None:
        self.neuron_layers = layers
        self.neuron_maps.show_layers(layers)

    def shutdown(self, timeout_ms: int | None = 30_000) -> bool:
        """No thread of its own: stop the live timer."""
        self.timer.stop()
        self._live = []
        return True

