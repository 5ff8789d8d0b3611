"""The Architecture tab's network selector, for a project with more than one network (a GAN's generator and
discriminator): which one the editor shows and edits, what it takes in, what its output must be; and, for
a GAN, the button that opens its live view (the plane for 2-D data, a grid of digits for images)."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnstudio.core.arch.builder import OutputNeed, output_need
from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.core.base.errors import NNStudioError, format_shape
from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.generative.gan_spec import DISCRIMINATOR
from nnstudio.core.workspace.document import ProjectDocument
from nnstudio.gui.dialogs import show_error

MAIN = ""  # the project's own architecture in the selector (a GAN's generator)


class NetworkSelector(QWidget):
    """``changed`` after the user picks another network. Hidden for a project with a single network."""

    changed = Signal()

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.combo = QComboBox()
        self.combo.setObjectName("networkSelector")
        self.combo.setToolTip("This project has more than one network: pick the one to show and edit")
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.view_button = QPushButton("GAN view…")
        self.view_button.setObjectName("ganViewButton")
        self.view_button.setToolTip("Train the GAN step by step and watch both networks learn")
        self.view_button.clicked.connect(self.open_gan_view)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Network:"))
        row.addWidget(self.combo)
        row.addWidget(self.view_button)
        self.dialog: QDialog | None = None
        document.project_replaced.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        """The project's networks in the combo (the first selected), or hidden when it has one."""
        project = self.document.project
        gan = project.gan is not None
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("Generator (noise → sample)" if gan else project.architecture.name or "Main network", MAIN)
        for name in project.networks:
            self.combo.addItem("Discriminator (sample → real/fake)" if gan and name == DISCRIMINATOR else name, name)
        self.combo.blockSignals(False)
        self.setVisible(bool(project.networks))
        self.view_button.setVisible(gan)

    @property
    def network(self) -> str | None:
        """The selected network's name in ``project.networks``; None for the project's own architecture."""
        name = self.combo.currentData()
        return name if name and name in self.document.project.networks else None

    def spec(self) -> ArchitectureSpec:
        project = self.document.project
        return project.architecture if self.network is None else project.networks[self.network]

    def input_shape(self, bundle: DataBundle) -> tuple[int, ...]:
        """A GAN's generator takes the noise; every other network takes the data's examples."""
        gan = self.document.project.gan
        return (gan.noise_dim,) if gan is not None and self.network is None else tuple(bundle.input_shape)

    def need(self, bundle: DataBundle) -> OutputNeed | None:
        """What the output must be for the data's task; nothing for a GAN's networks (the GAN checks them)."""
        return None if self.document.project.gan is not None else output_need(bundle)

    def input_text(self, bundle: DataBundle, built) -> str | None:
        """What a GAN's selected network takes and must give, for the tab's input line; None for other projects."""
        gan = self.document.project.gan
        if gan is None:
            return None
        sample = format_shape(bundle.input_shape)
        if self.network is None:
            text = f"<b>Input: noise of {gan.noise_dim} numbers</b> · must give a sample of shape {sample}"
            out = tuple(built.output_shape) if built is not None else None
            if out is not None and out != tuple(bundle.input_shape):
                text += (f"<br><span style='color:#a15c00'>The generator gives {format_shape(out)}; make its last layer "
                         f"give {sample}.</span>")
        else:
            text = f"<b>Input: a sample {sample}</b> (real or generated) · must give 1 score: real or fake"
        return f"{text} · data: {html.escape(bundle.description)}"

    def open_gan_view(self) -> None:
        from nnstudio.core.workspace.gan_session import GanSession
        from nnstudio.gui.panels.gan.digits_view import GanDigitsView
        from nnstudio.gui.panels.gan.plane_view import GanPlaneView

        try:
            session = GanSession.open(self.document.project, self.document.base_dir,
                                      prepared=self.document.prepared())
        except NNStudioError as exc:
            show_error(self, "Cannot open the GAN view", exc)
            return
        plane = session.trainer.real.reshape(len(session.trainer.real), -1).shape[1] == 2
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog = QDialog(self)
        dialog.setObjectName("ganDialog")
        dialog.setWindowTitle(f"GAN: {self.document.project.name}")
        view = GanPlaneView(session) if plane else GanDigitsView(session)
        keep = QPushButton("Keep these weights in the project")
        keep.setObjectName("ganKeep")
        keep.clicked.connect(lambda: self._keep(session))
        layout = QVBoxLayout(dialog)
        layout.addWidget(view, 1)
        layout.addWidget(keep)
        dialog.view = view
        dialog.finished.connect(lambda _r: getattr(view, "shutdown", lambda: True)())
        dialog.resize(1280, 720)
        dialog.show()

    def _keep(self, session) -> None:
        history = {"epoch": [float(i + 1) for i in range(session.trainer.epochs_done)], **session.trainer.history}
        self.document.set_trained(session.trainer.weights(), history)
