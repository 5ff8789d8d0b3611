"""Try it: draw, open an image or type feature values, and watch the network's answer change live."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from torch import nn

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.evaluate.predict import predict_one
from nnstudio.core.evaluate.tryit import (
    IMAGE_MARGIN,
    RawView,
    feature_input,
    from_raw,
    image_raw,
    image_size,
    is_image,
    match_polarity,
    resize_image,
    unseen_features,
)
from nnstudio.gui import palette
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.evaluation.plots import make_plot
from nnstudio.gui.widgets.draw_canvas import DrawCanvas
from nnstudio.gui.widgets.param_form import CheckedDoubleSpinBox, RefusalNote

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.pgm *.ppm);;All files (*)"
MAX_TYPED_FEATURES = 40


def qimage_to_array(image: QImage, channels: int) -> np.ndarray:
    """A QImage as floats in [0, 1]: (H, W) for one channel, (3, H, W) otherwise."""
    if channels == 1:
        img = image.convertToFormat(QImage.Format.Format_Grayscale8)
        arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, : img.width()]
        return arr.astype(np.float32) / 255.0
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
    return arr.reshape(img.height(), img.width(), 3).transpose(2, 0, 1).astype(np.float32) / 255.0


class TryItPage(QWidget):
    send_requested = Signal(object, str)  # (model input as numpy, description)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bundle: DataBundle | None = None
        self.model: nn.Module | None = None
        self.raw: RawView | None = None
        self.output: np.ndarray | None = None  # probabilities or predicted value(s) for the current input
        self.current_input: np.ndarray | None = None
        self.source = ""
        self._shape_key: tuple | None = None
        self._rgb: np.ndarray | None = None  # a loaded colour image, until the student draws over it
        self.spins: list[CheckedDoubleSpinBox] = []
        self.note = RefusalNote()  # why a typed value was refused, under the inputs
        self.canvas: DrawCanvas | None = None

        self.inputs = QStackedWidget()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.intro)
        ll.addWidget(self.note)  # above the inputs: next to the brush box and the first features
        ll.addWidget(self.inputs, 1)

        self.answer = QLabel("Train the network first.")
        self.answer.setObjectName("tryAnswer")
        self.answer.setWordWrap(True)
        answer_font = self.answer.font()  # a font, not a style sheet, so presentation mode can scale it
        answer_font.setPointSizeF(answer_font.pointSizeF() * 1.6)
        self.answer.setFont(answer_font)
        self.bars_plot = make_plot("Class probabilities", "class", "probability", legend=False)
        self.bars_plot.setObjectName("probabilityPlot")
        self.bars_plot.setYRange(0, 1, padding=0.02)
        self.bars_plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brushes=[])
        self.bars_plot.addItem(self.bars)
        self.send_button = QPushButton("Explain this input on the Interpretability tab")
        self.send_button.setObjectName("trySendButton")
        self.send_button.setToolTip("Ask the Interpretability tab which parts of this input drove the answer")
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self._send)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.answer)
        rl.addWidget(self.bars_plot, 1)
        rl.addWidget(self.send_button)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([600, 600])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # ------------------------------------------------------------------ setup
    def set_context(self, bundle: DataBundle | None, model: nn.Module | None, raw: RawView | None) -> None:
        """New data, weights or raw view: rebuild the inputs only when their shape changed, then re-predict."""
        self.bundle, self.model, self.raw = bundle, model, raw
        key = None if bundle is None else (bundle.task, tuple(bundle.raw_shape or bundle.input_shape), tuple(bundle.feature_names), is_image(bundle))
        if key != self._shape_key:
            self._shape_key = key
            self._build_inputs()
        elif bundle is not None and not is_image(bundle):
            self._update_ranges()
        self.bars_plot.setVisible(bundle is not None and bundle.task == CLASSIFICATION)
        self.predict()

    def _build_inputs(self) -> None:
        while self.inputs.count():
            w = self.inputs.widget(0)
            self.inputs.removeWidget(w)
            w.deleteLater()
        self.spins, self.canvas, self._rgb = [], None, None
        bundle = self.bundle
        if bundle is None:
            self.intro.setText("No data.")
            return
        if is_image(bundle):
            self.inputs.addWidget(self._image_inputs(bundle))
        else:
            self.inputs.addWidget(self._feature_inputs(bundle))

    def _image_inputs(self, bundle: DataBundle) -> QWidget:
        channels, height, width = image_size(bundle)
        self.intro.setText(
            f"Draw with the mouse, or open an image file. The network sees {height}x{width} pixels, exactly the grid "
            "below, so a thin stroke becomes grey squares."
        )
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.canvas = DrawCanvas(height, width)
        self.canvas.changed.connect(self._canvas_changed)
        self.brush = CheckedDoubleSpinBox("The brush size")
        self.note.watch(self.brush)
        self.brush.setObjectName("brushSize")
        self.brush.setRange(0.5, max(4.0, height / 3))
        self.brush.setSingleStep(0.5)
        self.brush.setDecimals(1)
        self.brush.setValue(self.canvas.brush)
        self.brush.setSuffix(" px")
        self.brush.setToolTip("Brush diameter, in the dataset's pixels")
        self.brush.valueChanged.connect(self.canvas.set_brush)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clearCanvasButton")
        self.clear_button.setToolTip("Wipe the drawing and start again")
        self.clear_button.clicked.connect(self.canvas.clear)
        self.open_button = QPushButton("Open image…")
        self.open_button.setObjectName("openImageButton")
        self.open_button.setToolTip("Load a picture; it is resized to the dataset's resolution")
        self.open_button.clicked.connect(self.open_image_dialog)
        tools = QHBoxLayout()
        tools.addWidget(QLabel("Brush:"))
        tools.addWidget(self.brush)
        tools.addWidget(self.clear_button)
        tools.addStretch(1)
        tools.addWidget(self._example_button())
        tools.addWidget(self.open_button)
        layout.addLayout(tools)
        layout.addWidget(self.canvas, 1)
        return box

    def _feature_inputs(self, bundle: DataBundle) -> QWidget:
        size = int(np.prod(bundle.raw_shape or bundle.input_shape))
        if size > MAX_TYPED_FEATURES or bundle.input_kind == "tokens":
            self.intro.setText(f"This data has {size} input values per example, too many to type by hand. Pick examples "
                               "from the Mistakes or Confusion matrix pages instead.")
            return QWidget()
        self.intro.setText("Type feature values (in the data's own units). The grey ranges are those seen in training; "
                           "values far outside them ask the network to extrapolate.")
        names = bundle.feature_names if len(bundle.feature_names) == size else [f"x{i + 1}" for i in range(size)]
        grid = QGridLayout()
        self.range_labels: list[QLabel] = []
        for i, name in enumerate(names[:size]):
            spin = CheckedDoubleSpinBox(name)
            self.note.watch(spin)
            spin.setObjectName(f"feature_{i}")
            spin.setDecimals(3)
            spin.setKeyboardTracking(True)
            spin.valueChanged.connect(self._features_changed)
            rng = QLabel()
            rng.setStyleSheet("color:#777")
            grid.addWidget(QLabel(html.escape(name)), i, 0)
            grid.addWidget(spin, i, 1)
            grid.addWidget(rng, i, 2)
            self.spins.append(spin)
            self.range_labels.append(rng)
        grid.setColumnStretch(2, 1)
        inner = QWidget()
        outer = QVBoxLayout(inner)
        outer.addLayout(grid)
        reset = QPushButton("Reset to the training means")
        reset.clicked.connect(self._reset_features)
        buttons = QHBoxLayout()
        buttons.addWidget(reset)
        buttons.addWidget(self._example_button())
        buttons.addStretch(1)
        outer.addLayout(buttons)
        outer.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self._update_ranges()
        return scroll

    def _update_ranges(self) -> None:
        if not self.spins:
            return
        raw = self.raw
        for i, (spin, label) in enumerate(zip(self.spins, self.range_labels, strict=True)):
            if raw is not None:
                lo, hi, mean = float(raw.minimum[i]), float(raw.maximum[i]), float(raw.mean[i])
                span = max(hi - lo, 1e-6)
                spin.blockSignals(True)
                spin.setRange(lo - 10 * span, hi + 10 * span)
                spin.setSingleStep(10 ** np.floor(np.log10(span / 20)) if span > 0 else 0.1)
                if spin.property("untouched") is not False:
                    spin.setValue(mean)
                spin.blockSignals(False)
                label.setText(f"training range {lo:.3g} to {hi:.3g} (mean {mean:.3g})")
            else:
                spin.setRange(-1e6, 1e6)
                label.setText("")

    def _example_button(self) -> QPushButton:
        button = QPushButton("Start from a test example")
        button.setObjectName("tryExampleButton")
        button.setToolTip("Load a random example of the test split, then change it and watch the answer move")
        button.clicked.connect(self.load_test_example)
        self.example_button = button
        return button

    def load_test_example(self, index: int | None = None) -> int | None:
        """Put test example ``index`` (random when None) into the inputs, in the data's own units."""
        raw = self.raw
        if raw is None or not len(raw.splits.get("test", [])):
            self.answer.setText("The test examples are not available for this data.")
            return None
        test = raw.splits["test"]
        if index is None:
            index = int(np.random.default_rng().integers(len(test)))
        example = np.asarray(test[index], dtype=np.float64)
        if self.canvas is not None:
            lo, hi = raw.value_range
            unit = np.clip((example - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
            unit = unit.reshape(-1, self.canvas.rows, self.canvas.cols)
            self._loading = True
            try:
                self.canvas.set_image(unit.mean(axis=0))
            finally:
                self._loading = False
            self._rgb = unit if unit.shape[0] == 3 else None
        elif self.spins:
            for spin, value in zip(self.spins, example.reshape(-1), strict=False):
                spin.blockSignals(True)
                spin.setValue(float(value))
                spin.setProperty("untouched", False)
                spin.blockSignals(False)
        self.source = f"test example {index}, edited by hand"
        self.predict()
        return index

    def _reset_features(self) -> None:
        for spin in self.spins:
            spin.setProperty("untouched", True)
        self._update_ranges()
        self.predict()

    # ------------------------------------------------------------------ inputs
    def _canvas_changed(self) -> None:
        if not getattr(self, "_loading", False):
            self._rgb = None
            self.source = "a drawing"
        self.predict()

    def _features_changed(self) -> None:
        spin = self.sender()
        if spin is not None:
            spin.setProperty("untouched", False)  # keep the student's value when the ranges refresh
        self.source = "typed feature values"
        self.predict()

    def open_image_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image", "", IMAGE_FILTER)
        if path:
            self.load_image(Path(path))

    def load_image(self, path: Path) -> bool:
        """Resize a picture to the data's resolution, flip it if its background is the data's opposite, show it."""
        if self.canvas is None or self.bundle is None:
            return False
        image = QImage(str(path))
        if image.isNull():
            show_error(self, "Cannot open image", f"{path.name} is not an image Qt can read; use PNG, JPEG or BMP")
            return False
        channels, height, width = image_size(self.bundle)
        arr = qimage_to_array(image, channels)
        lo, hi = self.raw.value_range if self.raw is not None else (0.0, 1.0)
        mean = (float(self.raw.mean.mean()) - lo) / (hi - lo) if self.raw is not None and hi > lo else 0.5
        arr, inverted = match_polarity(arr, mean)
        small = resize_image(arr, height, width)
        self._loading = True
        try:
            self.canvas.set_image(small if small.ndim == 2 else small.mean(axis=0))
        finally:
            self._loading = False
        self._rgb = small if small.ndim == 3 else None
        self.source = f"the image {path.name}" + (" (colours inverted to match the data)" if inverted else "")
        self.predict()
        return True

    def model_input(self) -> np.ndarray | None:
        """The drawn or typed example as the network takes it (preprocessing applied)."""
        raw = self.raw_input()
        if raw is None or self.bundle is None:
            return None
        return from_raw(self.bundle, raw) if self.canvas is not None else feature_input(self.bundle, raw)

    def raw_input(self) -> np.ndarray | None:
        """The drawn or typed example in the data's own units (before preprocessing)."""
        bundle = self.bundle
        if bundle is None:
            return None
        if self.canvas is not None:
            image = self._rgb if self._rgb is not None else self.canvas.image()
            return image_raw(bundle, image, self.raw.value_range if self.raw is not None else (0.0, 1.0))
        if self.spins:
            return np.asarray([s.value() for s in self.spins], dtype=np.float64)
        return None

    def unfamiliar_note(self) -> str:
        """Say so when the input lies where the training data never went: the answer may be confidently wrong."""
        if self.canvas is not None and self._rgb is None and self.canvas.is_empty():
            return ("<br><span style='color:#8a5a00; font-size:small'>The canvas is empty: a network answers every "
                    "input, even a blank one. Draw with the mouse to ask it about a digit.</span>")
        example = self.raw_input()
        if self.raw is None or example is None or self.bundle is None:
            return ""
        unseen = unseen_features(self.raw, example, IMAGE_MARGIN if self.canvas is not None else 0.0)
        if not len(unseen):
            return ""
        if self.canvas is not None:
            shape = example.shape[-2:]
            rows, cols = np.unravel_index(unseen % (shape[0] * shape[1]), shape)
            where = f"row {rows[0] + 1}, column {cols[0] + 1}"
            what = (f"This drawing inks {len(unseen)} pixel{'s' if len(unseen) > 1 else ''} that the training images "
                    f"leave nearly blank (first at {where})")
            advice = "draw the way the training examples are drawn (the Data tab shows them), away from the border"
        else:
            names = self.bundle.feature_names or [f"feature {i + 1}" for i in range(len(example))]
            i = int(unseen[0])
            what = (f"{names[i]} = {example[i]:.4g} lies outside the training data's range "
                    f"({self.raw.minimum[i]:.4g} to {self.raw.maximum[i]:.4g})")
            if len(unseen) > 1:
                what += f", and {len(unseen) - 1} more value{'s' if len(unseen) > 2 else ''} too"
            advice = "values inside the range show what it learned"
        return (f"<br><span style='color:#8a5a00; font-size:small'>{html.escape(what)}: the network never saw such input, so its "
                f"answer may be confidently wrong; {html.escape(advice)}.</span>")

    # ------------------------------------------------------------------ answer
    def predict(self) -> None:
        self.output = None
        self.current_input = None
        if self.model is None or self.bundle is None:
            self.answer.setText("No trained weights yet: train the network on the Training tab, then try it here.")
            self.bars.setOpts(x=[], height=[])
            self.send_button.setEnabled(False)
            return
        try:
            x = self.model_input()
            if x is None:
                self.answer.setText("")
                return
            out = predict_one(self.model, x, self.bundle.task)
        except NNStudioError as exc:
            self.answer.setText(f"<span style='color:#b00020'>{html.escape(str(exc))}</span>")
            self.send_button.setEnabled(False)
            return
        self.current_input, self.output = x, out
        self.send_button.setEnabled(True)
        if self.bundle.task == CLASSIFICATION:
            names = self.bundle.class_names
            best = int(np.argmax(out))
            self.answer.setText(f"The network says <b>{html.escape(names[best])}</b> ({out[best]:.0%} sure)"
                                + self.unfamiliar_note())
            brushes = [palette.role("highlight" if i == best else "accent") for i in range(len(out))]
            self.bars.setOpts(x=np.arange(len(out)), height=out, brushes=brushes)
            self.bars_plot.getAxis("bottom").setTicks([[(i, n) for i, n in enumerate(names)]])
            self.bars_plot.setXRange(-0.6, len(out) - 0.4, padding=0)
        else:
            values = ", ".join(f"{v:.4g}" for v in np.asarray(out).reshape(-1))
            self.answer.setText(f"The network predicts <b>{values}</b>" + self.unfamiliar_note())

    def _send(self) -> None:
        if self.current_input is not None:
            self.send_requested.emit(self.current_input.copy(), f"Tried by hand on the Evaluation tab: {self.source or 'an input'}")
