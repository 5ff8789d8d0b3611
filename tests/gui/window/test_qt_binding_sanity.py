"""Guards against Qt binding releases known to corrupt the interpreter during live plotting.

PySide6 6.12.0 drops a reference to None on every QPainter.drawLine call; pyqtgraph draws its axes with
it, so a few minutes of live curves end in "Fatal Python error: none_dealloc". pyproject.toml excludes
that release; this test fails loudly if an environment ever gets such a build again.
"""

import sys

from PySide6.QtCore import QLineF, QPointF
from PySide6.QtGui import QImage, QPainter


def test_qpainter_draw_calls_keep_none_alive(qapp):
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(200):
            painter.drawLine(QLineF(0, 0, 10, 10))
            painter.drawLine(QPointF(0, 0), QPointF(5, 5))
            painter.drawLines([QLineF(0, 0, 3, 3)])
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after >= before - 5, f"QPainter calls released {before - after} references to None"
