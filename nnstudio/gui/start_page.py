"""The start page: the lessons as a gallery, the templates, recent projects and "open your own data".

Shown at the first launch and from Help > Start page. One click on a card does the thing (opens the lesson,
the template, the project, the file dialog) and the page steps aside. Sizes come from the font, so the page
reads from the back of the room in presentation mode as well.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.registry import DATASETS
from nnstudio.core.lessons.format import Lesson, builtin_lessons
from nnstudio.core.project.templates import catalogue
from nnstudio.gui import palette
from nnstudio.gui.lessons.text import scaled_font
from nnstudio.gui.panels.data.source import FILE_CATEGORY  # the Data tab's own-file sources
from nnstudio.gui.widgets.wrapped_label import WrappedLabel

# ``window`` is nnstudio's MainWindow, typed as its Qt base: the window imports this module, not back.
MainWindow = QMainWindow

# The lecture's order (issue 23's list); lessons not named here (a teacher's own) follow by name
COURSE_ORDER = ("neurons_and_activations", "universal_approximation", "why_nonlinearity", "backpropagation_one_step",
                "vanishing_gradients", "overfitting_and_regularization", "tank_or_not_a_tank", "pigeons_as_art_experts",
                "cost_functions", "optimizers", "input_preparation", "architectures_for_data_types", "latent_space")
CARD_CHARS = 34  # a card's width in average characters: the gallery's columns follow the font


class Card(QFrame):
    """A clickable tile: a title, a line or two of text and a small note (the minutes)."""

    clicked = Signal()

    def __init__(self, title: str, text: str, note: str = "", name: str = "") -> None:
        super().__init__()
        self.setObjectName(name or "card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip(text)
        accent = palette.role("accent")
        self.setStyleSheet(f"Card {{ border: 1px solid #b8c2cc; border-radius: 6px; background: white; }}"
                           f"Card:hover, Card:focus {{ border: 2px solid {accent}; }}")
        layout = QVBoxLayout(self)
        self.title = WrappedLabel(title)
        self.title.setFont(scaled_font(self, 1.15, bold=True))
        self.text = WrappedLabel(text)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        if note:
            self.note = QLabel(note)
            self.note.setStyleSheet(f"color: {palette.role('muted')};")
            layout.addWidget(self.note)
        layout.addStretch(1)
        for child in self.findChildren(QLabel):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
        else:
            super().keyPressEvent(event)


class Gallery(QWidget):
    """Cards in as many columns as the page's width holds (the page tells it the width: a grid that picked its
    own columns from its own width could never shrink back)."""

    def __init__(self, chars: int = CARD_CHARS) -> None:
        super().__init__()
        self.chars = chars
        self.cards: list[QWidget] = []
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.columns = 0

    def set_cards(self, cards: list[QWidget]) -> None:
        self.cards = cards
        self.columns = 0

    def fit(self, width: int) -> None:
        columns = max(1, width // max(1, self.fontMetrics().averageCharWidth() * self.chars))
        if columns == self.columns:
            return
        self.columns = columns
        for card in self.cards:
            self.grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            self.grid.addWidget(card, i // columns, i % columns)
        for c in range(max(columns, self.grid.columnCount())):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        self.grid.invalidate()
        self.updateGeometry()


class StartPage(QDialog):
    lesson_chosen = Signal(object)  # a Lesson

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("startPage")
        self.setWindowTitle("Start — nnstudio")
        self.setModal(False)

        heading = QLabel("Welcome to nnstudio")
        heading.setFont(scaled_font(self, 1.8, bold=True))
        lead = WrappedLabel("Pick a lesson to walk through with the class, start from a template, reopen a "
                            "project, or bring your own data.")
        lead.setFont(scaled_font(self, 1.1))
        self.lessons = Gallery()
        self.lessons.setObjectName("startLessons")
        self.templates = Gallery()
        self.templates.setObjectName("startTemplates")
        self.recent = QVBoxLayout()
        self.own_data = QHBoxLayout()
        self.problems = WrappedLabel()
        self.problems.setObjectName("startProblems")
        self.problems.setStyleSheet(f"color: {palette.role('negative')};")

        body = QWidget()
        body.setObjectName("startBody")
        layout = QVBoxLayout(body)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(lead)
        layout.addWidget(self._section("Lessons"))
        layout.addWidget(self.problems)
        layout.addWidget(self.lessons)
        bottom = QHBoxLayout()  # before the templates: one's own work and data, in sight without scrolling
        recent_box, own_box = QVBoxLayout(), QVBoxLayout()
        recent_box.addWidget(self._section("Recent projects"))
        recent_box.addLayout(self.recent)
        recent_box.addStretch(1)
        own_box.addWidget(self._section("Open your own data"))
        own_box.addLayout(self.own_data)
        own_box.addStretch(1)
        bottom.addLayout(recent_box, 1)
        bottom.addLayout(own_box, 1)
        layout.addLayout(bottom)
        layout.addWidget(self._section("Templates"))
        layout.addWidget(self.templates)
        layout.addStretch(1)
        scroll = self.scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        close = QPushButton("Close")
        close.setObjectName("startClose")
        close.clicked.connect(self.close)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = self.scroll.viewport().width() - 24  # the body's margins
        for gallery in (self.lessons, self.templates):
            gallery.fit(width)

    def _section(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setFont(scaled_font(self, 1.35, bold=True))
        return label

    # ------------------------------------------------------------------ contents
    def refresh(self) -> None:
        try:
            lessons = builtin_lessons()
            self.problems.setText("")
        except NNStudioError as exc:  # a broken shipped lesson must not hide the others' page
            lessons = []
            self.problems.setText(f"The lessons could not be read: {exc}")
        self.problems.setVisible(bool(self.problems.text()))
        lessons.sort(key=lambda lesson: (COURSE_ORDER.index(lesson.name) if lesson.name in COURSE_ORDER
                                         else len(COURSE_ORDER), lesson.name))
        self.lessons.set_cards([self._lesson_card(lesson) for lesson in lessons])
        self.templates.set_cards([self._template_card(name, template) for name, template in catalogue().items()])
        self._fill(self.recent, self._recent_buttons())
        self._fill(self.own_data, self._own_data_buttons())

    def _lesson_card(self, lesson: Lesson) -> Card:
        card = Card(lesson.title, lesson.summary, f"about {lesson.minutes} minutes \u00b7 {len(lesson.steps)} steps",
                    f"lesson_{lesson.name}")
        card.clicked.connect(lambda lesson=lesson: self._choose_lesson(lesson))
        return card

    def _template_card(self, name: str, template) -> Card:
        card = Card(template.title, template.description.split(". ")[0].rstrip(".") + ".", "", f"template_{name}")
        card.text.setToolTip(template.description)
        card.clicked.connect(lambda name=name: self._act(lambda: self.window_.new_from_template(name)))
        return card

    def _recent_buttons(self) -> list[QWidget]:
        files = self.window_.settings.recent_files()
        if not files:
            empty = QLabel("No recent projects yet: projects you open or save appear here.")
            empty.setWordWrap(True)
            return [empty]
        buttons: list[QWidget] = []
        for path in files:
            button = QPushButton(Path(path).name)
            button.setObjectName("startRecent")
            button.setToolTip(path)
            button.setFlat(True)
            button.setStyleSheet("text-align: left;")
            button.clicked.connect(lambda _=False, p=path: self._act(lambda: self.window_.open_path(Path(p))))
            buttons.append(button)
        return buttons

    def _own_data_buttons(self) -> list[QWidget]:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        for entry in DATASETS.categories().get(FILE_CATEGORY, []):
            button = QPushButton(f"{entry.title}\u2026")
            button.setObjectName(f"startOwnData_{entry.name}")
            button.setToolTip(entry.help)
            button.clicked.connect(lambda _=False, n=entry.name: self._act(lambda: self._open_data(n)))
            column.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        return [box]

    @staticmethod
    def _fill(layout, widgets: list[QWidget]) -> None:
        while layout.count():
            item = layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for widget in widgets:
            layout.addWidget(widget)

    # ------------------------------------------------------------------ choosing
    def _choose_lesson(self, lesson: Lesson) -> None:
        self.close()
        self.lesson_chosen.emit(lesson)

    def _act(self, work) -> None:
        self.close()
        work()

    def _open_data(self, source: str) -> None:
        self.window_.show_tab("data")
        self.window_.panel("data").source.open_file(source)

    def show_over_window(self) -> None:
        """Cover most of the window (a projector shows the page, not a small box in a corner)."""
        frame = self.window_.geometry()
        width, height = int(frame.width() * 0.9), int(frame.height() * 0.9)
        self.resize(width, height)
        self.move(frame.x() + (frame.width() - width) // 2, frame.y() + (frame.height() - height) // 2)
        self.show()
        self.raise_()
        self.activateWindow()
        if self.lessons.cards:
            self.lessons.cards[0].setFocus()  # Enter starts the first lesson
