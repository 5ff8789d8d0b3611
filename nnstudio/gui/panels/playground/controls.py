"""The Playground's controls: the top bar (play, step, reset, epoch, learning rate, activation,
regularization, problem type, optimizer) and the data column (dataset, train share, noise, batch size,
regenerate). They only show values and emit what the user picked; the panel writes it into the project."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.registry import LAYERS, OPTIMIZERS, Registry
from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION
from nnstudio.core.playground.data import TOYS, toy_title
from nnstudio.core.playground.graph import ACTIVATIONS
from nnstudio.gui import palette
from nnstudio.gui.widgets.help_link import ChoiceHelpButton


class SteadyLabel(QLabel):
    """A label whose text changes at every frame, at a size fixed to fit ``template`` in its font (again when
    the font changes: presentation mode). A label free to change size asks its whole window's layout to be
    redone at every new text (QWidget.updateGeometry), 0.7 ms of the GUI thread a frame in the Playground."""

    def __init__(self, text: str, template: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.template = template
        self._fit()

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        self.setFixedSize(metrics.horizontalAdvance(self.template) + 12, max(metrics.height(), super().sizeHint().height()))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()


RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATIONS = ("none", "L1", "L2")


def _caption(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setStyleSheet("color: #777; font-size: 10px; font-weight: bold; letter-spacing: 1px;")
    return label


def _combo(name: str, tip: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setToolTip(tip)
    return combo


def _with_help(combo: QComboBox, registry: Registry) -> QWidget:
    """The combo with a compact "?" after it (the bar has no room for "What is ...")."""
    cell = QWidget()
    row = QHBoxLayout(cell)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(2)
    row.addWidget(combo, 1)
    row.addWidget(ChoiceHelpButton(combo, registry, compact=True))
    return cell


def select_data(combo: QComboBox, value) -> None:
    """Show ``value`` without emitting (adding it when the list lacks it: the project's own value is shown as is)."""
    combo.blockSignals(True)
    index = combo.findData(value)
    if index < 0:
        combo.addItem(f"{value:g}" if isinstance(value, float) else str(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)
    combo.blockSignals(False)


class TopBar(QWidget):
    play_toggled = Signal()
    step_clicked = Signal()
    reset_clicked = Signal()
    lr_picked = Signal(float)
    activation_picked = Signal(str)
    regularization_picked = Signal(str, float)
    problem_picked = Signal(str)
    optimizer_picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playgroundTopBar")
        self.reset = QToolButton()
        self.reset.setObjectName("playgroundReset")
        self.reset.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.reset.setToolTip("Reset the network: new starting weights, epoch 0")
        self.play = QPushButton()
        self.play.setObjectName("playgroundPlay")
        self.play.setToolTip("Play / pause training")
        self.play.setFixedSize(52, 52)
        self.play.setIconSize(QSize(30, 30))
        self.play.setStyleSheet(f"QPushButton {{ border-radius: 26px; background: {palette.color(4)}; }}")
        self.step = QToolButton()
        self.step.setObjectName("playgroundStep")
        self.step.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward))
        self.step.setToolTip("Train on one more batch, then pause")
        for button in (self.reset, self.step):
            button.setIconSize(QSize(26, 26))
        self.epoch = SteadyLabel("Epoch 0", "Epoch 0,000,000")
        self.epoch.setObjectName("playgroundEpoch")
        self.epoch.setStyleSheet("font-size: 20px; font-weight: 500;")
        self.lr = _combo("playgroundLr", "Learning rate: how big a step each batch takes")
        for r in RATES:
            self.lr.addItem(f"{r:g}", r)
        self.activation = _combo("playgroundActivation", "The hidden layers' activation")
        for kind in ACTIVATIONS:
            self.activation.addItem(LAYERS.get(kind).title, kind)
        self.regularization = _combo("playgroundRegularization", "Penalise large weights: L1 drives weights to zero, L2 shrinks them")
        for name in REGULARIZATIONS:
            self.regularization.addItem(name, name)
        self.reg_rate = _combo("playgroundRegRate", "How strongly the regularization pulls")
        for r in REG_RATES:
            self.reg_rate.addItem(f"{r:g}", r)
        self.problem = _combo("playgroundProblem", "Classify points, or fit a value (regression)")
        self.problem.addItem("Classification", CLASSIFICATION)
        self.problem.addItem("Regression", REGRESSION)
        self.optimizer = _combo("playgroundOptimizer", "How the gradient becomes a step")
        for name in OPTIMIZERS.names():
            self.optimizer.addItem(OPTIMIZERS.get(name).title, name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.reset)
        layout.addWidget(self.play)
        layout.addWidget(self.step)
        layout.addWidget(self.epoch)
        self.settings = QGridLayout()
        self.settings.setVerticalSpacing(1)
        self.boxes: list[tuple[QLabel, QWidget]] = []
        # A registry's choices get a "?" opening their entry in Help > Concepts
        helped = {self.activation: LAYERS, self.optimizer: OPTIMIZERS}
        for title, combo in (("Learning rate", self.lr), ("Activation", self.activation), ("Regularization", self.regularization),
                             ("Regularization rate", self.reg_rate), ("Problem type", self.problem), ("Optimizer", self.optimizer)):
            self.boxes.append((_caption(title), _with_help(combo, helped[combo]) if combo in helped else combo))
        self.columns = 0
        self._lay_out_settings(len(self.boxes))
        layout.addLayout(self.settings)
        layout.addStretch(1)
        self.show_playing(False)
        self.play.clicked.connect(self.play_toggled)
        self.step.clicked.connect(self.step_clicked)
        self.reset.clicked.connect(self.reset_clicked)
        self.lr.activated.connect(lambda _i: self.lr_picked.emit(float(self.lr.currentData())))
        self.activation.activated.connect(lambda _i: self.activation_picked.emit(self.activation.currentData()))
        self.regularization.activated.connect(self._regularization)
        self.reg_rate.activated.connect(self._regularization)
        self.problem.activated.connect(lambda _i: self.problem_picked.emit(self.problem.currentData()))
        self.optimizer.activated.connect(lambda _i: self.optimizer_picked.emit(self.optimizer.currentData()))

    def _lay_out_settings(self, columns: int) -> None:
        """The six settings in one row, or in two rows of three when one row would not fit (a projector's
        large fonts at 1280x720)."""
        if columns == self.columns:
            return
        self.columns = columns
        for i, (caption, combo) in enumerate(self.boxes):
            row, col = divmod(i, columns)
            self.settings.addWidget(caption, 2 * row, col)
            self.settings.addWidget(combo, 2 * row + 1, col)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        fixed = sum(w.sizeHint().width() for w in (self.reset, self.play, self.step, self.epoch)) + 60
        one_row = sum(max(c.sizeHint().width(), k.sizeHint().width()) + 8 for c, k in self.boxes)
        self._lay_out_settings(len(self.boxes) if fixed + one_row <= self.width() else 3)

    def _regularization(self, _index: int) -> None:
        self.regularization_picked.emit(self.regularization.currentData(), float(self.reg_rate.currentData()))

    def show_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play.setIcon(self.style().standardIcon(icon))
        self.play.setToolTip("Pause training" if playing else "Play: train batch after batch")


