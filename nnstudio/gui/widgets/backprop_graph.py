"""One backpropagation step drawn on the network: a circle per neuron labelled with its forward value, an
edge per weight labelled with that weight's gradient, and the sample's loss before and after one step.

Every number comes from :func:`nnstudio.core.lessons.backprop.one_step` (the hand-worked chain rule,
checked against autograd); nothing here computes a gradient a second time. :class:`BackpropDialog` puts the
graph beside a table of every parameter's gradient in full (by hand and by autograd) and the losses.
"""

from __future__ import annotations

from itertools import product

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QDialog,
    QDialogButtonBox,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.lessons.backprop import BackpropStep

COL_GAP, ROW_GAP, RADIUS = 300.0, 200.0, 26.0  # at the least
EDGE_AT = 0.38  # where along its edge a weight's label sits: before the middle, where crossing edges meet


def _fmt(value: float) -> str:
    return f"{value:+.4f}"


def neuron_names(sizes: list[int]) -> list[list[str]]:
    """Short names for the neurons of each column (inputs first), as the circles and the table read them:
    x1 x2 | h1 h2 | out (hidden layers h2.1 ... when there are several; outputs out1 ... when several)."""
    hidden = len(sizes) - 2
    names = [[f"x{r + 1}" for r in range(sizes[0])]]
    for c, size in enumerate(sizes[1:-1], start=1):
        names.append([f"h{r + 1}" if hidden == 1 else f"h{c}.{r + 1}" for r in range(size)])
    names.append(["out"] if sizes[-1] == 1 else [f"out{r + 1}" for r in range(sizes[-1])])
    return names


class BackpropGraph(QGraphicsView):
    """Draws a dense network's one-sample backprop step. Tests read ``node_texts``, ``edge_texts`` and
    ``loss_text`` (what the drawing says)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backpropGraph")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.node_texts: dict[tuple[int, int], str] = {}  # (column, neuron) -> its value(s)
        self.edge_texts: dict[str, str] = {}  # "0.weight[j,i]" -> the gradient shown on that edge
        self.loss_text = ""
        self.step: BackpropStep | None = None

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.step is not None:
            self.show_step(self.step)  # presentation mode: the labels grow with the window's text

    def show_step(self, step: BackpropStep) -> None:
        self.step = step
        scene = self.scene()
        scene.clear()
        grads = {g.name: g for g in step.gradients}
        # Columns: the input, then each linear layer's neurons (an activation right after a linear layer is
        # shown inside the same neuron: its sum z and its output a).
        columns: list[list[str]] = [[f"x{i + 1} = {_fmt(v)}" for i, v in enumerate(step.x)]]
        linear_names: list[str] = []
        for i, layer in enumerate(step.layers):
            if layer.kind == "Linear":
                linear_names.append(layer.name)
                columns.append([f"z = {_fmt(v)}" for v in layer.outputs])
            elif layer.kind != "Flatten" and columns and i > 0 and step.layers[i - 1].kind == "Linear":
                columns[-1] = [f"{z}\na = {_fmt(a)}" for z, a in zip(columns[-1], layer.outputs, strict=True)]
        for c, name in enumerate(linear_names, start=1):
            if f"{name}.bias" in grads:
                bias = grads[f"{name}.bias"].by_hand
                columns[c] = [f"{text}\n∂L/∂b = {_fmt(float(bias[r]))}" for r, text in enumerate(columns[c])]
        self.node_texts = {(c, r): text for c, col in enumerate(columns) for r, text in enumerate(col)}
        self.edge_texts = {}
        for c, name in enumerate(linear_names):
            weight = grads[f"{name}.weight"]
            for j, i in product(range(len(columns[c + 1])), range(len(columns[c]))):
                self.edge_texts[f"{name}.weight[{j},{i}]"] = (
                    f"w={float(weight.value[j, i]):+.3f}\n∂L/∂w={_fmt(float(weight.by_hand[j, i]))}")

        font = QFont(self.font())  # the window's font (presentation mode scales it); the drawing's gaps are
        font.setPointSizeF(self.font().pointSizeF() * 1.35)  # measured from its labels, so none overlap
        metrics = QFontMetricsF(font)
        line = metrics.height()
        label_w = max((metrics.horizontalAdvance(part) for t in self.edge_texts.values() for part in t.splitlines()),
                      default=0.0)
        node_w = max(metrics.horizontalAdvance(part) for c, col in enumerate(columns) if c
                     for text in col for part in text.splitlines())
        node_lines = max(len(text.splitlines()) for c, col in enumerate(columns) if c for text in col)
        radius = max(RADIUS, line * 1.1)
        # An edge's label sits EDGE_AT of the way along it, clear of its start neuron's values below it...
        col_gap = max(COL_GAP, (label_w / 2 + max(node_w / 2, radius) + line) / EDGE_AT)
        # ...and rows leave room for a neuron's values, and for the two-line labels of edges fanning out of one
        # neuron, or crossing on their way to the next column.
        row_gap = max(ROW_GAP, 2 * radius + node_lines * line + line, line * 2.5 / EDGE_AT,
                      line * 2.5 / (1 - 2 * EDGE_AT))
        tallest = max(len(c) for c in columns)
        centres = [[QPointF(c * col_gap, (r + (tallest - len(col)) / 2) * row_gap) for r in range(len(col))]
                   for c, col in enumerate(columns)]
        names = neuron_names([len(col) for col in columns])
        for c, name in enumerate(linear_names):  # edges first, under the neurons
            weight = grads[f"{name}.weight"]
            for j, end in enumerate(centres[c + 1]):
                for i, start in enumerate(centres[c]):
                    value = float(weight.value[j, i])
                    pen = QPen(QColor("#c0392b" if value < 0 else "#1f5fa8"), 1 + min(abs(value), 2) * 1.5)
                    scene.addLine(start.x(), start.y(), end.x(), end.y(), pen)
                    t = start + (end - start) * EDGE_AT  # near its start: edges fanning out keep labels apart
                    item = scene.addText(self.edge_texts[f"{name}.weight[{j},{i}]"], font)
                    item.setDefaultTextColor(QColor("#222222"))
                    item.setPos(t.x() - item.boundingRect().width() / 2, t.y() - item.boundingRect().height() / 2)
                    item.setZValue(2)  # over a pale box over the edges: a label crossed by a line stays readable
                    box = scene.addRect(item.sceneBoundingRect().adjusted(4, 6, -4, -6), QPen(Qt.PenStyle.NoPen),
                                        QBrush(QColor(255, 255, 255, 225)))
                    box.setZValue(1)
        for c, col in enumerate(columns):
            for r, text in enumerate(col):
                p = centres[c][r]
                scene.addEllipse(p.x() - radius, p.y() - radius, 2 * radius, 2 * radius, QPen(QColor("#333333")),
                                 QBrush(QColor("#fdf0c8" if c else "#dbe9f6")))
                name = scene.addText(names[c][r], font)
                box = name.boundingRect()
                name.setPos(p.x() - box.width() / 2, p.y() - box.height() / 2)
                item = scene.addText(text, font)
                box = item.boundingRect()  # inputs' values left of them, the others' below them
                item.setPos(*((p.x() - radius - 4 - box.width(), p.y() - box.height() / 2) if c == 0
                            else (p.x() - box.width() / 2, p.y() + radius)))
        self.loss_text = (f"loss before the step: {step.loss:.4f}    after one step (lr {step.lr:g}): "
                          f"{step.loss_after:.4f}    target {', '.join(f'{t:g}' for t in step.target)}")
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * 1.2)
        item = scene.addText(self.loss_text, big)
        item.setPos(0, (tallest - 1) * row_gap + radius + node_lines * line + 2 * line)
        self._fit()

    def _fit(self) -> None:
        scene = self.scene()
        if scene.items():
            self.fitInView(scene.itemsBoundingRect().adjusted(-20, -20, 20, 20), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()  # shown in a dialog or resized: the whole network stays in view


def parameter_rows(step: BackpropStep) -> list[tuple[str, float, float, float]]:
    """(which number, its value, its gradient by hand, by autograd) for every weight and bias, in the order of
    the network's parameters, named by the neurons on the graph: 'w x2 → h1', 'b out'."""
    linear = [layer.name for layer in step.layers if layer.kind == "Linear"]
    sizes = [len(step.x)] + [len(layer.outputs) for layer in step.layers if layer.kind == "Linear"]
    names = neuron_names(sizes)
    rows: list[tuple[str, float, float, float]] = []
    for g in step.gradients:
        layer, kind = g.name.rsplit(".", 1)
        column = linear.index(layer) + 1
        for index in product(*(range(n) for n in g.value.shape)):
            if kind == "weight":
                what = f"w {names[column - 1][index[1]]} → {names[column][index[0]]}"
            else:
                what = f"b {names[column][index[0]]}"
            rows.append((what, float(g.value[index]), float(g.by_hand[index]), float(g.autograd[index])))
    return rows


