"""The Playground tab: data, input features, the network as a live graph and the output on one screen,
training batch after batch while the teacher talks (TensorFlow Playground, on the project's own network).

Every control edits the project (data through ``document.set_data``, settings through ``set_training``,
the network through the undo stack's core commands), so the other tabs, Save and export see the same
thing. Any change resets the weights and restarts the run; a weight typed on an edge is the one change
that keeps the others. Training runs in a worker thread (:mod:`.runner`); frames come back as plain data.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.arch.commands import EditCommand, ReplaceArchitecture
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.registry import DATASETS, OPTIMIZERS
from nnstudio.core.data.assemble import prepare
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.playground import data as pdata
from nnstudio.core.playground import graph as pgraph
from nnstudio.core.playground.frames import Frame, FrameCallback, set_weight, surface_for
from nnstudio.core.training.engine import Trainer
from nnstudio.gui import palette
from nnstudio.gui.context import AppContext
from nnstudio.gui.panels.playground.controls import DataColumn, TopBar, select_data
from nnstudio.gui.panels.playground.graph_view import NetworkGraph, layer_scale
from nnstudio.gui.panels.playground.output_view import OutputArea
from nnstudio.gui.panels.playground.runner import PlaygroundRunner
from nnstudio.gui.panels.protocol import RevisionWatch
from nnstudio.gui.widgets.neuron_maps import WeightBars

OFFERED = ("spiral", "circles", "xor", "moons", "blobs", "sine")


class Offer(QWidget):
    """Shown when the project's data is not one or two numeric columns: the toys, one click each."""

    picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setObjectName("playgroundOfferText")
        self.text.setStyleSheet("font-size: 14px;")
        self.text.setMaximumWidth(900)
        title = QLabel("<h2>Playground</h2>")
        row = QHBoxLayout()
        for source in OFFERED:
            button = QPushButton(DATASETS.get(source).title)
            button.setObjectName(f"offer_{source}")
            button.setMinimumSize(120, 44)
            button.setToolTip(f"Play with {DATASETS.get(source).title.lower()}: {DATASETS.get(source).help.splitlines()[0]}")
            button.clicked.connect(lambda _=False, s=source: self.picked.emit(s))
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 20, 40, 20)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(self.text)
        layout.addLayout(row)
        layout.addStretch(2)


