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
from nnstudio.core.errors import ShapeError, format_shape
from nnstudio.core.registry import LAYERS

BOX_W, BOX_H, GAP, INDENT = 260.0, 46.0, 26.0, 28.0
CATEGORY_COLOURS = {
    "Core": "#dbe9f6", "Convolution": "#d9f0d3", "Normalization": "#fdf0c8", "Activations": "#f3dcf0",
    "Sequence": "#ffe1c6", "Attention": "#e0dcf6", "Structure": "#eeeeee",
}
ERROR_FILL = "#ffd7d7"


class NetworkDiagram(QGraphicsView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkDiagram")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.box_texts: list[str] = []  # what each box says, in drawing order (tests read it)
        self.skip_count = 0

    # ------------------------------------------------------------------ drawing
    def show_network(self, input_shape: tuple[int, ...] | None, layers: list[LayerSpec], infos: list[LayerInfo], error: ShapeError | None) -> None:
        scene = self.scene()
        scene.clear()
        self.box_texts, self.skip_count = [], 0
        by_index = {i.index: i for i in infos}
        error_index = error.index if error else None
        y = 0.0
        x = 0.0
        top = self._box(x, y, "Input", format_shape(input_shape) if input_shape is not None else "no data", "#ffffff")
        y += BOX_H
        bottom_of_previous = QPointF(top.x(), top.y() + BOX_H)

        def draw(specs: list[LayerSpec], prefix: tuple[int, ...], x: float, y: float, prev: QPointF) -> tuple[float, QPointF]:
            for i, spec in enumerate(specs):
                path = (*prefix, i)
                index = index_from_path(path)
                entry = LAYERS.get(spec.kind)
                info = by_index.get(index)
                width = BOX_W - 2 * INDENT * len(prefix)
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
                    label = scene.addText(f"{index} {entry.title}", self._font(8))
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
                    shape_text, fill = "does not fit: " + (error.problem[:60] + "…" if len(error.problem) > 60 else error.problem), ERROR_FILL
                elif info is not None:
                    shape_text, fill = f"→ {format_shape(info.out_shape)}   ({info.params:,} params)", CATEGORY_COLOURS.get(entry.category, "#eeeeee")
                else:
                    shape_text, fill = "→ ?", "#f4f4f4"
                box = self._box(x, y, title, shape_text, fill, width)
                self._arrow(prev, QPointF(box.x(), y))
                y += BOX_H
                prev = QPointF(box.x(), y)
            return y, prev

        y, last = draw(layers, (), x, y, bottom_of_previous)
        out_shape = infos[-1].out_shape if infos and error is None else None
        y += GAP
        out = self._box(x, y, "Output", format_shape(out_shape) if out_shape is not None else "—", "#ffffff")
        self._arrow(last, QPointF(out.x(), y))
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))

    def _font(self, size: float, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(size)
        font.setBold(bold)
        return font

    def _box(self, x: float, y: float, title: str, detail: str, fill: str, width: float = BOX_W) -> QPointF:
        scene = self.scene()
        path = QPainterPath()
        path.addRoundedRect(QRectF(x, y, width, BOX_H), 7, 7)
        scene.addPath(path, QPen(QColor("#444444"), 1.2), QBrush(QColor(fill)))
        t = scene.addText(title, self._font(9, bold=True))
        t.setPos(x + 6, y + 2)
        t.setTextWidth(width - 12)
        d = scene.addText(detail, self._font(8.5))
        d.setPos(x + 6, y + 22)
        d.setTextWidth(width - 12)
        self.box_texts.append(f"{title} | {detail}")
        return QPointF(x + width / 2, y)

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