GRADIENT_COLUMNS = ("", "value", "gradient by hand\n(chain rule)", "gradient by\nautograd")


class BackpropDialog(QDialog):
    """The step on the network graph, every gradient in full beside it, and the loss before and after."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backpropDialog")
        self.setWindowTitle("Backpropagation, one step")
        self.caption = QLabel()
        self.caption.setObjectName("backpropCaption")
        self.caption.setWordWrap(True)
        self.graph = BackpropGraph()
        self.table = QTableWidget(0, len(GRADIENT_COLUMNS))
        self.table.setObjectName("backpropGradients")
        self.table.setHorizontalHeaderLabels(GRADIENT_COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.loss = QLabel()
        self.loss.setObjectName("backpropLoss")
        self.loss.setWordWrap(True)
        self.loss.setMaximumWidth(520)
        bold = QFont(self.loss.font())
        bold.setBold(True)
        self.loss.setFont(bold)
        side = QVBoxLayout()
        side.addWidget(self.table, 1)
        side.addWidget(self.loss)
        body = QHBoxLayout()
        body.addWidget(self.graph, 1)
        body.addLayout(side, 0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.resize(1200, 640)

    def show_step(self, step: BackpropStep, caption: str = "") -> None:
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption))
        self.graph.show_step(step)
        rows = parameter_rows(step)
        self.table.setRowCount(len(rows))
        for r, (what, value, by_hand, autograd) in enumerate(rows):
            cells = [what, f"{value:+.6f}", f"{by_hand:+.8f}", f"{autograd:+.8f}"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.loss.setText(
            f"Loss on the sample before the step: {step.loss:.6f}; after one step of size {step.lr:g} "
            f"(every weight minus {step.lr:g} × its gradient): {step.loss_after:.6f}. Largest difference "
            f"between a hand-worked gradient and autograd's: {step.max_error:.2g}.")
