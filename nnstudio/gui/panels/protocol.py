"""What every tab's panel offers the window, and the one way a panel knows it is out of date.

:class:`Panel`: ``shutdown(timeout_ms)`` stops and joins what the panel runs (the window is closing, or the
project was replaced) and says whether nothing is left running. The window calls it on every built panel,
without probing. A panel with no thread returns True.

:class:`RevisionWatch`: refresh-when-visible keyed on the document's ``revision``. A hidden panel does no work
when the document changes; when it is shown, it refreshes once if a change it listens to came since its last
refresh, and not at all otherwise. A change while it is visible refreshes it at the next event-loop turn (so a
burst of changes costs one refresh).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from nnstudio.core.workspace.document import ProjectDocument


@runtime_checkable
class Panel(Protocol):
    def shutdown(self, timeout_ms: int | None = 30_000) -> bool:
        """Stop and join the panel's threads within ``timeout_ms`` (None: as long as it takes); True when none is left."""
        ...


class RevisionWatch(QObject):
    """Calls ``refresh()`` of ``panel`` when it is visible and a change of ``events`` (the document's events, which
    ``connect`` a callable) came since the last refresh.

    ``refresh`` returns False when it could not refresh now (a job of the panel is still ending); the panel then
    calls :meth:`check` when it can.
    """

    def __init__(self, panel: QWidget, document: ProjectDocument, refresh: Callable[[], bool | None],
                 events: Iterable[Any], *, refresh_on_show_at_once: bool = False) -> None:
        super().__init__(panel)
        self.panel, self.document, self._refresh = panel, document, refresh
        self.at_once = refresh_on_show_at_once  # refresh before the first paint, not at the next turn
        self.changed_at = document.revision  # the revision of the latest change this panel listens to
        self.seen = -1  # the revision the panel last refreshed at (-1: never; the first show refreshes)
        self._scheduled = False
        for event in events:
            event.connect(self.changed)
        panel.installEventFilter(self)

    @property
    def stale(self) -> bool:
        return self.changed_at > self.seen

    def changed(self, *_: object) -> None:
        self.changed_at = self.document.revision
        self.check()

    def check(self) -> None:
        """Refresh at the next event-loop turn if the panel is visible and stale."""
        if self.stale and self.panel.isVisible():
            self._schedule()

    def mark_current(self) -> None:
        """The panel has just shown the document as it is now (it refreshed on its own, e.g. a button)."""
        self.seen = self.document.revision

    def refresh_if_stale(self) -> None:
        self._scheduled = False
        if self.stale and self.panel.isVisible():
            revision = self.document.revision
            if self._refresh() is not False:
                self.seen = max(self.seen, revision)

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            QTimer.singleShot(0, self, self.refresh_if_stale)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.panel and event.type() == QEvent.Type.Show:
            if self.at_once:
                self.refresh_if_stale()
            else:
                self.check()
        return False
