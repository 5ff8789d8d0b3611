"""A drawing of the network: one box per layer with its output shape, arrows between them, and skip
connections drawn around residual blocks. Exportable as PNG and SVG."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from nnstudio.core.arch.builder import LayerInfo
from nnstudio.core.arch.commands import index_from_path
from nnstudio.core.arch.spec import LayerSpec
from nnstudio.core.base.errors import ShapeError, format_shape
from nnstudio.core.base.registry import LAYERS

BOX_W, BOX_H, GAP, INDENT = 260.0, 46.0, 26.0, 28.0
MAX_BOX_W = 560.0  # boxes widen with the pane up to this (a 260-pixel column looked lost in a wide pane)
PAD = 4.0  # inside a box, around and between its two lines
CATEGORY_COLOURS = {
    "Core": "#dbe9f6", "Convolution": "#d9f0d3", "Normalization": "#fdf0c8", "Activations": "#f3dcf0",
    "Sequence": "#ffe1c6", "Attention": "#e0dcf6", "Structure": "#eeeeee",
}
ERROR_FILL = "#ffd7d7"
FROZEN_EDGE = "#1f5fa8"


def _frozen(info: LayerInfo) -> bool:
    """A layer with weights, none of them trained (frozen, or inside a frozen block)."""
    return info.params > 0 and info.trainable == 0


class NetworkDiagram(QGraphicsView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkDiagram")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.box_texts: list[str] = []  # what each box says, in drawing order (tests read it)
        self.box_rects: list[QRectF] = []  # each box's outline, in drawing order
        self.skip_count = 0
        self.box_width = BOX_W
        self._shown: tuple | None = None  # the last show_network arguments, redrawn when the pane's width changes

    # ------------------------------------------------------------------ drawing
    def show_network(self, input_shape: tuple[int, ...] | None, layers: list[LayerSpec], infos: list[LayerInfo], error: ShapeError | None) -> None:
        self._shown = (input_shape, layers, infos, error)
        self.box_width = self._fitting_width()
        box_w = self.box_width
        scene = self.scene()
        scene.clear()
        self.box_texts, self.box_rects, self.skip_count = [], [], 0
        by_index = {i.index: i for i in infos}
        error_index = error.index if error else None
        y = 0.0
        x = 0.0
        top = self._box(x, y, "Input", format_shape(input_shape) if input_shape is not None else "no data", "#ffffff", box_w)
        y = top.bottom()
        bottom_of_previous = QPointF(top.center().x(), top.bottom())

        def draw(specs: list[LayerSpec], prefix: tuple[int, ...], x: float, y: float, prev: QPointF) -> tuple[float, QPointF]:
            for i, spec in enumerate(specs):
                path = (*prefix, i)
                index = index_from_path(path)
                entry = LAYERS.get(spec.kind)
                info = by_index.get(index)
                width = box_w - 2 * INDENT * len(prefix)
                y += GAP
                if spec.children is not None:
                    # A residual block: its layers inside a dashed frame, the skip arrow around them, then "+".
                    self._arrow(prev, QPointF(x + width / 2, y))
                    frame_top = y
                    fork = QPointF(x + width / 2, y)
                    inner_y, inner_prev = draw(spec.children, path, x + INDENT, y - GAP / 2, fork)
                    plus_y = inner_y + GAP
                    plus = QPointF(x + width / 2, plus_y + 10)
                    self._arrow(inner_prev, QPointF(plus.x(), plus_y))
                    frame = QRectF(x, frame_top - 6, width, plus_y - frame_top + 26)
                    scene.addRect(frame, QPen(QColor("#888888"), 1.2, Qt.PenStyle.DashLine))
                    block = by_index.get(index)
                    label = scene.addText(f"{index} {entry.title}" + (" · frozen" if block and _frozen(block) else ""), self._font(8))
                    label.setPos(x + 4, frame_top - 8)
                    label.setDefaultTextColor(QColor("#555555"))
                    self._skip(fork, plus, x + width + 18)
                    scene.addEllipse(QRectF(plus.x() - 10, plus.y() - 10, 20, 20), QPen(QColor("#333333"), 1.4), QBrush(QColor("white")))
                    plus_text = scene.addText("+", self._font(11, bold=True))
                    plus_text.setPos(plus.x() - 8, plus.y() - 14)
                    self.box_texts.append(f"{index} {entry.title} (skip connection)")
                    y = plus_y + 20
                    prev = QPointF(plus.x(), plus.y() + 10)
                    continue
                summary = entry.obj.summary(spec.params)
                title = f"{index}  {entry.title}" + (f"  ·  {summary}" if summary else "")
                if index == error_index:
                    shape_text, fill = "does not fit: " + error.problem, ERROR_FILL  # whole: the box grows to hold it
                elif info is not None:
                    counted = f"{info.params:,} params, frozen" if _frozen(info) else f"{info.params:,} params"
                    shape_text, fill = f"→ {format_shape(info.out_shape)}   ({counted})", CATEGORY_COLOURS.get(entry.category, "#eeeeee")
                else:
                    shape_text, fill = "→ ?", "#f4f4f4"
                box = self._box(x, y, title, shape_text, fill, width, frozen=info is not None and _frozen(info))
                self._arrow(prev, QPointF(box.center().x(), y))
                y = box.bottom()
                prev = QPointF(box.center().x(), y)
            return y, prev

        y, last = draw(layers, (), x, y, bottom_of_previous)
        out_shape = infos[-1].out_shape if infos and error is None else None
        y += GAP
        out = self._box(x, y, "Output", format_shape(out_shape) if out_shape is not None else "—", "#ffffff", box_w)
        self._arrow(last, QPointF(out.center().x(), y))
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))

    def _font(self, size: float, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(size)
        font.setBold(bold)
        return font

    def _fitting_width(self) -> float:
        """Box width for the pane: as wide as it allows (room left for skip arrows), within BOX_W..MAX_BOX_W."""
        room = self.viewport().width() - 120.0
        return max(BOX_W, min(MAX_BOX_W, room))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._shown is not None and abs(self._fitting_width() - self.box_width) >= 1:
            self.show_network(*self._shown)

    def _box(self, x: float, y: float, title: str, detail: str, fill: str, width: float = BOX_W, frozen: bool = False) -> QRectF:
        """A box whose two lines are laid out with the font's real metrics: the title may wrap (a Transformer's
        long summary) and the detail (an error's whole sentence) sits below it, the box as tall as both."""
        scene = self.scene()
        t = scene.addText(title, self._font(9, bold=True))
        t.setTextWidth(width - 12)
        t.setPos(x + 6, y + PAD - 2)
        d = scene.addText(detail, self._font(8.5))
        d.setTextWidth(width - 12)
        d.setPos(x + 6, t.pos().y() + t.boundingRect().height() - PAD)
        height = max(BOX_H, d.pos().y() + d.boundingRect().height() - y + PAD - 2)
        rect = QRectF(x, y, width, height)
        path = QPainterPath()
        path.addRoundedRect(rect, 7, 7)
        pen = QPen(QColor(FROZEN_EDGE), 3.0) if frozen else QPen(QColor("#444444"), 1.2)  # frozen: a thick blue edge
        outline = scene.addPath(path, pen, QBrush(QColor(fill)))
        outline.setZValue(-1)  # under its text
        self.box_texts.append(f"{title} | {detail}")
        self.box_rects.append(rect)
        return rect

    def _arrow(self, start: QPointF, end: QPointF) -> None:
        scene = self.scene()
        pen = QPen(QColor("#333333"), 1.4)
        scene.addLine(start.x(), start.y(), end.x(), end.y() - 1, pen)
        head = QPolygonF([QPointF(end.x(), end.y()), QPointF(end.x() - 5, end.y() - 8), QPointF(end.x() + 5, end.y() - 8)])
        scene.addPolygon(head, pen, QBrush(QColor("#333333")))

    def _skip(self, fork: QPointF, plus: QPointF, right: float) -> None:
        """The shortcut: out of the fork point, down the right-hand side, into the "+"."""
        scene = self.scene()
        pen = QPen(QColor("#1f77b4"), 2.0)
        path = QPainterPath(QPointF(fork.x(), fork.y() - 4))
        path.lineTo(right, fork.y() - 4)
        path.lineTo(right, plus.y())
        path.lineTo(plus.x() + 10, plus.y())
        scene.addPath(path, pen)
        head = QPolygonF([QPointF(plus.x() + 10, plus.y()), QPointF(plus.x() + 18, plus.y() - 5), QPointF(plus.x() + 18, plus.y() + 5)])
        scene.addPolygon(head, pen, QBrush(QColor("#1f77b4")))
        note = scene.addText("skip", self._font(8))
        note.setDefaultTextColor(QColor("#1f77b4"))
        note.setPos(right + 2, (fork.y() + plus.y()) / 2 - 10)
        self.skip_count += 1

    # ------------------------------------------------------------------ export
    def export_png(self, path: str | Path, scale: float = 2.0) -> None:
        rect = self.scene().sceneRect()
        image = QImage(QSize(int(rect.width() * scale), int(rect.height() * scale)), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.scene().render(painter, QRectF(image.rect()), rect)
        painter.end()
        if not image.save(str(path), "PNG"):
            raise OSError(f"Cannot write {path}")

    def export_svg(self, path: str | Path, title: str = "Network") -> None:
        from PySide6.QtSvg import QSvgGenerator

        rect = self.scene().sceneRect()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(int(rect.width()), int(rect.height())))
        generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        generator.setTitle(title)
        painter = QPainter(generator)
        self.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        painter.end()