class DataColumn(QWidget):
    dataset_picked = Signal(str)
    share_picked = Signal(float)
    noise_picked = Signal(float)
    batch_picked = Signal(int)
    regenerate_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playgroundData")
        self.setFixedWidth(max(200, self.fontMetrics().horizontalAdvance("Draw your own (2-D)") + 60))
        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(True)
        self.grid = QGridLayout()
        self.grid.setSpacing(4)
        self.share, self.share_label = self._slider("playgroundShare", 1, 9, "Ratio of training to test data")
        self.noise, self.noise_label = self._slider("playgroundNoise", 0, 50, "Noise added to the points")
        self.batch, self.batch_label = self._slider("playgroundBatch", 1, 30, "Examples per weight update")
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setObjectName("playgroundRegenerate")
        self.regenerate.setToolTip("Draw the dataset again with a new seed")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(_caption("Data"))
        question = QLabel("Which dataset do you want to use?")
        question.setWordWrap(True)
        layout.addWidget(question)
        layout.addLayout(self.grid)
        for label, slider in ((self.share_label, self.share), (self.noise_label, self.noise), (self.batch_label, self.batch)):
            layout.addWidget(label)
            layout.addWidget(slider)
        layout.addWidget(self.regenerate)
        layout.addStretch(1)
        for label in (self.share_label, self.noise_label, self.batch_label):
            label.setWordWrap(True)
        self.share.valueChanged.connect(lambda v: self.share_picked.emit(v / 10))
        self.noise.valueChanged.connect(lambda v: self.noise_picked.emit(v / 100))
        self.batch.valueChanged.connect(self.batch_picked)
        self.regenerate.clicked.connect(self.regenerate_clicked)
        self.task = ""

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # presentation mode: room for the larger text
            self.setFixedWidth(max(200, self.fontMetrics().horizontalAdvance("Draw your own (2-D)") + 60))

    def _slider(self, name: str, lo: int, hi: int, tip: str) -> tuple[QSlider, QLabel]:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setObjectName(name)
        slider.setRange(lo, hi)
        slider.setToolTip(tip)
        return slider, QLabel()

    def show_datasets(self, task: str, current: str) -> None:
        if task != self.task:
            self.task = task
            for button in self.buttons.buttons():
                self.buttons.removeButton(button)
                button.deleteLater()
            for i, source in enumerate(TOYS[task]):
                button = QToolButton()
                button.setObjectName(f"dataset_{source}")
                button.setText(toy_title(source))
                button.setCheckable(True)
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                button.clicked.connect(lambda _=False, s=source: self.dataset_picked.emit(s))
                self.buttons.addButton(button)
                self.grid.addWidget(button, i, 0)
        for button in self.buttons.buttons():
            button.setChecked(button.objectName() == f"dataset_{current}")

    def show_values(self, share: float, noise: float | None, batch: int) -> None:
        for slider, value in ((self.share, round(share * 10)), (self.noise, round((noise or 0) * 100)), (self.batch, batch)):
            slider.blockSignals(True)
            slider.setValue(value)
            slider.blockSignals(False)
        self.share_label.setText(f"Ratio of training to test data: <b>{share:.0%}</b>")
        self.noise.setEnabled(noise is not None)
        self.noise_label.setText(f"Noise: <b>{round((noise or 0) * 100)}</b>" if noise is not None else "Noise: this dataset has none")
        self.batch_label.setText(f"Batch size: <b>{batch}</b>")
