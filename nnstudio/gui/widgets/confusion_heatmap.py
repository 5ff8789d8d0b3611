"""A confusion matrix drawn as a heatmap: rows are true classes, columns predicted ones; click a cell to
ask which examples it holds."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnstudio.gui import palette


def _mix(color: QColor, amount: float) -> QColor:
    """``color`` faded towards white: amount 0 is white, 1 the full colour."""
    a = float(np.clip(amount, 0.0, 1.0))
    return QColor(
        round(255 + (color.red() - 255) * a), round(255 + (color.green() - 255) * a), round(255 + (color.blue() - 255) * a)
    )


class ConfusionHeatmap(QWidget):
    cell_clicked = Signal(int, int)  # (true class, predicted class)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionHeatmap")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(260, 260)
        self.setMouseTracking(True)
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.labels: list[str] = []
        self.normalized = False
        self.selected: tuple[int, int] | None = None

    def set_matrix(self, counts: np.ndarray, labels: list[str]) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        self.labels = list(labels)
        if self.selected and max(self.selected) >= len(self.labels):
            self.selected = None
        self.update()

    def set_normalized(self, normalized: bool) -> None:
        self.normalized = normalized
        self.update()

    def values(self) -> np.ndarray:
        """What the cells show: counts, or each row divided by its total (the share of that true class)."""
        if not self.normalized:
            return self.counts.astype(np.float64)
        totals = self.counts.sum(axis=1, keepdims=True)
        return np.divide(self.counts, totals, out=np.zeros(self.counts.shape), where=totals > 0)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(460, 460)

    # ------------------------------------------------------------------ geometry
    def _grid(self) -> tuple[QRectF, float]:
        n = max(len(self.labels), 1)
        fm = self.fontMetrics()
        label_w = max([fm.horizontalAdvance(t) for t in self.labels] + [10]) + 10
        left = fm.height() + 8 + label_w
        top = fm.height() * 2 + 12
        side = max(10.0, min(self.width() - left - 8, self.height() - top - 8))
        return QRectF(left, top, side, side), side / n

    def cell_rect(self, row: int, col: int) -> QRect:
        grid, cell = self._grid()
        return QRectF(grid.left() + col * cell, grid.top() + row * cell, cell, cell).toAlignedRect()

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        grid, cell = self._grid()
        if not grid.contains(QPointF(x, y)) or not self.labels:
            return None
        col, row = int((x - grid.left()) // cell), int((y - grid.top()) // cell)
        n = len(self.labels)
        return (row, col) if 0 <= row < n and 0 <= col < n else None

    # ------------------------------------------------------------------ events
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.cell_at(event.position().x(), event.position().y())
        if hit is not None:
            self.selected = hit
            self.update()
            self.cell_clicked.emit(*hit)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        hit = self.cell_at(event.position().x(), event.position().y())
        if hit is None:
            self.setToolTip("")
            return
        r, c = hit
        n = int(self.counts[r, c])
        total = int(self.counts[r].sum())
        what = "right" if r == c else "mistakes"
        self.setToolTip(f"True {self.labels[r]}, predicted {self.labels[c]}: {n} of {total} ({what}). Click to list them.")

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        right, wrong = QColor(palette.role("accent")), QColor(palette.role("highlight"))
        painter.fillRect(self.rect(), QColor("white"))
        if not self.labels:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No confusion matrix yet")
            return
        grid, cell = self._grid()
        values = self.values()
        off = values.copy()
        np.fill_diagonal(off, 0)
        diag_max = max(float(np.diag(values).max(initial=0)), 1e-12)
        off_max = max(float(off.max(initial=0)), 1e-12)
        n = len(self.labels)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, min(self.font().pointSizeF() * 1.45, cell * 0.28)))  # 13pt at 9pt text
        painter.setFont(font)
        for r in range(n):
            for c in range(n):
                v = values[r, c]
                rect = QRectF(grid.left() + c * cell, grid.top() + r * cell, cell, cell)
                amount = v / diag_max if r == c else v / off_max
                # right answers in the accent blue, mistakes in the highlight, so the eye finds the errors
                fill = _mix(right if r == c else wrong, 0.08 + 0.92 * amount if v > 0 else 0.0)
                painter.fillRect(rect, fill)
                painter.setPen(QPen(QColor("#d0d0d0"), 1))
                painter.drawRect(rect)
                if cell >= 18:
                    text = f"{v:.2f}" if self.normalized else str(int(v))
                    painter.setPen(QColor("white") if fill.lightnessF() < 0.55 else QColor("#222"))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if self.selected is not None:
            r, c = self.selected
            painter.setPen(QPen(QColor("#111"), 3))
            painter.drawRect(QRectF(grid.left() + c * cell, grid.top() + r * cell, cell, cell).adjusted(1.5, 1.5, -1.5, -1.5))
        painter.setFont(self.font())
        painter.setPen(QColor("#333"))
        fm = self.fontMetrics()
        for i, label in enumerate(self.labels):
            y = grid.top() + i * cell
            painter.drawText(QRectF(fm.height() + 4, y, grid.left() - fm.height() - 10, cell), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            x = grid.left() + i * cell
            painter.drawText(QRectF(x, fm.height() + 6, cell, fm.height() + 4), Qt.AlignmentFlag.AlignCenter, fm.elidedText(label, Qt.TextElideMode.ElideRight, int(cell)))
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QRectF(grid.left(), 2, grid.width(), fm.height() + 2), Qt.AlignmentFlag.AlignCenter, "predicted class")
        painter.save()
        painter.translate(fm.height() - 2, grid.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-grid.height() / 2, -fm.height(), grid.height(), fm.height() + 4), Qt.AlignmentFlag.AlignCenter, "true class")
        painter.restore()
