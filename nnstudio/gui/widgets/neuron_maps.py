"""Per-neuron maps: what each hidden neuron outputs over the 2-D input plane, as a grid of heatmaps that
fills its space (TensorFlow Playground style), one layer at a time. Hovering a map shows it enlarged in
the side panel with the neuron's bias and incoming weights as bars with their values.

Fed with :class:`nnstudio.core.insight.grid.NeuronLayer` lists (the boundary callback's frames, or
``neuron_responses`` between runs); used by the Inside tab and meant for any view that shows neurons.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QEnterEvent,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.insight.grid import NeuronLayer, describe_neuron
from nnstudio.gui import palette
from nnstudio.gui.widgets.boundary_view import diverging, negative, positive
from nnstudio.gui.widgets.elide_combo import narrow_combo
from nnstudio.gui.widgets.wrapped_label import WrappedLabel

SPACING = 6
MIN_TILE = 48  # below this a map says nothing; the grid then asks for more room
DETAIL_MAP = 220  # the enlarged map in the side panel, at most
MIN_DETAIL_MAP = 96  # a short window (1280x720 presenting) shrinks the map rather than lay the legend over it
MAX_BARS = 16  # incoming weights listed in the side panel (the largest ones beyond that)
STRENGTH = 0.95
NO_NEURONS = "<b>Hidden neurons</b> — this network has none: its inputs go straight to the output layer."


def layer_scale(layer: NeuronLayer) -> float:
    """One colour scale per layer (its largest |output|), so strong and weak neurons look different."""
    finite = layer.responses[np.isfinite(layer.responses)]
    return max(float(np.abs(finite).max()) if finite.size else 0.0, 1e-9)


def map_colours(values: np.ndarray, scale: float) -> np.ndarray:
    """(res, res) outputs -> (res, res, 3) uint8: orange below zero, white at zero, blue above, full at ±scale.
    Row 0 is the bottom of the plane, as in ``values``."""
    return diverging(np.asarray(values, float) / scale, STRENGTH)


def _image(colours: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(colours[::-1])  # the plane's bottom row is the image's last
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class NeuronMap(QWidget):
    """One neuron's map, painted to fill its square; keeps the raw values and colours it shows."""

    hovered = Signal(int, int)  # (layer index, unit)

    def __init__(self, layer_index: int, unit: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_index, self.unit = layer_index, unit
        self.values: np.ndarray | None = None
        self.colours: np.ndarray | None = None
        self._image: QImage | None = None
        self.selected = False
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._scale = 1.0
        palette.subscribe(self._recolour)

    def _recolour(self) -> None:
        if self.values is not None:
            self.show_values(self.values, self._scale, self.toolTip())

    def show_values(self, values: np.ndarray, scale: float, tooltip: str) -> None:
        self._scale = scale
        self.values = np.array(values, dtype=np.float32)
        self.colours = map_colours(self.values, scale)
        self._image = _image(self.colours)
        self.setToolTip(tooltip)
        self.update()

    def clear_values(self) -> None:
        self.values = self.colours = self._image = None
        self.setToolTip("")
        self.update()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802 - Qt's name
        super().enterEvent(event)
        self.hovered.emit(self.layer_index, self.unit)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mouseMoveEvent(event)
        self.hovered.emit(self.layer_index, self.unit)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        if self._image is not None:
            p.drawImage(r, self._image)
        p.setPen(QPen(QColor("#222" if self.selected else "#b8b8b8"), 3 if self.selected else 1))
        p.drawRect(r)
        font = QFont(p.font())
        font.setPointSizeF(max(8.0, min(11.0, self.width() / 11)))
        font.setBold(True)
        p.setFont(font)
        label = str(self.unit + 1)
        box = QRectF(r.left() + 2, r.top() + 2, p.fontMetrics().horizontalAdvance(label) + 8, p.fontMetrics().height())
        p.fillRect(box, QColor(255, 255, 255, 200))
        p.setPen(QColor("#222"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        p.end()


class MapGrid(QWidget):
    """Lays its maps out as the largest squares that fit (columns chosen to fill the width and height)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.maps: list[NeuronMap] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.tile = 0

    def set_maps(self, maps: list[NeuronMap]) -> None:
        self.maps = maps
        for m in maps:
            m.setParent(self)
            m.show()
        self._arrange()

    @staticmethod
    def fit(n: int, width: int, height: int) -> tuple[int, int]:
        """(columns, tile size) of the largest square tiles that fit ``n`` maps in width x height."""
        best = (1, 0)
        for cols in range(1, max(n, 1) + 1):
            rows = math.ceil(n / cols)
            side = min((width - (cols - 1) * SPACING) // cols, (height - (rows - 1) * SPACING) // rows)
            if side > best[1]:
                best = (cols, side)
        return best

    def _arrange(self) -> None:
        n = len(self.maps)
        if not n:
            return
        cols, side = self.fit(n, self.width(), self.height())
        side = max(side, 8)
        self.tile = side
        rows = math.ceil(n / cols)
        x0 = (self.width() - cols * side - (cols - 1) * SPACING) // 2
        y0 = max((self.height() - rows * side - (rows - 1) * SPACING) // 2, 0)
        for i, m in enumerate(self.maps):
            r, c = divmod(i, cols)
            m.setGeometry(x0 + c * (side + SPACING), y0 + r * (side + SPACING), side, side)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._arrange()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(2 * MIN_TILE + SPACING, 2 * MIN_TILE + SPACING)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(4 * 120 + 3 * SPACING, 4 * 120 + 3 * SPACING)


class WeightBars(QWidget):
    """A neuron's bias and incoming weights: one row each, name, a bar from the middle (orange below zero,
    blue above) and the value."""

    ROW = 20

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, float]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def set_rows(self, rows: list[tuple[str, float]]) -> None:
        self.rows = rows
        self.setMinimumHeight(self.ROW * len(rows) + 4)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(DETAIL_MAP, self.ROW * len(self.rows) + 4)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        if not self.rows:
            return
        p = QPainter(self)
        fm = p.fontMetrics()
        name_w = min(max(fm.horizontalAdvance(n) for n, _ in self.rows) + 8, self.width() // 3)
        value_w = fm.horizontalAdvance("+00.000") + 6
        bar_x, bar_w = name_w, max(self.width() - name_w - value_w, 20)
        mid = bar_x + bar_w / 2
        top = max((abs(v) for _, v in self.rows if math.isfinite(v)), default=1.0) or 1.0
        for i, (name, value) in enumerate(self.rows):
            y = 2 + i * self.ROW
            p.setPen(QColor("#333"))
            p.drawText(QRectF(0, y, name_w - 6, self.ROW), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(name, Qt.TextElideMode.ElideMiddle, name_w - 6))
            if math.isfinite(value):
                length = value / top * (bar_w / 2 - 2)
                colour = positive() if value >= 0 else negative()
                p.fillRect(QRectF(min(mid, mid + length), y + 4, abs(length), self.ROW - 8), QColor(*colour.astype(int)))
            p.drawText(QRectF(bar_x + bar_w + 4, y, value_w, self.ROW), Qt.AlignmentFlag.AlignVCenter, f"{value:+.3f}")
        p.setPen(QPen(QColor("#888"), 1))
        p.drawLine(QPointF(mid, 2), QPointF(mid, 2 + len(self.rows) * self.ROW))
        p.end()


class NeuronDetail(QWidget):
    """The side panel: the hovered neuron's map enlarged, with its bias and incoming weights."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("neuronDetail")
        self.title = WrappedLabel()  # wrapped labels that keep the height their lines need; the map takes the rest
        self.title.setObjectName("neuronDetailTitle")
        self.big = NeuronMap(-1, -1)
        self.big.setObjectName("neuronDetailMap")
        self.big.setFixedSize(DETAIL_MAP, DETAIL_MAP)
        self.bars = WeightBars()
        self.bars.setObjectName("neuronWeights")
        self.more = QLabel()
        self.more.setStyleSheet("color: #666;")
        self.legend = WrappedLabel()
        self.legend.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.big, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.legend)
        self.weights_heading = WrappedLabel("<b>Incoming weights</b> (bar: sign and size)")
        layout.addWidget(self.weights_heading)
        layout.addWidget(self.bars)
        layout.addWidget(self.more)
        layout.addStretch(1)
        self.setFixedWidth(DETAIL_MAP + 40)
        self.layer: NeuronLayer | None = None
        self.unit = -1
        self.weights: np.ndarray | None = None  # the shown neuron's incoming weights (all of them)
        self.bias = math.nan

    def show_neuron(self, layer: NeuronLayer, unit: int, scale: float) -> None:
        self.layer, self.unit = layer, unit
        self.weights = np.array(layer.weights[unit], dtype=np.float64)
        self.bias = float(layer.bias[unit])
        self.title.setText(f"<b>Neuron {unit + 1}</b> of {layer.title}")
        self.big.unit = unit
        self.big.show_values(layer.responses[unit], scale, describe_neuron(layer, unit))
        self.legend.setText(f"Orange: output below 0; blue: above 0; full colour at ±{scale:.3g}.")
        order = range(len(self.weights))
        if len(self.weights) > MAX_BARS:  # the largest ones, in input order
            order = sorted(np.argsort(-np.abs(self.weights))[:MAX_BARS].tolist())
        rows = [("bias", self.bias)] + [(f"from {layer.input_names[j]}", float(self.weights[j])) for j in order]
        self.bars.set_rows(rows)
        hidden = len(self.weights) - len(order)
        self.more.setText(f"… and {hidden} smaller weights" if hidden else "")
        self.more.setVisible(bool(hidden))  # an empty line would take the map's height for nothing
        self._fit_map()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_map()

    def _fit_map(self) -> None:
        """The enlarged map takes the height the text and bars leave (a small window keeps them all legible)."""
        width = max(self.width() - 6, 1)  # wrapped text is as tall as its lines at this width, not its size hint
        labels = [w for w in (self.title, self.legend, self.weights_heading, self.more) if not w.isHidden()]
        text = sum(w.heightForWidth(width) if w.wordWrap() else w.sizeHint().height() for w in labels)
        text += self.bars.sizeHint().height()
        gaps = self.layout().spacing() * (len(labels) + 1)  # between the labels, the map and the bars
        side = max(min(DETAIL_MAP, self.height() - text - gaps - 4), MIN_DETAIL_MAP)
        if side != self.big.width():
            self.big.setFixedSize(side, side)

    def clear(self) -> None:
        self.layer, self.unit, self.weights, self.bias = None, -1, None, math.nan
        for label in (self.title, self.legend, self.more):
            label.clear()
        self.more.hide()
        self.big.clear_values()
        self.bars.set_rows([])


class NeuronMapsView(QWidget):
    """A layer picker, the grid of maps of the chosen layer, and the side panel of the hovered neuron."""

    neuron_hovered = Signal(int, int)  # (layer index, unit)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("neuronMaps")
        self.layers: list[NeuronLayer] = []
        self.scales: list[float] = []
        self.tiles: list[list[NeuronMap]] = []  # per layer, per unit
        self.grids: list[MapGrid] = []
        self.frames_shown = 0  # how many updates reached the maps (every boundary frame is one)
        self.layer_choice = QComboBox()
        self.layer_choice.setObjectName("neuronLayer")
        self.layer_choice.setToolTip("The hidden layer whose neurons the maps show")
        narrow_combo(self.layer_choice, 12)  # beside the heading: long layer titles elide, the open list has them whole
        self.layer_choice.currentIndexChanged.connect(self._layer_picked)
        self.heading = QLabel()
        self.heading.setObjectName("neuronHeading")
        self.heading.setWordWrap(True)  # large text on a projector: two lines rather than a cut one
        self.stack = QStackedWidget()
        self.detail = NeuronDetail()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.heading, 1)
        top.addWidget(self.layer_choice)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.stack, 1)
        body.addWidget(self.detail)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self._hovered: tuple[int, int] = (0, 0)

    def show_layers(self, layers: list[NeuronLayer]) -> None:
        """Show these responses (same layers and units: the maps are repainted in place)."""
        shape = [lay.responses.shape[0] for lay in layers]
        titles = [lay.title for lay in layers]
        if shape != [len(row) for row in self.tiles] or titles != [lay.title for lay in self.layers]:
            self._rebuild(layers)
        self.layers = layers
        self.scales = [layer_scale(lay) for lay in layers]
        for k, (lay, row) in enumerate(zip(layers, self.tiles, strict=True)):
            for u, tile in enumerate(row):
                tile.show_values(lay.responses[u], self.scales[k], describe_neuron(lay, u))
        self.frames_shown += 1
        # No hidden layer (a single Linear): no side panel, or it would go on showing a neuron that is gone.
        self.detail.setVisible(bool(layers))
        if not layers:
            self.heading.setText(NO_NEURONS)
        if layers:
            k, u = self._hovered
            k = min(k, len(layers) - 1)
            self._show_detail(k, min(u, len(layers[k].responses) - 1))
        else:
            self.detail.clear()

    def _rebuild(self, layers: list[NeuronLayer]) -> None:
        current = self.layer_choice.currentIndex()
        while self.stack.count():
            page = self.stack.widget(0)
            self.stack.removeWidget(page)
            page.deleteLater()
        self.tiles, self.grids = [], []
        self.layer_choice.blockSignals(True)
        self.layer_choice.clear()
        for k, lay in enumerate(layers):
            row = []
            for u in range(lay.responses.shape[0]):
                tile = NeuronMap(k, u)
                tile.setObjectName(f"neuron_{k}_{u}")
                tile.hovered.connect(self._on_hover)
                row.append(tile)
            grid = MapGrid()
            grid.set_maps(row)
            self.stack.addWidget(grid)
            self.tiles.append(row)
            self.grids.append(grid)
            self.layer_choice.addItem(lay.title)
        self.layer_choice.setCurrentIndex(min(max(current, 0), len(layers) - 1) if layers else -1)
        self.layer_choice.blockSignals(False)
        self.layer_choice.setVisible(len(layers) > 1)
        self._hovered = (max(self.layer_choice.currentIndex(), 0), 0)
        self._layer_picked(self.layer_choice.currentIndex())

    def _layer_picked(self, index: int) -> None:
        if 0 <= index < self.stack.count():
            self.stack.setCurrentIndex(index)
            self._update_heading(index)
            if index < len(self.layers) and self.layers[index].responses.shape[0]:
                self._show_detail(index, 0)

    def _update_heading(self, index: int) -> None:
        if not 0 <= index < len(self.layers or self.tiles):
            self.heading.setText("")
            return
        shown = len(self.tiles[index])
        lay = self.layers[index] if index < len(self.layers) else None
        total = max(getattr(lay, "total", 0) or shown, shown)
        count = f"{shown} neurons" if total == shown else f"the first {shown} of {total} neurons"
        self.heading.setText(f"<b>Hidden neurons</b> — {count}: what each outputs over the plane (hover one)")

    def _on_hover(self, layer_index: int, unit: int) -> None:
        if (layer_index, unit) != self._hovered or self.detail.unit != unit:
            self._show_detail(layer_index, unit)
        self.neuron_hovered.emit(layer_index, unit)

    def _show_detail(self, layer_index: int, unit: int) -> None:
        if not 0 <= layer_index < len(self.layers):
            return
        k0, u0 = self._hovered
        if k0 < len(self.tiles) and u0 < len(self.tiles[k0]):
            self.tiles[k0][u0].set_selected(False)
        self._hovered = (layer_index, unit)
        self.tiles[layer_index][unit].set_selected(True)
        self.detail.show_neuron(self.layers[layer_index], unit, self.scales[layer_index])
        self._update_heading(self.stack.currentIndex())

    def current_grid(self) -> MapGrid | None:
        return self.grids[self.stack.currentIndex()] if self.grids else None