class Refusal(QWidget):
    """Shown when the network is not a stack the Playground can draw: why, and the ways on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setObjectName("playgroundRefusal")
        self.text.setStyleSheet("font-size: 14px;")
        self.text.setMaximumWidth(900)
        self.inside = QPushButton("Open the Inside tab")
        self.inside.setObjectName("playgroundOpenInside")
        self.starter = QPushButton("Start from a Playground network")
        self.starter.setObjectName("playgroundStarter")
        self.starter.setToolTip("Replace the network by two small tanh layers (Ctrl+Z brings yours back)")
        row = QHBoxLayout()
        row.addWidget(self.inside)
        row.addWidget(self.starter)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 20, 40, 20)
        layout.addStretch(1)
        layout.addWidget(QLabel("<h2>Playground</h2>"))
        layout.addWidget(self.text)
        layout.addLayout(row)
        layout.addStretch(2)


class PlaygroundPanel(QWidget):
    frame_painted = Signal(object)  # the Frame just painted (benchmarks and tests wait on it)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playground")
        self.ctx, self.document = ctx, ctx.document
        self.runner = PlaygroundRunner(self)
        self.runner.frame_ready.connect(self._on_frame)
        self.runner.completed.connect(lambda c: self._say(c.error) if c.error and not c.cancelled else None)
        self.playing = False
        self.generation = 0
        self.prepared = self.surface = self.graph = self.trainer = self.callback = None
        self.features: list[str] = []
        self.selected: list[str] = []
        self.frame: Frame | None = None
        self.hovered = (-1, -1)
        self._build()
        d = self.document
        palette.subscribe(self._palette_changed)
        self.watch = RevisionWatch(self, d, self.reset, (d.project_replaced, d.architecture_changed, d.data_changed,
                                                         d.training_changed))

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.top = TopBar()
        self.data = DataColumn()
        self.graph_view = NetworkGraph()
        scroll = QScrollArea()
        scroll.setObjectName("playgroundGraphScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.graph_view)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll = scroll
        self.layers_label = QLabel()
        self.layers_label.setObjectName("playgroundLayers")
        self.add_layer = QPushButton("+")
        self.add_layer.setObjectName("playgroundAddLayer")
        self.add_layer.setToolTip("Add a hidden layer")
        self.remove_layer = QPushButton("−")
        self.remove_layer.setObjectName("playgroundRemoveLayer")
        self.remove_layer.setToolTip("Remove the last hidden layer")
        for b in (self.add_layer, self.remove_layer):
            b.setFixedSize(30, 30)
            b.setStyleSheet("font-size: 16px; font-weight: bold;")
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<span style='color:#777; font-size:10px; font-weight:bold'>FEATURES</span>"))
        heading.addStretch(1)
        heading.addWidget(self.remove_layer)
        heading.addWidget(self.add_layer)
        heading.addWidget(self.layers_label)
        heading.addStretch(2)
        middle = QVBoxLayout()
        middle.addLayout(heading)
        middle.addWidget(scroll, 1)
        self.output = OutputArea()
        self.unpainted: Frame | None = None  # handed to the output view, not painted yet
        self._surface_of = None  # the prepared data self.surface was made from
        self._network_key = None  # what the graph's nodes were made for
        for view in (self.output.plane_view, self.output.line_view):
            view.painted.connect(self._output_painted)
        self.output.setMinimumWidth(300)
        self.show_test = QCheckBox("Show test data")
        self.show_test.setObjectName("playgroundShowTest")
        self.show_test.setChecked(True)
        self.discretize = QCheckBox("Discretize output")
        self.discretize.setObjectName("playgroundDiscretize")
        self.weights_title = QLabel()
        self.weights_title.setObjectName("playgroundHoverTitle")
        self.weight_bars = WeightBars()
        self.weight_bars.setObjectName("playgroundHoverWeights")
        right = QVBoxLayout()
        right.addWidget(QLabel("<span style='color:#777; font-size:10px; font-weight:bold'>OUTPUT</span>"))
        right.addWidget(self.output, 1)
        right.addWidget(self.show_test, 0, Qt.AlignmentFlag.AlignLeft)
        right.addWidget(self.discretize, 0, Qt.AlignmentFlag.AlignLeft)
        self.weights_title.setWordWrap(True)
        right.addWidget(self.weights_title)
        right.addWidget(self.weight_bars)
        body = QHBoxLayout()
        body.addWidget(self.data)
        body.addLayout(middle, 3)
        body.addLayout(right, 2)
        main = QWidget()
        main_layout = QVBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addLayout(body, 1)
        self.offer, self.refusal = Offer(), Refusal()
        self.pages = QStackedWidget()
        for page in (main, self.offer, self.refusal):
            self.pages.addWidget(page)
        self.main_page = main
        self.note = QLabel()
        self.note.setObjectName("playgroundNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #a33;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.top)
        layout.addWidget(self.note)
        layout.addWidget(self.pages, 1)
        self.note.hide()
        t, d, g = self.top, self.data, self.graph_view
        t.play_toggled.connect(self.toggle_play)
        t.step_clicked.connect(self.step)
        t.reset_clicked.connect(self.reset)
        t.lr_picked.connect(lambda lr: self._train_setting(lr=lr))
        t.activation_picked.connect(lambda kind: self._edit(lambda spec: pgraph.set_activation(spec, kind)))
        t.regularization_picked.connect(lambda kind, rate: self._set_training(pdata.with_regularization(self._training(), kind, rate)))
        t.problem_picked.connect(lambda task: self.use_dataset(pdata.TOYS[task][0]))
        t.optimizer_picked.connect(self._optimizer)
        d.dataset_picked.connect(self.use_dataset)
        d.share_picked.connect(lambda share: self._data(lambda s: pdata.with_train_share(s, share)))
        d.noise_picked.connect(lambda noise: self._data(lambda s: pdata.with_param(s, "noise", noise)))
        d.batch_picked.connect(lambda n: self._train_setting(batch_size=n))
        d.regenerate_clicked.connect(lambda: self._data(pdata.regenerated))
        g.feature_toggled.connect(self._toggle_feature)
        g.units_changed.connect(lambda k, step: self._edit(lambda spec: pgraph.set_units(spec, k, self.graph.columns[k].units + step)))
        g.neuron_hovered.connect(self._hover)
        g.weight_typed.connect(self.type_weight)
        self.add_layer.clicked.connect(lambda: self._edit(lambda spec: pgraph.add_layer(spec, self._inputs())))
        self.remove_layer.clicked.connect(lambda: self._edit(lambda spec: pgraph.remove_layer(spec, self._inputs())))
        self.show_test.toggled.connect(lambda on: self.output.view.set_test_visible(on))
        self.discretize.toggled.connect(self._discretize)
        self.offer.picked.connect(lambda s: self.use_dataset(s, starter=True))
        self.refusal.inside.clicked.connect(lambda: self.ctx.show_tab_requested.emit("inside"))
        self.refusal.starter.clicked.connect(self.use_starter)

    # ------------------------------------------------------------------ panel protocol
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.playing and not self.watch.stale:
            self.runner.play()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self.runner.pause()  # a hidden Playground leaves the CPU to the other tabs; showing it plays on

    def shutdown(self, timeout_ms: int | None = 30_000) -> bool:
        return self.runner.shutdown(timeout_ms)

    # ------------------------------------------------------------------ the run
    @Slot()
    def reset(self) -> None:
        """New starting weights for the current project, and the run again (playing if it was)."""
        self.runner.shutdown()
        self.watch.mark_current()
        self.generation += 1
        self.frame = None
        try:
            self.prepared = self.document.prepared()
        except NNStudioError as exc:
            self._offer(f"The Playground cannot read this project's data: {exc}")
            return
        if self.prepared is not self._surface_of:  # the same data keeps its plane (a change of network is quick)
            self.surface, self._surface_of, self._network_key = surface_for(self.prepared), self.prepared, None
        if self.surface is None:
            shape = "x".join(str(s) for s in self.prepared.raw.x.shape[1:])
            self._offer(f"The Playground draws data with one or two numeric input columns; this project's data has "
                        f"{shape} values per example. Pick a dataset to play with: the network becomes two small tanh "
                        "layers (Ctrl+Z brings yours back), learning at rate 0.03 in batches of 10.")
            return
        spec = self.document.project.architecture
        try:
            self.graph = pgraph.read_graph(spec)
            model = self.document.fresh_model()
            self.trainer = Trainer(model, self.prepared.bundle, pdata.run_spec(self._training()))
        except pgraph.NotDrawable as exc:
            self.refusal.text.setText(f"<b>{exc}.</b><br>The Inside tab shows any network's neurons and boundaries "
                                      "while it trains.")
            self._page(self.refusal)
            return
        except NNStudioError as exc:
            self._page(self.main_page)
            self._say(str(exc))
            return
        self._page(self.main_page)
        self._say("")
        self._show_controls()
        bundle = self.prepared.bundle
        raw_names = list(self.prepared.raw.feature_names) or ["x1", "x2"][: self.surface.plane.train_x.shape[1]]
        self.features = pdata.candidates(raw_names)
        self.selected = pdata.selected_features(self.document.project.data, raw_names)
        classes = bundle.class_names if bundle.task == CLASSIFICATION else []
        key = ([(c.units, tuple(c.marks)) for c in self.graph.columns], self.graph.outputs, self.features, self.selected,
               classes)
        if key != self._network_key:  # new nodes only when the shape of the graph changed
            self._network_key = key
            self.graph_view.set_network(self.graph, self.features, self.selected, classes)
            self.graph_view.show_feature_pictures(self._feature_pictures(raw_names))
            self.output.set_surface(self.surface, len(classes))
            self.output.view.set_test_visible(self.show_test.isChecked())
        else:
            self.graph_view.graph = self.graph
            self.output.frame = None
            self.output.losses.clear()
        self.top.epoch.setText("Epoch 0")
        self.callback = FrameCallback(self.graph, self.surface, lambda _f: None, self.generation, bundle.test)
        self.runner.start(self.trainer, self.callback, self.playing)
        self.graph_view.editing_allowed = not self.playing

    def _feature_pictures(self, raw_names: list[str]) -> list[np.ndarray]:
        s = self.surface
        if s.dims == 2:
            gx, gy = np.meshgrid(s.xs, s.ys)
            points = np.column_stack([gx.ravel(), gy.ravel()])
            return [pdata.feature_values(n, raw_names, points).reshape(s.shape) for n in self.features]
        return [pdata.feature_values(n, raw_names, s.xs[:, None]) for n in self.features]

    @Slot()
    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def set_playing(self, playing: bool) -> None:
        self.playing = playing
        self.top.show_playing(playing)
        self.graph_view.editing_allowed = not playing
        if not self.runner.running:
            return
        if playing:
            self.runner.play()
        else:
            self.runner.pause()

    @Slot()
    def step(self) -> None:
        self.set_playing(False)
        self.runner.step()

    @Slot(object)
    def _on_frame(self, frame: Frame) -> None:
        if frame.generation != self.generation:
            return  # a frame of the network before the last change
        self.frame = frame
        self.graph_view.show_frame(frame, self.discretize.isChecked())
        self.output.show_frame(frame)
        if self.hovered[0] >= 0:
            self._hover(*self.hovered)
        self.top.epoch.setText(f"Epoch {frame.epoch:,}")
        # A frame counts once painted: the graph now, the output view when it has painted (_output_painted);
        # only then does the training thread go on (it waits meanwhile, see core/playground/frames.py).
        self.unpainted = frame  # before the repaint: the window's repaint may paint the output view too
        self.graph_view.repaint()
        if not self.output.view.isVisible():
            self._output_painted()

    @Slot()
    def _output_painted(self) -> None:
        frame, self.unpainted = self.unpainted, None
        if frame is not None:
            self.runner.frame_shown()
            self.frame_painted.emit(frame)

    # ------------------------------------------------------------------ look closer
    @Slot(int, int)
    def _hover(self, k: int, unit: int) -> None:
        self.hovered = (k, unit)
        frame = self.frame
        if k < 0 or frame is None or k >= len(frame.neurons) or unit >= frame.neurons[k].shape[0]:
            self.output.show_neuron(None, 1.0)
            self.weights_title.clear()
            self.weight_bars.set_rows([])
            return
        values = frame.neurons[k]
        self.output.show_neuron(values[unit], layer_scale(values))
        names = [n for n in self.features if n in self.selected] if k == 0 else [f"h{k}.{j + 1}" for j in range(frame.weights[k].shape[1])]
        w = frame.weights[k][unit]
        self.weights_title.setText(f"<b>Hidden layer {k + 1}, neuron {unit + 1}</b>: its incoming weights")
        self.weight_bars.set_rows([("bias", float(frame.biases[k][unit]))]
                                  + [(f"from {names[j] if j < len(names) else j + 1}", float(w[j])) for j in range(len(w))])

    @Slot(int, int, int, float)
    def type_weight(self, layer: int, unit: int, source: int, value: float) -> None:
        """The weight typed on an edge: into the model in the training thread (it is parked), then a frame."""
        model, graph, callback = self.trainer.model, self.graph, self.callback

        def change() -> None:
            set_weight(model, graph, layer, unit, source, value)
            callback.emit()

        self.runner.between_batches(change)

    # ------------------------------------------------------------------ edits
    def _inputs(self) -> int:
        return int(self.prepared.bundle.input_shape[0]) if self.prepared is not None else 2

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _offer(self, text: str) -> None:
        self.offer.text.setText(text)
        self._page(self.offer)

    def _page(self, page: QWidget) -> None:
        """Show ``page``; the top bar only with the network (elsewhere its values would be stale)."""
        self.pages.setCurrentWidget(page)
        self.top.setVisible(page is self.main_page)

    def _training(self):
        return self.document.project.training

    def _set_training(self, spec) -> None:
        self.document.set_training(spec)

    def _train_setting(self, **changes) -> None:
        spec = self._training().copy()
        for name, value in changes.items():
            setattr(spec, name, value)
        self._set_training(spec)

    def _optimizer(self, name: str) -> None:
        spec = self._training().copy()
        spec.optimizer, spec.optimizer_params = name, OPTIMIZERS.get(name).validate({}, "training.optimizer_params")
        self._set_training(spec)

    def push(self, command: EditCommand) -> bool:
        """Through the Architecture tab's undo stack (one step); an edit that cannot apply says why."""
        from nnstudio.gui.panels.architecture.undo import ArchitectureUndoCommand

        try:
            command.apply(self.document.project.architecture.copy())
        except NNStudioError as exc:
            self._say(str(exc))
            return False
        self.ctx.undo_stack.push(ArchitectureUndoCommand(self.document, command))
        return True

    def _edit(self, make) -> None:
        try:
            command = make(self.document.project.architecture)
        except NNStudioError as exc:
            self._say(str(exc))
            return
        self.push(command)

    def _data(self, change) -> None:
        try:
            self.set_data(change(self.document.project.data))
        except NNStudioError as exc:
            self._say(str(exc))

    def set_data(self, spec) -> None:
        self.document.set_data(spec, prepare(spec, self.document.base_dir, self.document.reusable_raw(spec)))

    def _toggle_feature(self, name: str) -> None:
        selected = [n for n in self.selected if n != name] if name in self.selected else [*self.selected, name]
        raw = list(self.prepared.raw.feature_names)
        self._data(lambda spec: pdata.with_features(spec, raw, selected))

    def use_dataset(self, source: str, starter: bool = False) -> None:
        """A toy dataset (one click), its loss for the task and, from the offer, a Playground-sized network."""
        current = self.document.project.data
        spec = pdata.toy_spec(source, current if self.surface is not None else None)
        try:
            prepared = prepare(spec, self.document.base_dir)
        except NNStudioError as exc:
            self._say(str(exc))
            return
        training = pdata.training_for_task(self._training(), prepared.bundle.task)
        if starter:  # TensorFlow Playground's opening settings, shown in the top bar
            training = (training or self._training()).copy()
            training.lr, training.batch_size = pdata.STARTER_LR, pdata.STARTER_BATCH
        self.document.set_data(spec, prepared)
        if training is not None:
            self._set_training(training)
        if starter or pgraph.drawable_problem(self.document.project.architecture):
            self.use_starter()

    def use_starter(self) -> None:
        try:
            bundle = self.document.bundle()
        except NNStudioError as exc:
            self._say(str(exc))
            return
        from nnstudio.core.arch.adapt import needed_outputs

        spec = pgraph.starter_architecture(int(np.prod(bundle.input_shape)), needed_outputs(bundle) or 1)
        self.push(ReplaceArchitecture(spec, "Playground network"))

    def _discretize(self, on: bool) -> None:
        self.output.plane_view.discrete = on
        if self.frame is not None:
            self._on_frame(self.frame)

    def _palette_changed(self) -> None:
        """Presentation mode switched the colours and widths: paint the points and the last frame again."""
        if self.surface is not None and self.prepared is not None:
            bundle = self.prepared.bundle
            self.output.set_surface(self.surface, bundle.num_classes if bundle.task == CLASSIFICATION else 0)
            self.graph_view.show_feature_pictures(self._feature_pictures(list(self.prepared.raw.feature_names)))
            self.output.view.set_test_visible(self.show_test.isChecked())
        self.graph_view.colour_outputs()
        if self.frame is not None:
            self._on_frame(self.frame)

    def _show_controls(self) -> None:
        t, spec, data = self.top, self._training(), self.document.project.data
        select_data(t.lr, float(spec.lr))
        select_data(t.activation, self.graph.activation or "tanh")
        kind, rate = pdata.regularization(spec)
        select_data(t.regularization, kind)
        select_data(t.reg_rate, float(rate))
        select_data(t.problem, self.prepared.bundle.task)
        select_data(t.optimizer, spec.optimizer)
        self.data.show_datasets(self.prepared.bundle.task, data.source)
        noise = data.params.get("noise") if pdata.has_param(data, "noise") else None
        self.data.show_values(pdata.train_share(data), noise, spec.batch_size)
        n = len(self.graph.columns)
        self.layers_label.setText(f"<b>{n}</b> HIDDEN LAYER{'S' if n != 1 else ''}")
        self.remove_layer.setEnabled(n > 0)
        self.add_layer.setEnabled(n < pgraph.MAX_LAYERS)
