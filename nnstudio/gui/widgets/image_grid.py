"""A grid of small images with a caption under each (the label, or 'label → prediction')."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget


def to_pixmap(image: np.ndarray, size: int) -> QPixmap:
    """(C,H,W) or (H,W) floats of any range -> a pixmap scaled to ``size`` px, sharp pixels kept.

    Each image is stretched to its own min..max, so normalized images (negative pixels) stay visible."""
    img = np.asarray(image, dtype=np.float32)
    if img.ndim == 3:
        img = img[0] if img.shape[0] not in (3, 4) else np.moveaxis(img[:3], 0, -1)
    lo, hi = float(np.nanmin(img)), float(np.nanmax(img))
    scaled = np.nan_to_num((img - lo) / (hi - lo if hi - lo > 1e-12 else 1.0))
    data = np.ascontiguousarray((scaled * 255).astype(np.uint8))
    h, w = data.shape[:2]
    if data.ndim == 2:
        qimg = QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        qimg = QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    pixmap = QPixmap.fromImage(qimg.copy())  # copy: the numpy buffer goes away
    return pixmap.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)


class ImageGrid(QWidget):
    def __init__(self, columns: int = 8, cell: int = 72, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageGrid")
        self.columns = columns
        self.cell = cell
        self._grid = QGridLayout(self)
        self._grid.setSpacing(6)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.captions: list[str] = []

    def set_images(self, images: np.ndarray, captions: list[str]) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # gone now, not at the next event loop turn
                item.widget().deleteLater()
        self.captions = list(captions)
        for i, (image, caption) in enumerate(zip(images, captions, strict=False)):
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            picture = QLabel()
            picture.setObjectName("gridImage")
            picture.setPixmap(to_pixmap(image, self.cell))
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setFixedSize(self.cell, self.cell)
            text = QLabel(caption)
            text.setObjectName("gridCaption")
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(picture)
            box.addWidget(text)
            self._grid.addWidget(cell, i // self.columns, i % self.columns)
