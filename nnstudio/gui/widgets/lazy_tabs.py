"""Tabs whose panels are built the first time they are needed.

Building all seven panels up front (about thirty plots) took longer than importing torch and Qt, so the
window's first paint waited on views nobody had looked at yet. Here each tab holds a light page; the page
builds its panel when it is first shown, or when code asks for the panel (``panel(name)``). Callers may
treat the panels as the tab pages: ``setCurrentWidget``, ``currentWidget``, ``widget`` and ``indexOf``
translate between a panel and the page that holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget


class LazyPage(QWidget):
    """One tab's page: empty until its panel is built, then just the panel."""

    def __init__(self, name: str, factory: Callable[[], QWidget], on_built: Callable[[str, QWidget], None]) -> None:
        super().__init__()
        self.setObjectName(f"{name}Page")
        self.name = name
        self.panel: QWidget | None = None
        self._factory = factory
        self._on_built = on_built
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def build(self) -> QWidget:
        if self.panel is None:
            panel = self._factory()
            self.panel = panel  # set before anything below can ask for it again
            self.layout().addWidget(panel)
            if self.isVisible():
                panel.show()  # otherwise Qt shows it one event-loop turn late, after a blank paint
            self._on_built(self.name, panel)
        return self.panel

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        self.build()
        super().showEvent(event)


class LazyTabWidget(QTabWidget):
    panel_built = Signal(str, QWidget)  # name, panel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages: dict[str, LazyPage] = {}

    def add_lazy_tab(self, name: str, factory: Callable[[], QWidget], title: str, tip: str = "") -> int:
        page = LazyPage(name, factory, self.panel_built.emit)
        self._pages[name] = page
        index = self.addTab(page, title)
        if tip:
            self.setTabToolTip(index, tip)
        return index

    # ------------------------------------------------------------------ panels by name
    def panel(self, name: str) -> QWidget:
        """The panel of tab ``name``, built now if it was not yet."""
        return self._pages[name].build()

    def is_built(self, name: str) -> bool:
        return self._pages[name].panel is not None

    def built_panels(self) -> Iterator[tuple[str, QWidget]]:
        for name, page in self._pages.items():
            if page.panel is not None:
                yield name, page.panel

    def build_next(self) -> bool:
        """Build the first panel not built yet; False once every panel is built."""
        for page in self._pages.values():
            if page.panel is None:
                page.build()
                return True
        return False

    def show_panel(self, name: str) -> None:
        if name in self._pages:
            super().setCurrentWidget(self._pages[name])

    # ------------------------------------------------------------------ panels as pages
    def _page_of(self, widget: QWidget | None) -> QWidget | None:
        for page in self._pages.values():
            if widget is not None and page.panel is widget:
                return page
        return widget

    def _panel_of(self, page: QWidget | None) -> QWidget | None:
        return page.build() if isinstance(page, LazyPage) else page

    def setCurrentWidget(self, widget: QWidget) -> None:  # noqa: N802 - Qt's name
        super().setCurrentWidget(self._page_of(widget))

    def currentWidget(self) -> QWidget | None:  # noqa: N802 - Qt's name
        return self._panel_of(super().currentWidget())

    def widget(self, index: int) -> QWidget | None:
        return self._panel_of(super().widget(index))

    def indexOf(self, widget: QWidget) -> int:  # noqa: N802 - Qt's name
        return super().indexOf(self._page_of(widget))
