"""Attribution pictures: the plain input, the heatmap and the heatmap laid over the input.

The colours and the blending come from ``nnstudio.core.interpret.render`` (numpy), so the window and the
CLI's PNG show the same picture. Small inputs (an 8x8 digit) are enlarged with sharp pixels.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.interpret import render


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """Height x width x 3 floats in [0, 1] as an RGB QImage that owns its pixels."""
    data = render.to_uint8(rgb)
    h, w, _ = data.shape
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """The inverse, as uint8 height x width x 3 (used to check what is on screen)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
    return buffer.reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


class ImageView(QLabel):
    """Shows one picture as large as it fits, keeping its aspect; small pictures stay pixel-sharp."""

    def __init__(self, minimum: int = 120, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet("background: #f4f4f4; border: 1px solid #d0d0d0;")

    def set_image(self, image: QImage) -> None:
        self._image = image
        self._rescale()

    def image(self) -> QImage:
        """The picture at its own resolution (one pixel per input pixel)."""
        return self._image

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image.isNull():
            self.clear()
            return
        side = max(1, min(self.width(), self.height()) - 4)
        small = max(self._image.width(), self._image.height()) < side
        mode = Qt.TransformationMode.FastTransformation if small else Qt.TransformationMode.SmoothTransformation
        self.setPixmap(QPixmap.fromImage(self._image).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, mode))


class OverlayControls(QWidget):
    """Colour map and opacity, shared by every heatmap on a panel."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colormap = QComboBox()
        self.colormap.setObjectName("colormapCombo")
        for key, title in render.COLORMAPS.items():
            self.colormap.addItem(title, key)
        self.colormap.setToolTip("How attribution values become colours. Signed: red speaks for the target, blue against it.")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setObjectName("opacitySlider")
        self.opacity.setRange(0, 100)
        self.opacity.setValue(70)
        self.opacity.setMinimumWidth(140)
        self.opacity.setToolTip("How strongly the heatmap covers the image in the overlay")
        self.opacity_label = QLabel()
        self.opacity_label.setMinimumWidth(36)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Colours:"))
        layout.addWidget(self.colormap)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Opacity:"))
        layout.addWidget(self.opacity)
        layout.addWidget(self.opacity_label)
        self.colormap.currentIndexChanged.connect(self._emit)
        self.opacity.valueChanged.connect(self._emit)
        self._emit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_label()

    def _fit_label(self) -> None:
        """Room for "100%" in the label's font, so the slider does not jump as the number grows."""
        self.opacity_label.setMinimumWidth(self.opacity_label.fontMetrics().horizontalAdvance("100%") + 2)

    def _emit(self, *_: object) -> None:
        self._fit_label()
        self.opacity_label.setText(f"{self.opacity.value()}%")
        self.changed.emit()

    def colormap_name(self) -> str:
        return str(self.colormap.currentData())

    def opacity_value(self) -> float:
        return self.opacity.value() / 100.0


class HeatmapOverlay(QWidget):
    """Original | heatmap | overlay for one attribution, titled, with a caption underneath."""

    def __init__(self, title: str = "", show_original: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setObjectName("overlayTitle")
        title_font = self.title.font()  # a font, not a style sheet, so presentation mode can scale it
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.2)
        self.title.setFont(title_font)
        self.original = ImageView()
        self.original.setObjectName("originalView")
        self.heatmap = ImageView()
        self.heatmap.setObjectName("heatmapView")
        self.overlay = ImageView()
        self.overlay.setObjectName("overlayView")
        self.caption = QLabel()
        self.caption.setObjectName("overlayCaption")
        self.caption.setWordWrap(True)
        grid = QGridLayout()
        views = [("Input", self.original), ("Attribution", self.heatmap), ("Overlay", self.overlay)]
        if not show_original:
            views = views[1:]
            self.original.hide()
        for column, (name, view) in enumerate(views):
            label = QLabel(name)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("color: #555;")
            grid.addWidget(label, 0, column)
            grid.addWidget(view, 1, column)
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(grid, 1)
        layout.addWidget(self.caption)
        self._image: np.ndarray | None = None
        self._norm: np.ndarray | None = None
        self._colormap, self._opacity = "signed", 0.7

    def set_attribution(self, x: np.ndarray, heat: np.ndarray, caption: str = "") -> None:
        """``x``: the input (channels x height x width, or height x width); ``heat``: height x width."""
        self._image = render.image_rgb(x)
        self._norm = render.normalize(heat)
        self.caption.setText(caption)
        self.original.set_image(rgb_to_qimage(self._image))
        self._redraw()

    def clear(self, message: str = "") -> None:
        self._image = self._norm = None
        for view in (self.original, self.heatmap, self.overlay):
            view.set_image(QImage())
        self.caption.setText(message)

    def set_style(self, colormap: str, opacity: float) -> None:
        self._colormap, self._opacity = colormap, opacity
        self._redraw()

    def _redraw(self) -> None:
        if self._image is None or self._norm is None:
            return
        self.heatmap.set_image(rgb_to_qimage(render.heat_rgb(self._norm, self._colormap)))
        self.overlay.set_image(rgb_to_qimage(render.overlay(self._image, self._norm, self._colormap, self._opacity)))

    def normalized_heat(self) -> np.ndarray | None:
        return self._norm
