"""The network as a graph: a column of feature toggles, one column of live neuron pictures per hidden
layer and the output units, joined by edges whose thickness and colour are the signed weights.

Each node is a :class:`~nnstudio.gui.widgets.neuron_maps.NeuronMap` (its picture over the plane, or its
response curve for one input); hovering one reports it, clicking an edge while paused opens an editor for
that weight. A layer wider than :data:`SHOWN_UNITS` shows its most active units, and the graph scrolls when
the nodes do not fit.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDoubleValidator,
    QFont,
    QFontInfo,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from nnstudio.core.playground.frames import Frame
from nnstudio.core.playground.graph import Graph
from nnstudio.gui import palette
from nnstudio.gui.panels.playground.colours import (
    image,
    images,
    negative,
    positive,
    qcolor,
    rgb,
    signed_colours,
)
from nnstudio.gui.widgets.neuron_maps import NeuronMap

SHOWN_UNITS = 64
NODE_MAX, NODE_MIN = 64, 26
GAP = 8
HEADER = 54  # room above the nodes for the column's title and its + / - buttons
EDGE_LEVELS = 8  # strengths an edge is drawn with
EDGE_HIT = 5.0  # pixels from an edge that still count as clicking it
LABEL_BACK = QColor(255, 255, 255, 200)  # behind a node's unit number


def layer_scale(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return max(float(np.abs(finite).max()) if finite.size else 0.0, 1e-9)


class Node(NeuronMap):
    """One node: a picture over the plane (2-D values) or a response curve (1-D values)."""

    clicked = Signal(int, int)

    def __init__(self, layer_index: int, unit: int, parent: QWidget | None = None) -> None:
        super().__init__(layer_index, unit, parent)
        self.curve: np.ndarray | None = None
        self.scale = 1.0
        self.enabled_input = True
        self.caption = ""

    def show_picture(self, values: np.ndarray, scale: float, tooltip: str = "", discrete: bool = False) -> None:
        values = np.asarray(values, dtype=np.float32)
        if values.ndim == 1:
            self.set_picture(values, scale, None, None, tooltip)
        else:
            colours = signed_colours(values, scale, discrete)
            self.set_picture(values, scale, colours, image(colours), tooltip)

    def set_picture(self, values: np.ndarray, scale: float, colours: np.ndarray | None, picture: QImage | None,
                    tooltip: str = "") -> None:
        """Show ``values`` coloured already (``colours`` and its image; None for a 1-D response curve)."""
        self.values, self.scale = values, scale
        self.curve = values if colours is None else None
        self.colours, self._image = colours, picture
        if tooltip and tooltip != self.toolTip():  # the same tip every frame: Qt's setter is not free
            self.setToolTip(tooltip)
        self._repaint_graph()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self._repaint_graph()

    def _repaint_graph(self) -> None:
        parent = self.parentWidget()
        (parent if parent is not None else self).update(self.geometry())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.layer_index, self.unit)
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """Nothing: the graph paints every node in its own paint (one painter a frame, not one per node)."""

    def draw(self, p: QPainter, label_font: QFont) -> None:
        """Paint this node where it sits in the graph, with the graph's painter ``p``."""
        r = QRectF(self.geometry()).adjusted(1, 1, -1, -1)
        if self.curve is None:
            if self._image is not None:
                p.drawImage(r, self._image)  # nearest-neighbour: the grid's cells stay crisp
            self._draw_border(p, r)
            p.setFont(label_font)
            label = str(self.unit + 1)
            metrics = p.fontMetrics()
            box = QRectF(r.left() + 2, r.top() + 2, metrics.horizontalAdvance(label) + 8, metrics.height())
            p.fillRect(box, LABEL_BACK)
            p.setPen(QColor("#222"))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        else:
            p.fillRect(r, QColor("white"))
            p.setPen(QPen(QColor("#bbb"), 1))
            p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()))
            path = QPainterPath()
            n = len(self.curve)
            for i, v in enumerate(self.curve):
                x = r.left() + r.width() * i / max(n - 1, 1)
                y = r.center().y() - (float(np.clip(v / self.scale, -1, 1)) if math.isfinite(v) else 0.0) * r.height() * 0.45
                path.lineTo(x, y) if i else path.moveTo(x, y)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(qcolor(positive()), 2))
            p.drawPath(path)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            self._draw_border(p, r)
        if not self.enabled_input:
            p.fillRect(QRectF(self.geometry()), QColor(255, 255, 255, 190))
        if self.caption:
            p.setPen(QColor("#222"))
            font = QFont(self.font())
            font.setBold(True)
            font.setPixelSize(max(8, min(QFontInfo(font).pixelSize(), self.width() // 5)))  # fits the node
            p.setFont(font)
            p.drawText(QRectF(self.geometry()).adjusted(2, 0, -2, -2),
                       Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter, self.caption)

    def _draw_border(self, p: QPainter, r: QRectF) -> None:
        p.setPen(QPen(QColor("#222" if self.selected else "#b8b8b8"), 3 if self.selected else 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r)


class Header(QWidget):
    """A column's title with its - and + buttons."""

    def __init__(self, title: str, minus_tip: str, plus_tip: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.minus, self.plus = QToolButton(), QToolButton()
        for button, text, tip, suffix in ((self.minus, "−", minus_tip, "Minus"), (self.plus, "+", plus_tip, "Plus")):
            button.setText(text)
            button.setToolTip(tip)
            button.setObjectName(f"{name}{suffix}")
            button.setAutoRaise(True)
            button.setStyleSheet("QToolButton { font-size: 15px; font-weight: bold; min-width: 22px; }")
        self.label = QLabel(title)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.label.setStyleSheet("color: #444; font-size: 11px;")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addStretch(1)
        top.addWidget(self.minus)
        top.addWidget(self.plus)
        top.addStretch(1)
        from PySide6.QtWidgets import QVBoxLayout

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.label)


class NetworkGraph(QWidget):
    """Feature toggles, hidden columns and outputs with their edges. Layer ``k`` of the signals counts the
    Linear layers from 0 (the first hidden one); ``-1`` is the input features."""

    feature_toggled = Signal(str)
    neuron_hovered = Signal(int, int)  # (hidden column, unit); (-1, -1) when the mouse leaves the nodes
    units_changed = Signal(int, int)  # (hidden column, +1 | -1)
    weight_typed = Signal(int, int, int, float)  # (Linear layer, unit, source, value)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playgroundGraph")
        self.setMouseTracking(True)
        self.graph: Graph | None = None
        self.features: list[str] = []
        self.selected: list[str] = []
        self.feature_nodes: list[Node] = []
        self.columns: list[list[Node]] = []  # hidden columns' nodes
        self.orders: list[list[int]] = []  # per hidden column, the units shown (most active first when capped)
        self.outputs: list[Node] = []
        self.headers: list[Header] = []
        self.frame: Frame | None = None
        self.editing_allowed = False
        self.editor = QLineEdit(self)
        self.editor.setObjectName("weightEditor")
        self.editor.setValidator(QDoubleValidator())
        self.editor.setFixedWidth(90)
        self.editor.hide()
        self.editor.returnPressed.connect(self._typed)
        self.edited_edge: tuple[int, int, int] | None = None
        self.frames_shown = 0
        self.class_names: list[str] = []
        self._edge_lines: list | None = None  # the edges' ends as the nodes are placed (see edges())

    # ------------------------------------------------------------------ structure
    def set_network(self, graph: Graph, features: list[str], selected: list[str], class_names: list[str] = ()) -> None:
        for w in [*self.feature_nodes, *[n for c in self.columns for n in c], *self.outputs, *self.headers]:
            w.deleteLater()
        self.graph, self.features, self.selected = graph, list(features), list(selected)
        self.feature_nodes = []
        for j, name in enumerate(features):
            node = Node(-1, j, self)
            node.setObjectName(f"feature_{j}")
            node.caption = name
            node.enabled_input = name in selected
            node.setToolTip(f"{name}: click to {'switch off' if name in selected else 'use'} this input")
            node.clicked.connect(lambda _k, u: self.feature_toggled.emit(self.features[u]))
            node.show()
            self.feature_nodes.append(node)
        self.columns, self.orders, self.headers = [], [], []
        for k, column in enumerate(graph.columns):
            order = list(range(min(column.units, SHOWN_UNITS)))
            nodes = []
            for i in order:
                node = Node(k, i, self)
                node.setObjectName(f"node_{k}_{i}")
                node.hovered.connect(self._hover)
                node.show()
                nodes.append(node)
            self.columns.append(nodes)
            self.orders.append(order)
            marks = f" · {', '.join(column.marks)}" if column.marks else ""
            more = f" (top {SHOWN_UNITS})" if column.units > SHOWN_UNITS else ""
            plural = "neuron" if column.units == 1 else "neurons"
            header = Header(f"{column.units} {plural}{more}{marks}", f"One neuron fewer in hidden layer {k + 1}",
                            f"One neuron more in hidden layer {k + 1}", f"units{k}", self)
            header.minus.clicked.connect(lambda _=False, k=k: self.units_changed.emit(k, -1))
            header.plus.clicked.connect(lambda _=False, k=k: self.units_changed.emit(k, +1))
            header.minus.setEnabled(column.units > 1)
            header.show()
            self.headers.append(header)
        self.outputs = []
        for i in range(graph.outputs):
            node = Node(len(graph.columns), i, self)
            node.setObjectName(f"output_{i}")
            node.setToolTip(f"Output {i + 1}")
            node.show()
            self.outputs.append(node)
        self.class_names = list(class_names)
        self.colour_outputs()
        self.frame = None
        self._arrange()
        self.update()

    def colour_outputs(self) -> None:
        """Each class's output node in the class's colour (again after the palette switched)."""
        for i, node in enumerate(self.outputs[: len(self.class_names)]):
            node.show_picture(np.full((2, 2), 1.0), 1.0, f"Score of {self.class_names[i]}")
            node._image = image(np.full((2, 2, 3), rgb(palette.color(i)), dtype=np.uint8))
        self.update()

    def _node_size(self) -> int:
        tallest = max([len(self.features), *[len(c) for c in self.columns], 1])
        fit = (max(self.parentWidget().height() if self.parentWidget() else self.height(), 200) - HEADER - 20) // tallest - GAP
        return int(min(NODE_MAX, max(NODE_MIN, fit)))

    def _arrange(self) -> None:
        self._edge_lines = None  # the nodes move: so do the edges' ends
        if self.graph is None:
            return
        size = self._node_size()
        columns = [self.feature_nodes, *self.columns, self.outputs]
        tallest = max(len(c) for c in columns)
        height = HEADER + tallest * (size + GAP) + 20
        self.setMinimumHeight(height)
        width = max(self.width(), 200)
        xs = [int(size / 2 + 8 + (width - size - 16) * i / max(len(columns) - 1, 1)) for i in range(len(columns))]
        for c, nodes in enumerate(columns):
            side = size if c < len(columns) - 1 else max(size // 2, 18)
            top = HEADER + (tallest - len(nodes)) * (size + GAP) / 2
            for i, node in enumerate(nodes):
                node.setGeometry(int(xs[c] - side / 2), int(top + i * (size + GAP) + (size - side) / 2), side, side)
        for k, header in enumerate(self.headers):
            header.setGeometry(int(xs[k + 1] - 60), 0, 120, HEADER - 4)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._arrange()

    # ------------------------------------------------------------------ frames
    def show_feature_pictures(self, pictures: list[np.ndarray]) -> None:
        for node, values in zip(self.feature_nodes, pictures, strict=False):
            node.show_picture(values, layer_scale(values))

    def show_frame(self, frame: Frame, discrete: bool = False) -> None:
        self.frame = frame
        for k, (nodes, values) in enumerate(zip(self.columns, frame.neurons, strict=False)):
            if values.shape[0] > SHOWN_UNITS:  # the most active units, in a stable order among themselves
                activity = np.abs(values.reshape(values.shape[0], -1)).mean(axis=1)
                self.orders[k] = sorted(np.argsort(-activity)[:SHOWN_UNITS].tolist())
                self._edge_lines = None  # other units shown: other edges
            scale = layer_scale(values)
            order = self.orders[k][: len(nodes)]
            shown = np.asarray(values[order], dtype=np.float32)
            # The whole column coloured and turned into images in one numpy pass (not one per neuron).
            colours = signed_colours(shown, scale, discrete) if shown.ndim == 3 else None
            pictures = images(colours) if colours is not None else [None] * len(order)
            for i, (node, unit) in enumerate(zip(nodes, order, strict=False)):
                node.unit = unit
                node.set_picture(shown[i], scale, None if colours is None else colours[i], pictures[i],
                                 f"Hidden layer {k + 1}, neuron {unit + 1}")
        self.frames_shown += 1
        self.update()

    def node_at(self, k: int, unit: int) -> Node | None:
        if 0 <= k < len(self.columns) and unit in self.orders[k]:
            return self.columns[k][self.orders[k].index(unit)]
        return None

    def _hover(self, k: int, unit: int) -> None:
        for nodes in self.columns:
            for node in nodes:
                node.set_selected(node.layer_index == k and node.unit == unit)
        self.neuron_hovered.emit(k, unit)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().leaveEvent(event)
        self._hover(-1, -1)

    # ------------------------------------------------------------------ edges
    def edges(self):
        """(layer, unit, source, p0, p1, weight) for every drawn edge, from the last frame's weights."""
        if self.frame is None or self.graph is None:
            return
        if self._edge_lines is None:  # where the edges run changes only with the layout, not every frame
            self._edge_lines = list(self._edge_geometry())
        weights = self.frame.weights
        for layer, unit, s_unit, p0, p1 in self._edge_lines:
            if layer >= len(weights):
                return
            w = weights[layer]
            if unit < w.shape[0] and s_unit < w.shape[1]:
                yield layer, unit, s_unit, p0, p1, float(w[unit, s_unit])

    def _edge_geometry(self):
        """(layer, unit, source, p0, p1) for every edge between the nodes as they are placed now."""
        shown_inputs = [(j, node) for j, node in enumerate(self.feature_nodes) if self.features[j] in self.selected]
        sources = [node for _, node in shown_inputs]
        source_units = list(range(len(sources)))
        targets_by_layer = [*[(nodes, self.orders[k]) for k, nodes in enumerate(self.columns)],
                            (self.outputs, list(range(len(self.outputs))))]
        for layer, (targets, units) in enumerate(targets_by_layer):
            starts = [QPointF(src.geometry().right(), src.geometry().center().y()) for src in sources]
            for node, unit in zip(targets, units, strict=False):
                p1 = QPointF(node.geometry().left(), node.geometry().center().y())
                for p0, s_unit in zip(starts, source_units, strict=False):
                    yield layer, unit, s_unit, p0, p1
            sources, source_units = targets, units

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        # Edges in a few buckets of sign and strength, one drawLines call each: antialiased wide lines are
        # what a frame's painting costs most, so they are drawn with as few pens as the eye can tell apart.
        # A weight that blew up (inf, nan: the run stops and says so) has no thickness or colour: not drawn.
        edges = [e for e in self.edges() or [] if math.isfinite(e[5])]
        top = max((abs(e[5]) for e in edges), default=1.0) or 1.0
        buckets: dict[tuple[bool, int], list[QLineF]] = {}
        for _layer, _unit, _src, p0, p1, w in edges:
            level = min(int(abs(w) / top * EDGE_LEVELS), EDGE_LEVELS - 1)
            buckets.setdefault((w >= 0, level), []).append(QLineF(p0, p1))
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pos, neg = positive(), negative()
        back = rgb(self.palette().window().color().name())
        for (positive_sign, level), lines in sorted(buckets.items(), key=lambda kv: kv[0][1]):
            strength = (level + 0.5) / EDGE_LEVELS
            # Faded towards the background rather than translucent: antialiased lines with alpha cost ten
            # times as much to draw (27 ms a frame for 90 thick edges, against 2.5 ms opaque).
            colour = qcolor(back + ((pos if positive_sign else neg) - back) * (0.25 + 0.75 * strength))
            p.setPen(QPen(colour, palette.line_width(0.4 + 5.0 * strength)))
            p.drawLines(lines)
        # Every node with the same painter, over the edges: one Python paint a frame instead of one per node.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        font = QFont(self.font())
        font.setBold(True)
        area = QRectF(event.rect())
        for node in [*self.feature_nodes, *[n for c in self.columns for n in c], *self.outputs]:
            if node.isVisible() and area.intersects(QRectF(node.geometry())):
                font.setPointSizeF(max(8.0, min(11.0, node.width() / 11)))
                node.draw(p, font)
        p.end()

    def edge_near(self, point: QPointF) -> tuple[int, int, int, float] | None:
        best, found = EDGE_HIT, None
        for layer, unit, src, p0, p1, w in self.edges() or []:
            d = _distance(point, p0, p1)
            if d < best:
                best, found = d, (layer, unit, src, w)
        return found

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        found = self.edge_near(event.position())
        if found is None or not self.editing_allowed:
            if found is not None:
                self.setToolTip("Pause to type a weight")
            super().mousePressEvent(event)
            return
        layer, unit, src, w = found
        self.edited_edge = (layer, unit, src)
        self.editor.setText(f"{w:.3f}")
        self.editor.move(int(event.position().x()) - 45, int(event.position().y()) - 12)
        self.editor.show()
        self.editor.raise_()
        self.editor.selectAll()
        self.editor.setFocus()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        found = self.edge_near(event.position())
        if found is not None:
            layer, unit, src, w = found
            hint = "click to type it" if self.editing_allowed else "pause to type it"
            self.setToolTip(f"Weight {w:+.3f} into neuron {unit + 1} of layer {layer + 1} ({hint})")
        super().mouseMoveEvent(event)

    def _typed(self) -> None:
        text = self.editor.text().replace(",", ".")
        self.editor.hide()
        if self.edited_edge is None:
            return
        try:
            value = float(text)
        except ValueError:
            return
        layer, unit, src = self.edited_edge
        self.edited_edge = None
        self.weight_typed.emit(layer, unit, src, value)


def _distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((p.x() - ax) * dx + (p.y() - ay) * dy) / length))
    return math.hypot(p.x() - (ax + t * dx), p.y() - (ay + t * dy))
