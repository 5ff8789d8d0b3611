"""A canvas to draw an input by hand, shown at the dataset's own resolution.

Strokes are painted on a finer hidden grid and averaged down, the way the digits were made, so a thin
stroke becomes grey pixels instead of vanishing; the student sees the blocky image the network receives.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

FINE_TARGET = 256  # about this many fine pixels across the longer side


class DrawCanvas(QWidget):
    changed = Signal()  # the image changed (a stroke segment, a clear, a loaded image)

    def __init__(self, height: int, width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the left mouse button; the network sees this grid of pixels")
        self.rows, self.cols = height, width
        self.scale = max(1, math.ceil(FINE_TARGET / max(height, width)))
        self.fine = np.zeros((height * self.scale, width * self.scale), dtype=np.float32)
        self.brush = max(1.0, round(height / 8, 1))  # diameter in dataset pixels
        self._last: tuple[float, float] | None = None
        self._drawing = False

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(320, 320)

    # ------------------------------------------------------------------ image
    def image(self) -> np.ndarray:
        """The drawing at the dataset's resolution, values 0 (background) to 1 (full ink)."""
        s = self.scale
        return self.fine.reshape(self.rows, s, self.cols, s).mean(axis=(1, 3))

    def set_image(self, image: np.ndarray) -> None:
        """Show a [0, 1] image already at the dataset's resolution (e.g. a loaded file) and keep drawing on it."""
        img = np.clip(np.asarray(image, dtype=np.float32).reshape(self.rows, self.cols), 0.0, 1.0)
        self.fine = np.kron(img, np.ones((self.scale, self.scale), dtype=np.float32))
        self.update()
        self.changed.emit()

    def clear(self) -> None:
        self.fine[:] = 0.0
        self.update()
        self.changed.emit()

    def set_brush(self, diameter: float) -> None:
        self.brush = float(diameter)

    def is_empty(self) -> bool:
        return not bool(self.fine.any())

    # ------------------------------------------------------------------ geometry
    def _board(self) -> QRectF:
        """Where the image is drawn: the largest rectangle of the image's aspect ratio that fits."""
        cell = min(self.width() / self.cols, self.height() / self.rows)
        w, h = cell * self.cols, cell * self.rows
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _to_fine(self, pos: QPointF) -> tuple[float, float]:
        board = self._board()
        fx = (pos.x() - board.left()) / board.width() * self.fine.shape[1]
        fy = (pos.y() - board.top()) / board.height() * self.fine.shape[0]
        return fy, fx

    def _stamp(self, cy: float, cx: float) -> None:
        r = self.brush * self.scale / 2
        h, w = self.fine.shape
        y0, y1 = max(0, int(cy - r - 2)), min(h, int(cy + r + 3))
        x0, x1 = max(0, int(cx - r - 2)), min(w, int(cx + r + 3))
        if y0 >= y1 or x0 >= x1:
            return
        yy, xx = np.mgrid[y0:y1, x0:x1]
        dist = np.hypot(yy + 0.5 - cy, xx + 0.5 - cx)
        ink = np.clip(r - dist + 0.5, 0.0, 1.0)  # one fine pixel of soft edge
        np.maximum(self.fine[y0:y1, x0:x1], ink, out=self.fine[y0:y1, x0:x1])

    def _stroke_to(self, point: tuple[float, float]) -> None:
        start = self._last or point
        steps = max(1, int(math.dist(start, point) / max(1.0, self.brush * self.scale / 4)))
        for i in range(1, steps + 1):
            t = i / steps
            self._stamp(start[0] + (point[0] - start[0]) * t, start[1] + (point[1] - start[1]) * t)
        self._last = point
        self.update()
        self.changed.emit()

    # ------------------------------------------------------------------ events
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._drawing = True
            self._last = None
            self._stroke_to(self._to_fine(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        # Our own flag, not event.buttons(): synthetic test events carry no button state on every platform.
        if self._drawing:
            self._stroke_to(self._to_fine(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._drawing = False
            self._last = None

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        board = self._board()
        pixels = np.ascontiguousarray((self.image() * 255).astype(np.uint8))
        qimage = QImage(pixels.data, self.cols, self.rows, self.cols, QImage.Format.Format_Grayscale8)
        painter.drawImage(board, qimage)  # nearest-neighbour: each dataset pixel a crisp square
        if self.rows <= 32:
            painter.setPen(QPen(QColor(90, 90, 90, 110), 1))
            for i in range(1, self.cols):
                x = board.left() + i * board.width() / self.cols
                painter.drawLine(QPointF(x, board.top()), QPointF(x, board.bottom()))
            for i in range(1, self.rows):
                y = board.top() + i * board.height() / self.rows
                painter.drawLine(QPointF(board.left(), y), QPointF(board.right(), y))
        painter.setPen(QPen(QColor("#888"), 1))
        painter.drawRect(board)
        if self.is_empty():
            painter.setPen(QColor("#bbb"))
            painter.drawText(board, Qt.AlignmentFlag.AlignCenter, "draw here")
