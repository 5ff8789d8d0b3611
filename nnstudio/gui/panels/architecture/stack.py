"""The layer stack: one row per layer (nested rows inside residual blocks), with live shapes and counts.

The view never rearranges itself: a drop is turned into a request (add this kind here, move that layer
there) that the panel sends through the undo stack; the view then redraws from the document.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QPainter,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from nnstudio.core.arch.builder import LayerInfo, OutputShapeError
from nnstudio.core.arch.commands import LayerPath, index_from_path
from nnstudio.core.arch.spec import LayerSpec
from nnstudio.core.base.errors import ShapeError, format_shape
from nnstudio.core.base.registry import LAYERS
from nnstudio.gui.panels.architecture.palette import MIME_KIND

MIME_PATH = "application/x-nnstudio-layer-path"
PATH_ROLE = Qt.ItemDataRole.UserRole
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ["#", "Layer", "Settings", "Output shape", "Parameters"]
COL_INDEX, COL_KIND, COL_SETTINGS, COL_SHAPE, COL_PARAMS = range(5)
ERROR_BACKGROUND = QColor("#ffd7d7")
ERROR_FOREGROUND = QColor("#8b0000")
UNREACHED = QColor("#8a8a8a")
PINNED_TIP = "Pinned: its sizes stay as you set them when the dataset changes (right-click → Unpin sizes)"
FROZEN_TIP = ("Frozen: training leaves these weights as they are (a fresh run keeps the project's weights for them); "
              "right-click → Unfreeze weights")
FROZEN_COLOUR = QColor("#1f5fa8")
_ICONS: dict[str, QIcon] = {}


def _drawn_icon(name: str, draw) -> QIcon:
    """A 32-pixel icon drawn once by ``draw(painter)``: emoji fonts are missing on many lab machines."""
    if name not in _ICONS:
        pixmap = QPixmap(32, 32)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw(p)
        p.end()
        _ICONS[name] = QIcon(pixmap)
    return _ICONS[name]


def _draw_pin(p: QPainter) -> None:
    p.setPen(QPen(QColor("#555555"), 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(14, 16, 5, 28)  # the needle
    p.setPen(QPen(QColor("#8b0000"), 1.5))
    p.setBrush(QColor("#d62728"))
    p.drawEllipse(12, 3, 16, 16)  # the head


def _draw_snowflake(p: QPainter) -> None:
    p.setPen(QPen(FROZEN_COLOUR, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.translate(16, 16)
    for _ in range(3):  # three crossed strokes, each with a V at both ends
        p.drawLine(0, -13, 0, 13)
        for sign in (-1, 1):
            p.drawLine(-4, sign * 10, 0, sign * 6)
            p.drawLine(4, sign * 10, 0, sign * 6)
        p.rotate(60)


def pin_icon() -> QIcon:
    """A drawn push-pin (a red head on a grey needle)."""
    return _drawn_icon("pin", _draw_pin)


def frozen_icon() -> QIcon:
    """A drawn blue snowflake."""
    return _drawn_icon("frozen", _draw_snowflake)


def _path_text(path: LayerPath) -> str:
    return ",".join(str(i) for i in path)


def _parse_path(text: str) -> LayerPath:
    return tuple(int(t) for t in text.split(",") if t != "")


class LayerStackView(QTreeWidget):
    kind_dropped = Signal(str, tuple, int)  # kind, parent path, row
    layer_dropped = Signal(tuple, tuple, int)  # source path, parent path, row (before removal)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerStack")
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(True)
        self.setIndentation(16)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_INDEX, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_SETTINGS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_SHAPE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_PARAMS, QHeaderView.ResizeMode.ResizeToContents)
        self.setStyleSheet("QTreeView::item { padding: 3px 2px; }")  # readable rows on a projector
        self._items: dict[LayerPath, QTreeWidgetItem] = {}

    # ------------------------------------------------------------------ filling
    def show_layers(self, layers: list[LayerSpec], infos: list[LayerInfo], error: ShapeError | None) -> None:
        """Redraw every row: specs give the names and settings, ``infos`` the shapes reached so far."""
        by_index = {info.index: info for info in infos}
        error_path = tuple(int(p) - 1 for p in error.index.split(".")) if error else None
        self.clear()
        self._items.clear()

        def add(parent: QTreeWidgetItem | None, specs: list[LayerSpec], prefix: LayerPath) -> None:
            for i, spec in enumerate(specs):
                path = (*prefix, i)
                entry = LAYERS.get(spec.kind)
                info = by_index.get(index_from_path(path))
                summary = entry.obj.summary(spec.params) if spec.children is None else f"{len(spec.children)} layers inside, skip connection around them"
                texts = [index_from_path(path), entry.title, summary, "", ""]
                frozen = info is not None and info.params > 0 and info.trainable == 0
                if info is not None and path != error_path:
                    texts[COL_SHAPE] = format_shape(info.out_shape)
                    texts[COL_PARAMS] = f"{info.params:,} frozen" if frozen else f"{info.params:,}"
                item = QTreeWidgetItem(parent if parent is not None else self, texts)
                item.setData(0, PATH_ROLE, _path_text(path))
                item.setData(0, KIND_ROLE, spec.kind)
                item.setToolTip(COL_KIND, entry.help)
                if spec.pinned:
                    item.setIcon(COL_KIND, pin_icon())
                    item.setToolTip(COL_KIND, f"{PINNED_TIP}\n\n{entry.help}")
                    item.setToolTip(COL_INDEX, PINNED_TIP)
                if frozen:
                    item.setIcon(COL_PARAMS, frozen_icon())
                    item.setToolTip(COL_PARAMS, FROZEN_TIP)
                    item.setForeground(COL_PARAMS, QBrush(FROZEN_COLOUR))
                for col in (COL_SHAPE, COL_PARAMS):
                    item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if path == error_path:
                    # The whole network built, but its output is not what the task needs: show the shape it gives.
                    reached = info is not None and isinstance(error, OutputShapeError)
                    item.setText(COL_SHAPE, f"{format_shape(info.out_shape)} · does not fit" if reached else "does not fit")
                    for col in range(len(COLUMNS)):
                        item.setBackground(col, QBrush(ERROR_BACKGROUND))
                        item.setForeground(col, QBrush(ERROR_FOREGROUND))
                        item.setToolTip(col, str(error))
                elif info is None and error is not None:
                    for col in range(len(COLUMNS)):
                        item.setForeground(col, QBrush(UNREACHED))
                    item.setToolTip(COL_SHAPE, "Not computed: an earlier layer does not fit")
                self._items[path] = item
                if spec.children is not None:
                    add(item, spec.children, path)
                    item.setExpanded(True)

        add(None, layers, ())

    # ------------------------------------------------------------------ selection
    def item_at_path(self, path: LayerPath) -> QTreeWidgetItem | None:
        return self._items.get(tuple(path))

    def path_of(self, item: QTreeWidgetItem | None) -> LayerPath | None:
        if item is None:
            return None
        return _parse_path(item.data(0, PATH_ROLE))

    def selected_path(self) -> LayerPath | None:
        items = self.selectedItems()
        return self.path_of(items[0]) if items else None

    def select_path(self, path: LayerPath | None) -> None:
        item = self.item_at_path(path) if path is not None else None
        if item is None:
            self.clearSelection()
            self.setCurrentItem(None)
            return
        self.setCurrentItem(item)
        item.setSelected(True)
        self.scrollToItem(item)

    # ------------------------------------------------------------------ drag and drop
    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt's name
        return [MIME_KIND, MIME_PATH]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # noqa: N802
        data = QMimeData()
        if items:
            data.setData(MIME_PATH, items[0].data(0, PATH_ROLE).encode())
        return data

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    @staticmethod
    def _ours(data: QMimeData) -> bool:
        return data.hasFormat(MIME_KIND) or data.hasFormat(MIME_PATH)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._ours(event.mimeData()):
            super().dragEnterEvent(event)
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if self._ours(event.mimeData()):
            super().dragMoveEvent(event)  # draws the drop indicator
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def drop_location(self, pos: QPoint) -> tuple[LayerPath, int]:
        """Where a drop at ``pos`` (viewport coordinates) lands: the parent stack's path and the row in it.

        The upper quarter of a row means "above it", the lower quarter "below it"; the middle of a
        residual block's row means "inside it, at the end"; the middle of another row, the nearer edge.
        """
        item = self.itemAt(pos)
        if item is None:
            return (), self.topLevelItemCount()
        path = self.path_of(item)
        rect = self.visualItemRect(item)
        y = pos.y() - rect.top()
        h = max(rect.height(), 1)
        parent, row = path[:-1], path[-1]
        if y < h / 4:
            return parent, row
        if y > 3 * h / 4:
            if item.childCount() and item.isExpanded():
                return path, 0  # just below an open block's header: first inside it
            return parent, row + 1
        if LAYERS.get(item.data(0, KIND_ROLE)).extra.get("container"):
            return path, item.childCount()
        return (parent, row) if y < h / 2 else (parent, row + 1)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        data = event.mimeData()
        if not self._ours(data):
            event.ignore()
            return
        parent, row = self.drop_location(event.position().toPoint())
        # Copy, never Move: a Move would make Qt delete the dragged row itself; the document redraws us.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        if data.hasFormat(MIME_PATH):
            source = _parse_path(bytes(data.data(MIME_PATH)).decode())
            self.layer_dropped.emit(source, parent, row)
        else:
            self.kind_dropped.emit(bytes(data.data(MIME_KIND)).decode(), parent, row)
