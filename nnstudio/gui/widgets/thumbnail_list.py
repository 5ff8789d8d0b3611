"""A selectable gallery: image thumbnails with captions, or text rows for tabular examples."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from nnstudio.core.interpret import render
from nnstudio.gui.widgets.heatmap_overlay import rgb_to_qimage

INDEX_ROLE = Qt.ItemDataRole.UserRole + 1


class ThumbnailList(QListWidget):
    """Items carry the example's index; images show as icons, anything else as text rows."""

    def __init__(self, icon_size: int = 56, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._icon = icon_size
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setUniformItemSizes(True)

    def set_images(self, images: list[np.ndarray], captions: list[str], tooltips: list[str] | None = None) -> None:
        self.clear()
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(self._icon, self._icon))
        self.setGridSize(QSize(self._icon + 14, self._icon + 22))
        self.setWordWrap(True)
        for i, (x, caption) in enumerate(zip(images, captions, strict=True)):
            rgb = render.upscale(render.image_rgb(x), self._icon)
            item = QListWidgetItem(QIcon(QPixmap.fromImage(rgb_to_qimage(rgb))), caption)
            item.setData(INDEX_ROLE, i)
            if tooltips:
                item.setToolTip(tooltips[i])
            self.addItem(item)

    def set_rows(self, captions: list[str], tooltips: list[str] | None = None) -> None:
        self.clear()
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setGridSize(QSize())
        self.setIconSize(QSize())
        for i, caption in enumerate(captions):
            item = QListWidgetItem(caption)
            item.setData(INDEX_ROLE, i)
            if tooltips:
                item.setToolTip(tooltips[i])
            self.addItem(item)

    def selected_indices(self) -> list[int]:
        return sorted(int(item.data(INDEX_ROLE)) for item in self.selectedItems())

    def select_index(self, index: int) -> None:
        if 0 <= index < self.count():
            self.setCurrentRow(index)
