"""One backpropagation step drawn on the network: a circle per neuron labelled with its forward value, an
edge per weight labelled with that weight's gradient, and the sample's loss before and after one step.

Every number comes from :func:`nnstudio.core.lessons.backprop.one_step` (the hand-worked chain rule,
checked against autograd); nothing here computes a gradient a second time.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from nnstudio.core.lessons.backprop import BackpropStep

COL_GAP, ROW_GAP, RADIUS = 460.0, 200.0, 26.0


def _fmt(value: float) -> str:
    return f"{value:+.4f}"


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

    def show_step(self, step: BackpropStep) -> None:
        scene = self.scene()
        scene.clear()
        self.node_texts, self.edge_texts = {}, {}
        grads = {g.name: g for g in step.gradients}
        # Columns: the input, then each linear layer's neurons (an activation right after a linear layer is
        # shown inside the same neuron: its sum z and its output a).
        columns: list[list[str]] = [[f"x = {_fmt(v)}" for v in step.x]]
        linear_names: list[str] = []
        for i, layer in enumerate(step.layers):
            if layer.kind == "Linear":
                linear_names.append(layer.name)
                columns.append([f"z = {_fmt(v)}" for v in layer.outputs])
            elif layer.kind != "Flatten" and columns and i > 0 and step.layers[i - 1].kind == "Linear":
                columns[-1] = [f"{z}\na = {_fmt(a)}" for z, a in zip(columns[-1], layer.outputs, strict=True)]
        tallest = max(len(c) for c in columns)
        centres = [[QPointF(c * COL_GAP, (r + (tallest - len(col)) / 2) * ROW_GAP) for r in range(len(col))]
                   for c, col in enumerate(columns)]
        font = QFont()
        font.setPointSize(10)
        for c, name in enumerate(linear_names):  # edges first, under the neurons
            weight = grads[f"{name}.weight"]
            for j, end in enumerate(centres[c + 1]):
                for i, start in enumerate(centres[c]):
                    value = float(weight.value[j, i])
                    pen = QPen(QColor("#c0392b" if value < 0 else "#1f5fa8"), 1 + min(abs(value), 2) * 1.5)
                    scene.addLine(start.x(), start.y(), end.x(), end.y(), pen)
                    label = f"w={value:+.3f}  ∂L/∂w={_fmt(float(weight.by_hand[j, i]))}"
                    self.edge_texts[f"{name}.weight[{j},{i}]"] = label
                    t = start + (end - start) * 0.3  # near its start: edges fanning out keep their labels apart
                    item = scene.addText(label, font)
                    item.setDefaultTextColor(QColor("#222222"))
                    item.setPos(t.x() - item.boundingRect().width() / 2, t.y() - item.boundingRect().height() / 2)
        for c, col in enumerate(columns):
            for r, text in enumerate(col):
                p = centres[c][r]
                scene.addEllipse(p.x() - RADIUS, p.y() - RADIUS, 2 * RADIUS, 2 * RADIUS, QPen(QColor("#333333")),
                                 QBrush(QColor("#fdf0c8" if c else "#dbe9f6")))
                if c and f"{linear_names[c - 1]}.bias" in grads:
                    text += f"\n∂L/∂b = {_fmt(float(grads[f'{linear_names[c - 1]}.bias'].by_hand[r]))}"
                self.node_texts[(c, r)] = text
                item = scene.addText(text, font)
                box = item.boundingRect()  # inputs' values left of them, the others' below them
                item.setPos(*((p.x() - RADIUS - 4 - box.width(), p.y() - box.height() / 2) if c == 0
                            else (p.x() - box.width() / 2, p.y() + RADIUS)))
        self.loss_text = (f"loss before the step: {step.loss:.4f}    after one step (lr {step.lr:g}): "
                          f"{step.loss_after:.4f}    target {', '.join(f'{t:g}' for t in step.target)}")
        big = QFont()
        big.setPointSize(12)
        item = scene.addText(self.loss_text, big)
        item.setPos(0, tallest * ROW_GAP + 20)
        self.fitInView(scene.itemsBoundingRect().adjusted(-20, -20, 20, 20), Qt.AspectRatioMode.KeepAspectRatio)
