"""The Data tab's preview: what the examples look like, before and after preparation.

Pages appear for the kind of data loaded: a 2-D scatter coloured by class (which can also be drawn on),
an image grid, a table with per-column statistics, line plots of sequences, the class balance of each split,
and before/after views of the preprocessing step selected in the step list.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import PREPROCESSING
from nnstudio.core.data.assemble import PreparedData
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.data.drawn import CLASS_NAMES, MAX_CLASSES, MIN_POINTS
from nnstudio.gui.palette import color
from nnstudio.gui.widgets.draw_2d import ScatterCanvas
from nnstudio.gui.widgets.image_grid import ImageGrid

TABLE_ROWS = 200
TABLE_COLUMNS = 60  # wider tables (flattened images) show their first columns only
GRID_IMAGES = 32
SEQUENCES = 6
TRACE_ROWS = 600  # before/after views trace at most this many training examples
SCATTER_POINTS = 20_000  # a bigger table's scatter shows a seeded sample (a million points take seconds to draw)


def data_kind(prepared: PreparedData) -> str:
    raw = prepared.raw
    if raw.meta.get("image") or raw.x.ndim == 4:
        return "image"
    if raw.meta.get("sequence") or raw.x.ndim == 3:
        return "sequence"
    return "table"


def column_stats(x: np.ndarray, names: list[str], categorical: dict[str, list[str]]) -> list[list[str]]:
    """One row per column: name, type, missing count, mean ± std or the categories."""
    rows = []
    for j in range(x.shape[1]):
        name = names[j] if j < len(names) else f"x{j + 1}"
        col = np.asarray(x[:, j], dtype=np.float64)
        missing = int(np.isnan(col).sum())
        if name in categorical:
            cats = categorical[name]
            shown = ", ".join(cats[:6]) + (f" … ({len(cats)})" if len(cats) > 6 else "")
            rows.append([name, f"categorical ({len(cats)})", str(missing), shown])
        else:
            present = col[~np.isnan(col)]
            summary = f"mean {present.mean():.4g}, std {present.std():.4g}, range {present.min():.4g} … {present.max():.4g}" if present.size else "all missing"
            rows.append([name, "numeric", str(missing), summary])
    return rows


def _label_text(prepared: PreparedData, y: object) -> str:
    names = prepared.raw.class_names
    if prepared.raw.task == CLASSIFICATION and names:
        return names[int(y)] if 0 <= int(y) < len(names) else str(int(y))
    return f"{float(np.asarray(y).reshape(-1)[0]):.3g}"


def _fill_table(table: QTableWidget, header: list[str], rows: list[list[str]]) -> None:
    table.clear()
    table.setColumnCount(len(header))
    table.setHorizontalHeaderLabels(header)
    for c, name in enumerate(header):
        table.horizontalHeaderItem(c).setToolTip(name)  # the full name, should a narrow pane cut the header
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))


def _plain_table(name: str) -> QTableWidget:
    table = QTableWidget()
    table.setObjectName(name)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class _BeforeAfter(QWidget):
    """One side of the before/after view: a scatter for tables, an image grid for images, lines for sequences."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = QLabel(f"<b>{title}</b>")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.scatter = ScatterCanvas()
        self.grid = ImageGrid(columns=4, cell=56)
        self.lines = pg.PlotWidget(background="w")
        self.stack = QStackedWidget()
        for w in (self.scatter, self.grid, self.lines):
            self.stack.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.caption)
        layout.addWidget(self.stack, 1)

    def show_data(self, x: np.ndarray, y: np.ndarray, prepared: PreparedData, names: list[str], focus: list[int] | None = None) -> None:
        self.caption.setText(f"{len(x)} training examples of shape {format_shape(x.shape[1:])}")
        is_class = prepared.raw.task == CLASSIFICATION
        labels = y.astype(np.int64) if is_class else np.full(len(y), -1)
        if x.ndim >= 3 and data_kind(prepared) == "image":
            self.stack.setCurrentWidget(self.grid)
            n = min(8, len(x))
            self.grid.set_images(x[:n], [_label_text(prepared, v) for v in y[:n]])
        elif x.ndim == 3:
            self.stack.setCurrentWidget(self.lines)
            self.lines.clear()
            for i in range(min(SEQUENCES, len(x))):
                self.lines.plot(np.asarray(x[i, :, 0], dtype=float), pen=pg.mkPen(color(i), width=2))
        else:
            self.stack.setCurrentWidget(self.scatter)
            flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
            cols = (focus or []) + [j for j in range(flat.shape[1]) if j not in (focus or [])]
            if flat.shape[1] >= 2:
                a, b = cols[0], cols[1]
                xy = flat[:, [a, b]]
                axes = (names[a] if a < len(names) else f"column {a + 1}", names[b] if b < len(names) else f"column {b + 1}")
            else:  # one column: spread it against the target (or the class)
                xy = np.stack([flat[:, 0], y.astype(np.float64).reshape(len(y), -1)[:, 0]], 1)
                axes = (names[0] if names else "column 1", "target")
            self.scatter.set_points(np.nan_to_num(xy), labels, prepared.raw.class_names if is_class else [], axes)


