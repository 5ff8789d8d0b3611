"""Generated images of a GAN on images (digits): the first GRID samples of the fixed noise, each captioned with
the class whose mean image is nearest. The GAN view's slider and the Training tab's run both show them; what is
drawn is computed by :meth:`GanDigitsGrid.snapshot` in the thread that trains the GAN."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.core.generative.coverage import mode_centres
from nnstudio.core.generative.gan import GanTrainer
from nnstudio.gui.widgets.image_grid import ImageGrid

GRID = 32  # generated digits shown per epoch (4 rows of 8)


class NearestMode:
    """Captions for generated samples: the nearest class mean ('' for every sample when the data has no classes)."""

    def __init__(self, real: torch.Tensor, modes: torch.Tensor | None) -> None:
        self.centres = mode_centres(real, modes)[0].float() if modes is not None else None
        self.labels = sorted(int(m) for m in modes.unique()) if modes is not None else []

    def __call__(self, samples: np.ndarray) -> list[str]:
        if self.centres is None:
            return [""] * len(samples)
        flat = torch.as_tensor(samples.reshape(len(samples), -1), dtype=torch.float32)
        return [str(self.labels[i]) for i in torch.cdist(flat, self.centres).argmin(1).tolist()]


class GanDigitsGrid(QWidget):
    """The Training tab's picture of a GAN on images; :meth:`show_snapshot` draws the samples of one moment."""

    def __init__(self, real: torch.Tensor, modes: torch.Tensor | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ganDigitsGrid")
        self.nearest = NearestMode(real, modes)
        self.title = QLabel("Generated digits (the same noise each epoch; caption: the nearest digit)")
        self.title.setObjectName("ganDigitsTitle")
        self.title.setWordWrap(True)
        self.grid = ImageGrid(columns=8, cell=48)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.grid, 1)

    @staticmethod
    def snapshot(trainer: GanTrainer) -> np.ndarray:
        return trainer.samples()[:GRID].numpy()

    def show_snapshot(self, samples: np.ndarray) -> None:
        self.grid.set_images(samples, self.nearest(samples))

    def clear_fakes(self) -> None:
        self.grid.set_images(np.zeros((0, 1, 1)), [])
