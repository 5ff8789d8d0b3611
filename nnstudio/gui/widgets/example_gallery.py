"""A gallery of examples with what the model said about them: thumbnails for images, rows for tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from nnstudio.core.evaluate.report import Example

THUMB = 72
EXAMPLE_ROLE = Qt.ItemDataRole.UserRole + 1


def array_to_qimage(x: np.ndarray, value_range: tuple[float, float] | None = None) -> QImage:
    """A (C, H, W) or (H, W) array as a grey or colour QImage; scaled by ``value_range`` or its own min/max."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[0] not in (1, 3):
        arr = arr.mean(axis=0)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    lo, hi = value_range if value_range is not None else (float(np.nanmin(arr)), float(np.nanmax(arr)))
    unit = np.clip((arr - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
    pixels = np.ascontiguousarray((unit * 255).astype(np.uint8))
    if pixels.ndim == 2:
        h, w = pixels.shape
        return QImage(pixels.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    rgb = np.ascontiguousarray(pixels.transpose(1, 2, 0))
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


@dataclass
class ExampleData:
    """What the gallery needs to draw examples of one split."""

    x: np.ndarray  # model inputs
    raw: np.ndarray | None  # the same examples before preprocessing, when known
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    image: bool = False
    value_range: tuple[float, float] | None = None

    def shown(self, index: int) -> np.ndarray:
        return self.raw[index] if self.raw is not None else self.x[index]

    def label(self, value: object) -> str:
        if isinstance(value, int | np.integer) and self.class_names:
            return self.class_names[int(value)]
        if isinstance(value, list):
            return ", ".join(f"{v:.3g}" for v in value)
        return f"{float(value):.3g}" if isinstance(value, float) else str(value)

    def features(self, index: int, limit: int = 6) -> str:
        values = np.asarray(self.shown(index)).reshape(-1)
        names = self.feature_names or [f"x{i + 1}" for i in range(len(values))]
        parts = [f"{n} {v:.3g}" for n, v in zip(names, values, strict=False)][:limit]
        return " · ".join(parts) + (" · …" if len(values) > limit else "")


class ExampleGallery(QListWidget):
    example_chosen = Signal(object)  # Example: double-click or Enter on an item

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.itemActivated.connect(self._activated)
        self.data: ExampleData | None = None
        self.examples: list[Example] = []

    def show_examples(self, examples: list[Example], data: ExampleData, regression: bool = False) -> None:
        self.clear()
        self.examples = list(examples)
        self.data = data
        if data.image:
            self.setViewMode(QListView.ViewMode.IconMode)
            self.setIconSize(QSize(THUMB, THUMB))
            self.setGridSize(QSize(THUMB + 46, THUMB + 44))
            self.setResizeMode(QListView.ResizeMode.Adjust)
            self.setMovement(QListView.Movement.Static)
            self.setWordWrap(True)
        else:
            self.setViewMode(QListView.ViewMode.ListMode)
            self.setIconSize(QSize(0, 0))
            self.setGridSize(QSize())
            self.setWordWrap(True)
            self.setAlternatingRowColors(True)
        for ex in self.examples:
            item = QListWidgetItem(self._text(ex, data, regression))
            item.setData(EXAMPLE_ROLE, ex)
            item.setToolTip(self._tooltip(ex, data, regression))
            if data.image:
                pixmap = QPixmap.fromImage(array_to_qimage(data.shown(ex.index), data.value_range))
                item.setIcon(QIcon(pixmap.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)))
            self.addItem(item)

    def _text(self, ex: Example, data: ExampleData, regression: bool) -> str:
        if regression:
            head = f"actual {data.label(ex.true)}, predicted {data.label(ex.predicted)} (error {ex.confidence:.3g})"
        elif ex.true == ex.predicted:
            head = f"{data.label(ex.true)} ({ex.confidence:.0%} sure)"
        else:
            head = f"{data.label(ex.true)} → {data.label(ex.predicted)} ({ex.confidence:.0%})"
        if data.image:
            return head.replace(" (", "\n(") if not regression else f"#{ex.index}\nerr {ex.confidence:.3g}"
        return f"#{ex.index}: {head}\n      {data.features(ex.index)}"

    def _tooltip(self, ex: Example, data: ExampleData, regression: bool) -> str:
        if regression:
            return f"Example {ex.index} of {ex.split}: actual {data.label(ex.true)}, predicted {data.label(ex.predicted)}"
        sure = f"; it gave the true class {ex.true_confidence:.0%}" if ex.true != ex.predicted else ""
        return (f"Example {ex.index} of {ex.split}: true {data.label(ex.true)}, predicted {data.label(ex.predicted)} "
                f"with {ex.confidence:.0%} confidence{sure}. Double-click to explain it on the Interpretability tab.")

    def current_example(self) -> Example | None:
        item = self.currentItem()
        return item.data(EXAMPLE_ROLE) if item is not None else None

    def _activated(self, item: QListWidgetItem) -> None:
        self.example_chosen.emit(item.data(EXAMPLE_ROLE))