class DataPreview(QTabWidget):
    drawing_ready = Signal(object, object, int)  # (xy, labels, classes): a drawing big enough to train on

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPreview")
        self.prepared: PreparedData | None = None
        self.bundle = None
        self.selected_step = -1

        # ---- scatter + drawing
        self.scatter_page = QWidget()
        self.view_combo = QComboBox()
        self.view_combo.setObjectName("scatterViewCombo")
        self.view_combo.addItem("as loaded", "raw")
        self.view_combo.addItem("prepared (what the network sees)", "prepared")
        self.x_combo = QComboBox()
        self.x_combo.setObjectName("scatterXCombo")
        self.y_combo = QComboBox()
        self.y_combo.setObjectName("scatterYCombo")
        for combo in (self.view_combo, self.x_combo, self.y_combo):
            combo.currentIndexChanged.connect(self._draw_scatter)
        self.draw_button = QPushButton("Draw by hand")
        self.draw_button.setObjectName("drawButton")
        self.draw_button.setCheckable(True)
        self.draw_button.setToolTip("Click to add a point of the chosen class; drag to erase")
        self.draw_button.toggled.connect(self.set_drawing)
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("drawClassCombo")
        for i in range(MAX_CLASSES):
            self.class_combo.addItem(CLASS_NAMES[i])
            self.class_combo.setItemData(i, pg.mkColor(color(i)), Qt.ItemDataRole.DecorationRole)
        self.class_combo.currentIndexChanged.connect(self._on_class_picked)
        self.clear_button = QPushButton("Clear drawing")
        self.clear_button.setObjectName("clearDrawingButton")
        self.clear_button.clicked.connect(self.clear_drawing)
        self.draw_hint = QLabel()
        self.draw_hint.setObjectName("drawHint")
        self.draw_hint.setWordWrap(True)
        self.canvas = ScatterCanvas()
        self.canvas.setObjectName("scatterCanvas")
        self.canvas.points_edited.connect(self._on_points_edited)
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(400)  # apply once the student pauses, not on every point
        self._draw_timer.timeout.connect(self._emit_drawing)
        top = QHBoxLayout()
        for label, w in (("Show", self.view_combo), ("x", self.x_combo), ("y", self.y_combo)):
            top.addWidget(QLabel(label))
            top.addWidget(w)
        top.addStretch(1)
        draw_row = QHBoxLayout()
        draw_row.addWidget(self.draw_button)
        draw_row.addWidget(QLabel("Class"))
        draw_row.addWidget(self.class_combo)
        draw_row.addWidget(self.clear_button)
        draw_row.addWidget(self.draw_hint, 1)
        box = QVBoxLayout(self.scatter_page)
        box.addLayout(top)
        box.addLayout(draw_row)
        box.addWidget(self.canvas, 1)

        # ---- images
        self.image_grid = ImageGrid(columns=6, cell=72)
        self.images_page = QScrollArea()
        self.images_page.setWidgetResizable(True)
        self.images_page.setWidget(self.image_grid)

        # ---- table + statistics
        self.table_page = QSplitter(Qt.Orientation.Vertical)
        self.rows_table = _plain_table("rowsTable")
        self.stats_table = _plain_table("statsTable")
        stats_box = QWidget()
        sb = QVBoxLayout(stats_box)
        sb.setContentsMargins(0, 0, 0, 0)
        sb.addWidget(QLabel("<b>Columns</b> (training split)"))
        sb.addWidget(self.stats_table)
        rows_box = QWidget()
        rb = QVBoxLayout(rows_box)
        rb.setContentsMargins(0, 0, 0, 0)
        self.rows_label = QLabel()
        rb.addWidget(self.rows_label)
        rb.addWidget(self.rows_table)
        self.table_page.addWidget(stats_box)
        self.table_page.addWidget(rows_box)

        # ---- sequences
        self.sequence_plot = pg.PlotWidget(background="w")
        self.sequence_plot.setObjectName("sequencePlot")
        self.sequence_plot.showGrid(x=True, y=True, alpha=0.25)
        self.sequence_plot.setLabel("bottom", "time step")
        self.sequence_legend = self.sequence_plot.addLegend(offset=(-10, 10))

        # ---- class balance
        self.balance_plot = pg.PlotWidget(background="w")
        self.balance_plot.setObjectName("balancePlot")
        self.balance_plot.showGrid(y=True, alpha=0.25)
        self.balance_legend = self.balance_plot.addLegend(offset=(-10, 10))
        self.balance_counts: dict[str, list[int]] = {}

        # ---- before / after
        self.step_page = QWidget()
        self.step_label = QLabel()
        self.step_label.setObjectName("beforeAfterLabel")
        self.step_label.setWordWrap(True)
        self.before = _BeforeAfter("Before the step")
        self.after = _BeforeAfter("After the step")
        sides = QSplitter(Qt.Orientation.Horizontal)
        sides.addWidget(self.before)
        sides.addWidget(self.after)
        sb2 = QVBoxLayout(self.step_page)
        sb2.addWidget(self.step_label)
        sb2.addWidget(sides, 1)

        self.pages = {
            "scatter": (self.scatter_page, "Scatter"),
            "images": (self.images_page, "Images"),
            "table": (self.table_page, "Table"),
            "sequences": (self.sequence_plot, "Sequences"),
            "balance": (self.balance_plot, "Class balance"),
            "step": (self.step_page, "Before / after"),
        }
        for widget, title in self.pages.values():
            self.addTab(widget, title)
        self._trace: list[tuple[np.ndarray, np.ndarray]] | None = None
        self._kind = ""  # the kind of data shown last (data_kind)

    # ------------------------------------------------------------------ data in
    def show_step_page(self) -> None:
        self.setCurrentWidget(self.step_page)

    def set_data(self, prepared: PreparedData, bundle) -> None:
        self.prepared, self.bundle = prepared, bundle
        self._trace = None
        kind = data_kind(prepared)
        raw = prepared.raw
        visible = {
            "scatter": kind == "table",
            "images": kind == "image",
            "table": kind == "table",
            "sequences": kind == "sequence",
            "balance": True,
            "step": True,
        }
        for key, (widget, _title) in self.pages.items():
            self.setTabVisible(self.indexOf(widget), visible[key])
        if kind != self._kind or not self.isTabVisible(self.currentIndex()):
            # New kind of data: open on its own picture (the scatter for 2-D toys), not on whichever page Qt
            # moved to when the old one was hidden (Class balance).
            self.setCurrentIndex(next(self.indexOf(w) for k, (w, _) in self.pages.items() if visible[k]))
        self._kind = kind
        self._fill_scatter_axes()
        can_draw = kind == "table" and raw.task == CLASSIFICATION and raw.x.shape[1] == 2 and len(raw.class_names) <= MAX_CLASSES
        is_drawn = bool(raw.meta.get("drawn"))
        for w in (self.draw_button, self.class_combo, self.clear_button):
            w.setEnabled(can_draw or is_drawn)
        self.draw_button.setToolTip(
            "Click to add a point of the chosen class; drag to erase" if can_draw or is_drawn
            else "Drawing works for 2-D classification data; pick 'Draw your own (2-D)' as the dataset to start a drawing"
        )
        if not (can_draw or is_drawn) and self.draw_button.isChecked():
            self.draw_button.setChecked(False)
        if not self.canvas.drawing:
            self._draw_scatter()
        if kind == "image":
            self._fill_images()
        if kind == "table":
            self._fill_table()
        if kind == "sequence":
            self._fill_sequences()
        self._fill_balance()
        self.show_step(self.selected_step)

    # ------------------------------------------------------------------ scatter / drawing
    def _feature_names(self, prepared_view: bool) -> list[str]:
        if prepared_view and self.bundle is not None:
            width = int(np.prod(self.bundle.input_shape)) if self.bundle.input_shape else 0
            names = list(self.bundle.feature_names)
            return names if len(names) == width else [f"x{j + 1}" for j in range(width)]
        raw = self.prepared.raw
        width = raw.x.shape[1] if raw.x.ndim == 2 else 0
        return list(raw.feature_names) if len(raw.feature_names) == width else [f"x{j + 1}" for j in range(width)]

    def _fill_scatter_axes(self) -> None:
        names = self._feature_names(self.view_combo.currentData() == "prepared")
        for combo, default in ((self.x_combo, 0), (self.y_combo, 1)):
            keep = combo.currentIndex()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(keep if 0 <= keep < len(names) else min(default, len(names) - 1))
            combo.blockSignals(False)

    def _draw_scatter(self) -> None:
        if self.prepared is None or self.canvas.drawing:
            return
        if self.sender() is self.view_combo:
            self._fill_scatter_axes()
        raw = self.prepared.raw
        prepared_view = self.view_combo.currentData() == "prepared" and self.bundle is not None
        if prepared_view:
            x = self.bundle.train.x.numpy().reshape(len(self.bundle.train), -1)
            y = self.bundle.train.y.numpy()
        else:
            x, y = raw.x, raw.y
        if x.ndim != 2 or x.shape[1] == 0:
            return
        names = self._feature_names(prepared_view)
        i = max(self.x_combo.currentIndex(), 0)
        j = max(self.y_combo.currentIndex(), 0)
        is_class = raw.task == CLASSIFICATION
        if x.shape[1] == 1:  # a single feature: plot it against the target
            xy = np.stack([x[:, 0].astype(np.float64), y.astype(np.float64).reshape(len(y), -1)[:, 0]], 1)
            axes = (names[0] if names else "x", "target")
        else:
            xy = np.stack([x[:, i], x[:, j]], 1).astype(np.float64)
            axes = (names[i] if i < len(names) else "x", names[j] if j < len(names) else "y")
        labels = y.astype(np.int64) if is_class else np.full(len(y), -1)
        shown = f"{len(xy):,} points"
        if len(xy) > SCATTER_POINTS:
            rows = np.sort(np.random.default_rng(0).choice(len(xy), SCATTER_POINTS, replace=False))
            xy, labels, shown = xy[rows], labels[rows], f"{SCATTER_POINTS:,} of {len(y):,} points"
        self.canvas.set_points(np.nan_to_num(xy), labels, raw.class_names if is_class else [], axes)
        self.canvas.plotItem.setTitle(f"{'Training split, prepared' if prepared_view else 'All examples as loaded'}: {shown}")

    def set_drawing(self, on: bool) -> None:
        if on and self.prepared is not None and not self.prepared.raw.meta.get("drawn"):
            # Start from the current 2-D points, so a student can add outliers to the moons (or clear them).
            raw = self.prepared.raw
            self.view_combo.setCurrentIndex(0)
            self.canvas.set_points(raw.x[:, :2], raw.y, list(CLASS_NAMES[: max(2, len(raw.class_names))]), ("x1", "x2"))
        elif on and self.prepared is not None:
            raw = self.prepared.raw
            self.view_combo.setCurrentIndex(0)
            self.canvas.set_points(raw.x, raw.y, list(raw.class_names), ("x1", "x2"))
        self.canvas.set_drawing(on)
        self.canvas.plotItem.setTitle("Drawing: click adds a point, drag erases" if on else "")
        self.draw_button.setText("Stop drawing" if on else "Draw by hand")
        for combo in (self.view_combo, self.x_combo, self.y_combo):
            combo.setEnabled(not on)
        self._update_draw_hint()
        if not on:
            self._draw_timer.stop()
            self._draw_scatter()

    def _on_class_picked(self, index: int) -> None:
        self.canvas.current_class = index
        if self.canvas.drawing and index >= len(self.canvas.class_names):
            self.canvas.class_names = list(CLASS_NAMES[: index + 1])

    def clear_drawing(self) -> None:
        if not self.draw_button.isEnabled():
            return
        if not self.draw_button.isChecked():
            self.draw_button.setChecked(True)
        self.canvas.clear_points()
        self._update_draw_hint()

    def _drawing_classes(self) -> int:
        _, labels = self.canvas.points()
        top = int(labels.max()) + 1 if len(labels) else 0
        return max(2, top, len(self.canvas.class_names))

    def _update_draw_hint(self) -> None:
        xy, labels = self.canvas.points()
        if not self.canvas.drawing:
            self.draw_hint.setText("")
            return
        present = len(set(labels.tolist()))
        if len(xy) < MIN_POINTS or present < 2:
            self.draw_hint.setText(f"{len(xy)} points in {present} class(es): draw at least {MIN_POINTS} points in at least 2 classes to train.")
        else:
            self.draw_hint.setText(f"{len(xy)} points in {present} classes.")

    def _on_points_edited(self) -> None:
        self._update_draw_hint()
        xy, labels = self.canvas.points()
        if len(xy) >= MIN_POINTS and len(set(labels.tolist())) >= 2:
            self._draw_timer.start()

    def _emit_drawing(self) -> None:
        xy, labels = self.canvas.points()
        self.drawing_ready.emit(xy, labels, min(self._drawing_classes(), MAX_CLASSES))

    # ------------------------------------------------------------------ other pages
    def _fill_images(self) -> None:
        raw, idx = self.prepared.raw, self.prepared.train_idx[:GRID_IMAGES]
        self.image_grid.set_images(raw.x[idx], [_label_text(self.prepared, v) for v in raw.y[idx]])

    def _fill_table(self) -> None:
        raw, idx = self.prepared.raw, self.prepared.train_idx
        names = self._feature_names(False)[:TABLE_COLUMNS]
        categorical = raw.meta.get("categorical") or {}
        _fill_table(self.stats_table, ["Column", "Type", "Missing", "Values"], column_stats(raw.x[idx][:, : len(names)], names, categorical))
        target = "class" if raw.task == CLASSIFICATION else "target"
        shown = idx[:TABLE_ROWS]
        rows = []
        for r in shown:
            cells = []
            for j, name in enumerate(names):
                v = float(raw.x[r, j])
                cats = categorical.get(name)
                cells.append("—" if np.isnan(v) else cats[int(v)] if cats and 0 <= int(v) < len(cats) else f"{v:.4g}")
            rows.append(cells + [_label_text(self.prepared, raw.y[r])])
        _fill_table(self.rows_table, [*names, target], rows)
        more = f" (first {len(names)} of {raw.x.shape[1]} columns)" if raw.x.shape[1] > len(names) else ""
        self.rows_label.setText(f"<b>Rows</b>: the first {len(shown)} of {len(idx)} training examples, as loaded{more}")

    def _fill_sequences(self) -> None:
        raw, idx = self.prepared.raw, self.prepared.train_idx[:SEQUENCES]
        self.sequence_plot.clear()
        self.sequence_legend.clear()
        for k, r in enumerate(idx):
            series = np.asarray(raw.x[r], dtype=float).reshape(raw.x.shape[1], -1)[:, 0]
            self.sequence_plot.plot(series, pen=pg.mkPen(color(k), width=2), name=_label_text(self.prepared, raw.y[r]))
        self.sequence_plot.setTitle(f"The first {len(idx)} training sequences (legend: their target)")

    def _fill_balance(self) -> None:
        raw = self.prepared.raw
        self.balance_plot.clear()
        self.balance_legend.clear()
        splits = {"train": self.prepared.train_idx, "validation": self.prepared.val_idx, "test": self.prepared.test_idx}
        is_class = raw.task == CLASSIFICATION and bool(raw.class_names)
        self.setTabText(self.indexOf(self.balance_plot), "Class balance" if is_class else "Target")
        if is_class:
            k = len(raw.class_names)
            self.balance_counts = {name: np.bincount(raw.y[idx].astype(np.int64), minlength=k).tolist() for name, idx in splits.items()}
            width = 0.8 / len(splits)
            for s, (name, counts) in enumerate(self.balance_counts.items()):
                bars = pg.BarGraphItem(x=np.arange(k) - 0.4 + width * (s + 0.5), height=counts, width=width, brush=color(s), name=name)
                self.balance_plot.addItem(bars)
            self.balance_plot.getAxis("bottom").setTicks([list(enumerate(raw.class_names))])
            self.balance_plot.setLabel("left", "examples")
            self.balance_plot.setTitle("Examples per class in each split")
            top = max(max(c) for c in self.balance_counts.values())
            self.balance_plot.setXRange(-0.6, k - 0.4, padding=0)
            self.balance_plot.setYRange(0, top * 1.3 + 1, padding=0)  # headroom for the legend
        else:
            y = raw.y[self.prepared.train_idx].astype(np.float64).reshape(-1)
            counts, edges = np.histogram(y[np.isfinite(y)], bins=30)
            self.balance_counts = {"train": counts.tolist()}
            self.balance_plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush=color(0), name="train"))
            self.balance_plot.getAxis("bottom").setTicks(None)
            self.balance_plot.setLabel("left", "examples")
            self.balance_plot.setTitle("Distribution of the target in the training split")
            self.balance_plot.enableAutoRange()

    # ------------------------------------------------------------------ before / after
    def show_step(self, row: int) -> None:
        self.selected_step = row
        p = self.prepared
        if p is None:
            return
        steps = p.pipeline.steps
        if not (0 <= row < len(steps)):
            self.step_label.setText("Select a step in the list to compare the training data before and after it.")
            self.before.setVisible(False)
            self.after.setVisible(False)
            return
        if self._trace is None or len(self._trace) != len(steps) + 1:
            idx = p.train_idx[:TRACE_ROWS]
            self._trace = p.pipeline.trace(p.raw.x[idx], p.raw.y[idx])
        step = steps[row]
        entry = PREPROCESSING.get(step.spec.kind)
        (xb, yb), (xa, ya) = self._trace[row], self._trace[row + 1]
        note = ""
        if entry.obj.augments and self.bundle is not None:
            import torch

            # Augmentation leaves the splits alone: show one augmented training batch instead.
            xa = p.pipeline.augment(torch.from_numpy(np.asarray(xa, dtype=np.float32)[:8].copy()), torch.Generator().manual_seed(0)).numpy()
            ya = ya[:8]
            note = " Augmentation only changes training batches; shown: one randomly augmented batch."
        self.step_label.setText(
            f"<b>Step {row + 1}: {entry.title}</b> — {format_shape(step.in_shape)} → {format_shape(step.out_shape)}, "
            f"{step.rows_in} → {step.rows_out} training rows.{note}"
        )
        names_before = self._names_at(row)
        names_after = self._names_at(row + 1)
        self.before.setVisible(True)
        self.after.setVisible(True)
        self.before.show_data(np.asarray(xb), np.asarray(yb), p, names_before)
        # After a step that adds columns, show two of the new ones: that is where the change is.
        new = [j for j, n in enumerate(names_after) if n not in set(names_before)]
        self.after.show_data(np.asarray(xa), np.asarray(ya), p, names_after, new[:2] if len(new) >= 2 else None)

    def _names_at(self, position: int) -> list[str]:
        names = list(self.prepared.pipeline.input_names)
        for step in self.prepared.pipeline.steps[:position]:
            if len(step.out_shape) != 1:
                return []
            try:
                names = step.kind.feature_names(step.spec.params, step.state, names) if names else names
            except Exception:  # noqa: BLE001 - names are decoration; never break the preview over them
                return []
        return names
