"""Transfer learning on the Architecture tab: the Frozen checkbox and right-click action for the selected layer
(one undo step each), and "Load weights from project…", which copies the matching layers and says which."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QFileDialog, QMenu, QMessageBox

from nnstudio.core.arch.commands import LayerPath, SetFrozen, index_from_path, layer_at
from nnstudio.core.arch.transfer import TransferReport
from nnstudio.core.base.errors import NNStudioError
from nnstudio.gui.dialogs import show_error

WEIGHTS_FILTER = "nnstudio project (*.nnstudio);;PyTorch state dict (*.pt *.pth *.bin);;All files (*)"
FREEZE_TIP = ("Keep this layer's weights while the rest of the network trains (transfer learning): no optimizer "
              "changes them, a fresh Train keeps the weights the project holds for them, and a frozen BatchNorm "
              "keeps its statistics")


class TransferControls(QObject):
    """Owned by the Architecture panel (typed loosely: the panel imports this module, and a type-only import back
    would make a circle); it uses the panel's spec, stack, push, document and ctx."""

    def __init__(self, panel: Any) -> None:
        super().__init__(panel)
        self.panel = panel
        self.last_report: TransferReport | None = None
        self.action = QAction("Freeze weights", panel)
        self.action.setCheckable(True)
        self.action.setToolTip(FREEZE_TIP)
        self.action.triggered.connect(self.set_selected_frozen)
        panel.stack.addAction(self.action)
        self.check = QCheckBox("Frozen (keep its weights while the rest trains)")
        self.check.setObjectName("frozenCheck")
        self.check.setToolTip(FREEZE_TIP)
        self.check.clicked.connect(self.set_selected_frozen)
        self.check.hide()

    def show_for(self, path: LayerPath | None) -> None:
        """Follow the selection: the checkbox and the action show the selected layer's flag."""
        frozen = path is not None and layer_at(self.panel.spec, path).frozen
        built = self.panel.built
        info = next((i for i in built.layers if i.index == index_from_path(path)), None) if built and path else None
        weightless = info is not None and info.params == 0 and not frozen  # a ReLU, Flatten or pooling layer
        self.check.setVisible(path is not None)
        self.check.setChecked(frozen)
        self.check.setEnabled(not weightless)
        self.check.setToolTip(f"This {info.title} has no weights to freeze" if weightless else FREEZE_TIP)
        self.action.setEnabled(path is not None and not weightless)
        self.action.setChecked(frozen)
        self.action.setText("Unfreeze weights" if frozen else "Freeze weights")

    @Slot(bool)
    def set_selected_frozen(self, frozen: bool) -> None:
        path = self.panel.stack.selected_path()
        if path is not None and layer_at(self.panel.spec, path).frozen != frozen:
            self.panel.push(SetFrozen(path, frozen))

    # ------------------------------------------------------------------ the ResNet-18 template
    def add_template_action(self, menu: QMenu, before: QAction) -> None:
        self.resnet_action = QAction("ResNet-18 on my image folder…", menu)
        self.resnet_action.setStatusTip("torchvision's ResNet-18, layer for layer, on a folder of colour photos (one "
                                        "sub-folder per class); then Load weights from project… takes a saved "
                                        "torchvision state dict (.pth)")
        self.resnet_action.triggered.connect(self.resnet_template_dialog)
        menu.insertAction(before, self.resnet_action)

    @Slot()
    def resnet_template_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.panel, "Folder of photos, one sub-folder per class",
                                                  self.panel.ctx.settings.last_folder())
        if folder:
            self.open_resnet_template(folder)

    def open_resnet_template(self, folder: str) -> bool:
        """Switch to ResNet-18 on the photos in ``folder``; on a folder that cannot be read, explain and keep the project."""
        from nnstudio.core.data.assemble import prepare
        from nnstudio.core.project.resnet import resnet18_project

        project = resnet18_project(folder)
        try:
            prepared = prepare(project.data)  # checks the folder before the project is replaced; the document keeps it
        except NNStudioError as exc:
            show_error(self.panel, "Cannot use this image folder", exc)
            return False
        project.architecture.layers[-1].params["out_features"] = prepared.bundle.num_classes  # the head: one output per class
        self.panel.project_requested.emit(project, prepared)
        return True

    # ------------------------------------------------------------------ load weights from another project
    @Slot()
    def load_weights_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.panel, "Load weights from project", self.panel.ctx.settings.last_folder(),
                                              WEIGHTS_FILTER)
        if path:
            self.load_weights(path)

    def load_weights(self, path: str | Path) -> TransferReport | None:
        """Copy the layers of ``path`` whose names and shapes match into this project's weights and show which
        were copied and which not; on a file that cannot be used, say why and change nothing."""
        from nnstudio.core.workspace.transfer import weights_from

        doc = self.panel.document
        try:
            built = doc.built()
            current = doc.project.weights or doc.fresh_model().state_dict()
            report = weights_from(path, built, current)
        except NNStudioError as exc:
            show_error(self.panel, "Cannot load weights from this file", exc)
            return None
        doc.set_trained(report.weights, {})
        self.last_report = report
        self._show_report(Path(path).name, report)
        self.panel.ctx.status_message.emit(f"{Path(path).name}: {report.lines()[0]}", 6000)
        return report

    def _show_report(self, name: str, report: TransferReport) -> None:
        rows = "".join(f"<li>{html.escape(line)}</li>" for line in report.lines()[1:])
        text = (f"<p><b>{html.escape(report.lines()[0])}</b> (from {html.escape(name)})</p><ul>{rows}</ul>"
                "<p>Tick <i>Frozen</i> on the layers to keep: Train then starts the other layers afresh and keeps "
                "the frozen ones as loaded; <i>Continue</i> trains on from all of these weights.</p>")
        box = QMessageBox(QMessageBox.Icon.Information, "Weights loaded", text, QMessageBox.StandardButton.Ok, self.panel)
        box.setObjectName("transferReport")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
