"""The start page: shown at the first launch only (the settings remember it), from Help > Start page, and one
click on a lesson's card opens that lesson (its project and the lesson panel)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from nnstudio.core.lessons.format import builtin_lessons
from nnstudio.core.project.templates import catalogue
from nnstudio.gui.settings_store import SettingsStore


def test_first_launch_only(qtbot, main_window, settings_path):
    lessons = main_window.lessons
    assert lessons.start_page_at_first_launch()
    page = lessons.start_page
    assert page.isVisible()
    page.close()
    assert not lessons.start_page_at_first_launch()  # not again ...
    main_window.settings.sync()
    assert SettingsStore(settings_path).value("start_page/shown") in (True, "true")  # ... nor at the next launch
    assert not page.isVisible()


def test_gallery_and_one_click_lesson(qtbot, main_window):
    window = main_window
    window.settings.add_recent_file("/tmp/somewhere/earlier.nnstudio")
    window.lessons.start_page_action.trigger()  # Help > Start page
    page = window.lessons.start_page
    assert page.isVisible()
    shipped = builtin_lessons()
    cards = {card.objectName(): card for card in page.lessons.cards}
    assert sorted(cards) == sorted(f"lesson_{lesson.name}" for lesson in shipped)
    assert page.lessons.cards[0].objectName() == "lesson_neurons_and_activations"  # the lecture's order
    neurons = next(lesson for lesson in shipped if lesson.name == "neurons_and_activations")
    card = cards["lesson_neurons_and_activations"]
    texts = [label.text() for label in card.findChildren(QLabel)]
    assert texts == [neurons.title, neurons.summary, f"about {neurons.minutes} minutes \u00b7 {len(neurons.steps)} steps"]
    assert [c.objectName() for c in page.templates.cards] == [f"template_{name}" for name in catalogue()]
    recent = [b for b in page.findChildren(QPushButton) if b.objectName() == "startRecent"]
    assert [b.text() for b in recent] == ["earlier.nnstudio"]

    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)  # one click
    assert not page.isVisible()
    assert window.lessons.runner is not None and window.lessons.runner.lesson.name == "neurons_and_activations"
    assert window.lessons.dock.isVisible()
    assert window.lessons.panel.title.text() == "Neurons and activations"
    assert window.document.project.name == "Moons, one hidden layer of 8"


def test_template_card_opens_the_template(qtbot, main_window):
    window = main_window
    window.lessons.show_start_page()
    page = window.lessons.start_page
    card = next(c for c in page.templates.cards if c.objectName() == "template_small_cnn")
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    assert not page.isVisible()
    expected = catalogue()["small_cnn"].project()
    assert window.document.project.name == expected.name
    assert window.document.project.architecture.to_dict() == expected.architecture.to_dict()


def test_open_your_own_data_asks_for_the_file_on_the_data_tab(qtbot, main_window, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda parent, title, *a, **k: (asked.append(title), ("", ""))[1]))
    window = main_window
    window.lessons.show_start_page()
    page = window.lessons.start_page
    button = page.findChild(QPushButton, "startOwnData_csv")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked == ["Open CSV / TSV table"]
    assert not page.isVisible() and window.tabs.currentWidget().objectName() == "data"


def test_first_launch_page_waits_for_the_window_to_paint(qtbot, settings_path):
    from nnstudio.gui.main_window import MainWindow

    window = MainWindow(SettingsStore(settings_path))
    qtbot.addWidget(window)
    assert window.lessons.start_page_at_first_launch(after_first_paint=True)
    assert window.lessons.start_page is None  # nothing read before the window shows
    window.show()
    qtbot.waitUntil(lambda: window.lessons.start_page is not None and window.lessons.start_page.isVisible())
    window.lessons.start_page.close()
    window.document.set_modified(False)
