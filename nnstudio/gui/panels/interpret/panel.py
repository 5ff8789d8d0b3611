"""The Interpretability tab: pick an example and a method, see which inputs drove the decision.

The tab explains a fresh copy of the trained network (``document.trained_model()``), never the module a
training run is changing, and it refuses to start while a run is active. Every attribution runs in a worker
thread with progress and Cancel.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from torch import nn

from nnstudio.core.base.errors import NNStudioError, format_shape
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.interpret.explain import predict
from nnstudio.core.interpret.subject import FEATURES, Subject
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.interpret.counterfactual_view import CounterfactualView
from nnstudio.gui.panels.interpret.dependence_view import DependenceView
from nnstudio.gui.panels.interpret.global_view import GlobalView
from nnstudio.gui.panels.interpret.internals_view import InternalsView
from nnstudio.gui.panels.interpret.jobs import JobView, Source
from nnstudio.gui.panels.interpret.latent_view import LatentView
from nnstudio.gui.panels.interpret.live_view import LiveView
from nnstudio.gui.panels.interpret.method_form import MethodForm
from nnstudio.gui.panels.interpret.runner import AttributionRunner, Outcome, Task
from nnstudio.gui.panels.interpret.views import COMPARE, GRID, SINGLE, ResultViews, caption
from nnstudio.gui.panels.protocol import RevisionWatch
from nnstudio.gui.threads import Completion
from nnstudio.gui.widgets.elide_combo import narrow_combo
from nnstudio.gui.widgets.heatmap_overlay import OverlayControls
from nnstudio.gui.widgets.thumbnail_list import ThumbnailList

GALLERY_SIZE = 96
GRID_DEFAULT = 8


class InterpretPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("interpret")
        self.ctx = ctx
        self.runner = AttributionRunner(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.completed.connect(self._on_completed)
        self.model: nn.Module | None = None  # the trained copy this tab explains
        self.subject: Subject | None = None
        self.problem = ""  # why nothing can be explained (data or architecture does not load)
        self.examples_x: np.ndarray = np.zeros((0,))
        self.pipeline = None  # the data's fitted preprocessing: images are shown as they look, not standardized
        self.examples_y: np.ndarray = np.zeros((0,))
        self.current: dict[str, Any] | None = None  # the example being explained
        self._rerun = False
        self._reason_shown = False  # the status line currently says why Explain cannot run
        self._shown = False  # pictures of an attribution are on screen
        self._window_filtered = False
        self._build_ui()
        doc = ctx.document
        changes = (doc.project_replaced, doc.architecture_changed, doc.data_changed)
        # Hidden, the tab does nothing on a change; shown, it reloads once if one came meanwhile.
        self.watch = RevisionWatch(self, doc, self.reload, (*changes, doc.weights_changed), refresh_on_show_at_once=True)
        for signal in changes:
            signal.connect(self._project_changed)
        doc.weights_changed.connect(self._weights_changed)
        ctx.training_active_changed.connect(self._training_active_changed)
        ctx.example_sent.connect(self.receive_example)

    # ================================================================== layout
    def _build_ui(self) -> None:
        self.gallery = ThumbnailList()
        self.gallery.setObjectName("exampleGallery")
        self.gallery.setMinimumHeight(150)
        self.gallery.setToolTip("Test examples. Click one to explain it; Ctrl- or Shift-click several for the grid.")
        self.gallery.itemSelectionChanged.connect(self._gallery_selection_changed)
        self.example_label = QLabel("No example chosen")
        self.example_label.setObjectName("exampleLabel")
        self.example_label.setWordWrap(True)
        example_box = QGroupBox("Example")
        box = QVBoxLayout(example_box)
        box.addWidget(self.gallery, 1)
        box.addWidget(self.example_label)

        self.target_combo = narrow_combo(QComboBox())
        self.target_combo.setObjectName("targetCombo")
        self.target_combo.setToolTip("Which output to explain: by default the class the network predicted")
        self.target_combo.currentIndexChanged.connect(self._settings_changed)
        self.method_form = MethodForm("method")
        self.method_form.changed.connect(self._settings_changed)
        self.second_form = MethodForm("secondMethod")
        self.second_form.set_method("gradcam")
        self.second_form.changed.connect(self._settings_changed)
        self.second_box = QGroupBox("Compare with")
        QVBoxLayout(self.second_box).addWidget(self.second_form)
        method_box = QGroupBox("Method")
        form = QFormLayout(method_box)
        form.addRow("Target:", self.target_combo)
        form.addRow(self.method_form)

        controls = QWidget()
        column = QVBoxLayout(controls)
        column.setContentsMargins(0, 0, 6, 0)
        column.addWidget(method_box)
        column.addWidget(self.second_box)
        column.addStretch(1)
        scroll = self.method_scroll = QScrollArea()
        scroll.setObjectName("methodScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(controls)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.explain_button = QPushButton("Explain")
        self.explain_button.setObjectName("explainButton")
        self.explain_button.setDefault(True)
        self.explain_button.clicked.connect(self.explain)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip("Stop after the current batch of network evaluations")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setObjectName("interpretProgress")
        self.progress.setRange(0, 1000)
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        run_row = QHBoxLayout()
        run_row.addWidget(self.explain_button, 1)
        run_row.addWidget(self.cancel_button, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(example_box, 2)
        left_layout.addWidget(scroll, 3)
        left_layout.addLayout(run_row)
        left_layout.addWidget(self.progress)
        left.setMinimumWidth(330)
        left.setMaximumWidth(460)

        self.mode_buttons = QButtonGroup(self)
        mode_row = QHBoxLayout()
        for mode, text, tip in (
            (SINGLE, "One example", "Input, attribution and overlay for one example"),
            (COMPARE, "Compare two methods", "The same example explained by two methods, one above the other"),
            (GRID, "Several examples", "One method on the examples selected in the gallery (or the first 8)"),
        ):
            button = QRadioButton(text)
            button.setObjectName(f"mode{mode}")
            button.setToolTip(tip)
            self.mode_buttons.addButton(button, mode)
            mode_row.addWidget(button)
        self.mode_buttons.button(SINGLE).setChecked(True)
        self.mode_buttons.idToggled.connect(self._mode_toggled)
        mode_row.addStretch(1)
        self.overlay_controls = OverlayControls()
        self.overlay_controls.changed.connect(self._style_changed)
        mode_row.addWidget(self.overlay_controls)

        self.status = QLabel()
        self.status.setObjectName("interpretStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.views = ResultViews()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addLayout(mode_row)
        status_row = QHBoxLayout()  # the colours beside the status: beside the modes they were cut at 1280x720
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.overlay_controls, 0, Qt.AlignmentFlag.AlignTop)
        right_layout.addLayout(status_row)
        right_layout.addWidget(self.views, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        # Views of the whole model, each a tab beside the one-prediction view.
        self.global_view = GlobalView()
        self.dependence_view = DependenceView(self.ctx.document)
        self.counterfactual_view = CounterfactualView()
        self.internals_view = InternalsView()
        self.latent_view = LatentView()
        self.live_view = LiveView(self.ctx)
        self.job_views: list[JobView] = [
            self.global_view, self.dependence_view, self.counterfactual_view, self.internals_view, self.latent_view,
        ]
        self.modes = QTabWidget()
        self.modes.setObjectName("interpretModes")
        self.modes.setDocumentMode(True)
        for page, title, tip in (
            (splitter, "One prediction", "Which inputs drove one decision (attribution methods)"),
            (self.global_view, "Global importance", "Which features matter over the whole test set"),
            (self.dependence_view, "Dependence (PDP / ICE)", "How the answer changes as one or two features change"),
            (self.counterfactual_view, "Counterfactual", "The smallest change that makes the network answer another class"),
            (self.internals_view, "Inside the network", "Feature maps, first-layer filters and layer conductance"),
            (self.latent_view, "Latent space", "The test set as a hidden layer sees it, in 2-D"),
            (self.live_view, "Live", "An attribution refreshed at every epoch while the network trains"),
        ):
            self.modes.addTab(page, title)
            self.modes.setTabToolTip(self.modes.count() - 1, tip)
        layout = QVBoxLayout(self)
        layout.addWidget(self.modes)
        self._mode_toggled(SINGLE, True)

    # ================================================================== document
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._window_filtered and self.window() is not self:
            # Join the worker thread when the window closes (a running QThread must never be destroyed).
            self.window().installEventFilter(self)
            self._window_filtered = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window() and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def _project_changed(self) -> None:
        self.current = None
        if self.isVisible():
            self.reload()

    def _weights_changed(self) -> None:
        if self.isVisible():
            self.reload(keep_example=True)
            if self.model is not None and self._shown:
                self.status.setText("The network has new weights; the pictures below are from the old ones. Press Explain to update.")

    def ensure_loaded(self) -> None:
        if self.watch.stale:
            self.reload(keep_example=True)

    def reload(self, keep_example: bool = False) -> None:
        """Rebuild the trained copy, the facts about the input and the gallery from the document."""
        self.runner.shutdown()
        for view in self.job_views:
            view.shutdown()
        self.watch.mark_current()
        doc = self.ctx.document
        self.model, self.subject, self.problem = None, None, ""
        titles: dict[str, str] = {}
        bundle = None
        try:
            bundle = doc.bundle()
            built = doc.built()
            self.model = doc.trained_model()
            self.subject = Subject.from_model(self.model or doc.fresh_model(), bundle)
            titles = {info.name: f"Layer {info.index}: {info.title} {info.summary}".strip() for info in built.layers}
            split = bundle.test if len(bundle.test) else bundle.validation
            n = min(GALLERY_SIZE, len(split))
            self.examples_x = split.x[:n].numpy()
            self.examples_y = split.y[:n].numpy()
            self.pipeline = bundle.pipeline
        except NNStudioError as exc:
            self.problem = str(exc)
            self.examples_x, self.examples_y = np.zeros((0,)), np.zeros((0,))
        self.method_form.set_subject(self.subject, titles)
        self.second_form.set_subject(self.subject, titles)
        # Colours and opacity style heatmaps over images; tabular features are drawn as bars they do not touch.
        self.overlay_controls.setVisible(self.subject is not None and self.subject.layout != FEATURES)
        self._share_source(bundle, titles)
        self._fill_gallery()
        if not keep_example:
            self.current = None
            self._shown = False
            self.views.clear("Pick an example on the left, then press Explain.")
        self._refresh_target()
        self._update_actions()

    def _share_source(self, bundle: Any, titles: dict[str, str]) -> None:
        """Hand the trained copy and the data to the whole-model views (each runs on its own copy)."""
        source = Source(self.model, self.subject, bundle if not self.problem else None, self.problem, self._busy_reason())
        self.internals_view.set_layer_titles(titles)
        self.latent_view.set_layer_titles(titles)
        for view in self.job_views:
            view.set_source(source)  # each job runs on a copy of the model made when it starts
        self.live_view.set_source(source)

    def _busy_reason(self) -> str:
        if self.ctx.training_active:
            return "Training is running. This view waits until it finishes, so it never uses weights that are still changing."
        return ""

    def _label_text(self, y: Any) -> str:
        if self.subject is not None and self.subject.task == CLASSIFICATION:
            return self.subject.class_name(int(y))
        return f"{float(np.asarray(y).reshape(-1)[0]):.3g}"

    def shown(self, x: np.ndarray) -> np.ndarray:
        """An image input as the student knows it: preprocessing undone where it can be (per-pixel
        standardization turns a digit into patchy grey); the attribution itself is computed on ``x``."""
        if self.pipeline is None or self.subject is None or self.subject.layout == FEATURES:
            return x
        raw = self.pipeline.untransform(np.asarray(x)[None])
        return x if raw is None or raw.shape[1:] != np.shape(x) else raw[0]

    def _fill_gallery(self) -> None:
        self.gallery.blockSignals(True)
        n = len(self.examples_x)
        captions = [self._label_text(self.examples_y[i]) for i in range(n)]
        tips = [f"Test example {i}, label {captions[i]}" for i in range(n)]
        if self.subject is not None and self.subject.layout != FEATURES:
            self.gallery.set_images([self.shown(x) for x in self.examples_x], captions, tips)
        else:
            names = [self.subject.feature_name(j) for j in range(self.examples_x.shape[1])] if n and self.subject else []
            rows = [f"#{i}  {captions[i]}:  " + ", ".join(f"{v:.2f}" for v in self.examples_x[i].reshape(-1)[:6]) for i in range(n)]
            tips = [", ".join(f"{name} = {v:.3g}" for name, v in zip(names, self.examples_x[i].reshape(-1), strict=False)) for i in range(n)]
            self.gallery.set_rows(rows, tips)
        self.gallery.blockSignals(False)

    # ================================================================== choosing
    def select_example(self, index: int) -> None:
        """Choose test example ``index`` (as a click in the gallery would)."""
        self.ensure_loaded()
        self.gallery.clearSelection()
        self.gallery.select_index(index)

    def _gallery_selection_changed(self) -> None:
        chosen = self.gallery.selected_indices()
        if not chosen:
            return
        i = self.gallery.currentRow() if self.gallery.currentRow() in chosen else chosen[0]
        self._set_current(
            {"x": self.examples_x[i], "label": self.examples_y[i], "source": "test set", "description": f"test example {i}", "index": i}
        )
        if self.mode() != GRID:
            self._auto_explain()

    @Slot(object)
    def receive_example(self, payload: dict[str, Any]) -> None:
        """An example sent from another tab (Evaluation's gallery or its drawing canvas)."""
        self.ensure_loaded()
        x = np.asarray(payload.get("x"), dtype=np.float32)
        if self.subject is not None and x.ndim == len(self.subject.input_shape) + 1 and x.shape[0] == 1:
            x = x[0]
        if self.subject is not None and tuple(x.shape) != self.subject.input_shape:
            self.status.setText(
                f"The example received has shape {format_shape(x.shape)} but the network takes {format_shape(self.subject.input_shape)}."
            )
            return
        self.gallery.blockSignals(True)
        self.gallery.clearSelection()
        self.gallery.blockSignals(False)
        if self.mode() == GRID:
            self.mode_buttons.button(SINGLE).setChecked(True)
        self._set_current({**payload, "x": x})
        self._auto_explain()

    def _set_current(self, example: dict[str, Any]) -> None:
        self.current = example
        label = example.get("label")
        source = example.get("source", "")
        from_gallery = source == "test set"
        shown = f", label {self._label_text(label)}" if from_gallery and label is not None and self.subject is not None else ""
        where = "" if from_gallery or not source else f"From {source}: "
        self.example_label.setText(f"{where}{example.get('description', 'example')}{shown}")
        self._refresh_target()
        self._update_actions()

    def _refresh_target(self) -> None:
        """Target list with the prediction for the current example; the predicted class first."""
        previous = self.target_combo.currentData()
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        probs = None
        if self.model is not None and self.subject is not None and self.current is not None:
            try:
                prediction = predict(self.model, self.current["x"], self.subject)
            except NNStudioError as exc:
                self.status.setText(str(exc))
                prediction = None
            if prediction is not None:
                probs = prediction.probabilities
                if prediction.predicted is not None:
                    name = self.subject.class_name(prediction.predicted) if self.subject.task == CLASSIFICATION else "output"
                    p = f", {probs[prediction.predicted]:.0%}" if probs is not None else ""
                    self.target_combo.addItem(f"Predicted: {name}{p}", None)
                else:
                    self.target_combo.addItem(f"Output (predicts {float(prediction.scores[0]):.3g})", None)
        else:
            self.target_combo.addItem("Predicted class", None)
        if self.subject is not None and self.subject.task == CLASSIFICATION:
            for i, name in enumerate(self.subject.class_names):
                p = f" ({probs[i]:.0%})" if probs is not None and i < len(probs) else ""
                self.target_combo.addItem(f"{name}{p}", i)
        index = self.target_combo.findData(previous)
        self.target_combo.setCurrentIndex(max(index, 0))
        self.target_combo.blockSignals(False)

    def mode(self) -> int:
        return self.mode_buttons.checkedId()

    def _mode_toggled(self, mode: int, checked: bool) -> None:
        if not checked:
            return
        self.second_box.setVisible(mode == COMPARE)
        self.method_form.set_brief(mode == COMPARE)
        self.second_form.set_brief(mode == COMPARE)
        self.target_combo.setEnabled(True)
        self.views.show_page(mode, self.subject.layout if self.subject else "image")
        self._update_actions()

    def _settings_changed(self, *_: object) -> None:
        self._update_actions()

    @Slot()
    def _style_changed(self) -> None:
        self.views.set_style(self.overlay_controls.colormap_name(), self.overlay_controls.opacity_value())

    # ================================================================== running
    def blocked_reason(self) -> str:
        """Why Explain cannot run now ("" when it can)."""
        if self.problem:
            return self.problem
        if self.ctx.training_active:
            return "Training is running. Explanations wait until it finishes, so they never use weights that are still changing."
        if self.model is None:
            return "No trained weights yet: train the network on the Training tab first."
        if self.mode() != GRID and self.current is None:
            return "Pick an example from the gallery (or send one from the Evaluation tab)."
        if self.mode() == GRID and not len(self.examples_x):
            return "The test split is empty."
        for form in (self.method_form, self.second_form) if self.mode() == COMPARE else (self.method_form,):
            if form.reason():
                return form.reason()
        return ""

    def _update_actions(self) -> None:
        running = self.runner.running
        reason = self.blocked_reason()
        self.explain_button.setEnabled(not running and not reason)
        self.explain_button.setToolTip(reason or "Compute the attribution (Enter)")
        self.cancel_button.setEnabled(running)
        if reason and not running:
            self.status.setText(reason)
            self._reason_shown = True
        elif self._reason_shown and not running:
            self._reason_shown = False
            self.status.setText("Press Explain (or pick another example) to see which inputs drove the decision.")
        self.views.show_page(self.mode(), self.subject.layout if self.subject else "image")

    def _auto_explain(self) -> None:
        """Fast methods run as soon as an example is picked; slow ones wait for the Explain button."""
        slow = self.method_form.is_slow() or (self.mode() == COMPARE and self.second_form.is_slow())
        if slow or self.blocked_reason():
            if not self.blocked_reason():
                self.status.setText("Press Explain to run this slow method on the chosen example.")
            return
        if self.runner.running:
            self._rerun = True
            self.runner.cancel()
            return
        self.explain()

    def _tasks(self) -> list[Task]:
        target = self.target_combo.currentData()
        mode = self.mode()
        if mode == GRID:
            chosen = self.gallery.selected_indices()
            if len(chosen) < 2:
                chosen = list(range(min(GRID_DEFAULT, len(self.examples_x))))
            self._grid_indices = chosen
            params = self.method_form.params()
            return [Task(f"grid:{i}", self.examples_x[i], self.method_form.method(), params, target) for i in chosen]
        assert self.current is not None
        tasks = [Task("A", self.current["x"], self.method_form.method(), self.method_form.params(), target)]
        if mode == COMPARE:
            tasks.append(Task("B", self.current["x"], self.second_form.method(), self.second_form.params(), target))
        return tasks

    @Slot()
    def explain(self) -> None:
        self.ensure_loaded()
        if self.runner.running:
            return
        reason = self.blocked_reason()
        if reason:
            self.status.setText(reason)
            return
        try:
            tasks = self._tasks()
        except NNStudioError as exc:
            show_error(self, "Cannot explain", exc)
            return
        assert self.model is not None and self.subject is not None
        self._rerun = False
        self._running_mode = self.mode()
        self._running_example = self.current
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self.status.setText(f"Explaining with {', '.join(dict.fromkeys(t.method for t in tasks))}…")
        # The worker gets its own copy: the GUI thread keeps using self.model for predictions meanwhile.
        self.runner.start(copy.deepcopy(self.model), self.subject, tasks)
        self._update_actions()

    @Slot()
    def cancel(self) -> None:
        if self.runner.running:
            self.runner.cancel()
            self.progress.setFormat("Cancelling…")

    @Slot(float, str)
    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(text)

    @Slot(object)
    def _on_completed(self, outcome: Completion) -> None:
        self._update_actions()
        if self._rerun:
            self._rerun = False
            self.explain()
            return
        if outcome.cancelled:
            self.progress.setFormat("Cancelled")
            self.status.setText("Cancelled. Nothing was changed; press Explain to run it again.")
            return
        if outcome.error:
            self.progress.setFormat("Failed")
            self.status.setText(outcome.error)
            show_error(self, "Cannot explain", outcome.error)
            return
        self.progress.setValue(1000)
        evaluations = sum(r.evaluations for r in outcome.result.results.values())
        self.progress.setFormat(f"Done: {evaluations:,} network evaluations")
        self._show(outcome.result)

    def _show(self, outcome: Outcome) -> None:
        assert self.subject is not None
        self._shown = True
        self._reason_shown = False
        mode = self._running_mode
        self.views.show_page(mode, self.subject.layout)
        if mode == GRID:
            indices = self._grid_indices
            results = [outcome.results[f"grid:{i}"] for i in indices]
            texts = [
                f"#{i} {self._label_text(self.examples_y[i])} → {r.target_name}" for i, r in zip(indices, results, strict=True)
            ]
            self.views.show_grid([self.shown(self.examples_x[i]) for i in indices], results, texts, self.subject)
            self.status.setText(f"{results[0].title} on {len(results)} test examples (label → explained class).")
            return
        x = self.shown(self._running_example["x"]) if self._running_example else None
        if mode == COMPARE:
            self.views.show_one(self.views.compare_a, self.views.bars_a, x, outcome.results["A"], self.subject)
            self.views.show_one(self.views.compare_b, self.views.bars_b, x, outcome.results["B"], self.subject)
        else:
            self.views.show_one(self.views.single, self.views.single_bars, x, outcome.results["A"], self.subject)
        first = outcome.results["A"]
        if first.layout != FEATURES:
            self.status.setText(f"Red marks inputs that speak for <b>{first.target_name}</b>, blue against it.")
            return
        # Bars have no caption of their own: the numbers (sum, convergence delta) go under the legend.
        lines = [caption(r) for key, r in sorted(outcome.results.items())]
        self.status.setText(f"Red bars speak for <b>{first.target_name}</b>, blue against it.<br>" + "<br>".join(lines))

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel a running attribution (and any whole-model computation) and join the threads."""
        done = [view.shutdown(timeout_ms) for view in self.job_views]
        return self.runner.shutdown(timeout_ms) and all(done)

    # ================================================================== training
    @Slot(bool)
    def _training_active_changed(self, active: bool) -> None:
        if active and self.runner.running:
            self.runner.cancel()
        for view in self.job_views:
            if active:
                view.cancel()
            view.source.busy = self._busy_reason()
            view.update_actions()
        self._update_actions()
