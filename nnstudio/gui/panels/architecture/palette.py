"""The layer palette: every registered layer kind, grouped, draggable onto the stack."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from nnstudio.core.base.registry import LAYERS

MIME_KIND = "application/x-nnstudio-layer-kind"
KIND_ROLE = Qt.ItemDataRole.UserRole

# The order a student meets them in; kinds registered under another category follow at the end.
CATEGORY_ORDER = ["Core", "Convolution", "Normalization", "Activations", "Sequence", "Attention", "Structure"]


class LayerPalette(QTreeWidget):
    """Double-click (or Enter) asks for the kind to be added; dragging carries it to a stack position."""

    add_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerPalette")
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)  # the palette keeps its entries
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setIndentation(12)
        self.setToolTip("Double-click a layer, or drag it onto the stack, to add it")
        grouped = LAYERS.categories()
        order = CATEGORY_ORDER + [c for c in grouped if c not in CATEGORY_ORDER]
        for category in order:
            entries = grouped.get(category)
            if not entries:
                continue
            group = QTreeWidgetItem(self, [category])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for entry in entries:
                item = QTreeWidgetItem(group, [entry.title])
                item.setData(0, KIND_ROLE, entry.name)
                item.setToolTip(0, entry.help)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
        self.expandAll()
        self.itemDoubleClicked.connect(self._on_double_click)

    def item_for(self, kind: str) -> QTreeWidgetItem | None:
        for i in range(self.topLevelItemCount()):
            group = self.topLevelItem(i)
            for j in range(group.childCount()):
                if group.child(j).data(0, KIND_ROLE) == kind:
                    return group.child(j)
        return None

    def _on_double_click(self, item: QTreeWidgetItem, column: int = 0) -> None:
        kind = item.data(0, KIND_ROLE)
        if kind:
            self.add_requested.emit(kind)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._on_double_click(self.currentItem())
            return
        super().keyPressEvent(event)

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt's name
        return [MIME_KIND]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # noqa: N802
        data = QMimeData()
        kinds = [i.data(0, KIND_ROLE) for i in items if i.data(0, KIND_ROLE)]
        if kinds:
            data.setData(MIME_KIND, kinds[0].encode())
            data.setText(kinds[0])
        return data
