"""The one panel protocol (gui/panels/protocol.py): every tab's panel answers shutdown(timeout_ms) with a bool,
and a panel refreshes when it is visible, keyed on the document's revision (a hidden one waits until shown)."""

from __future__ import annotations

import copy

from PySide6.QtWidgets import QWidget

from nnstudio.core.workspace.document import ProjectDocument
from nnstudio.gui.main_window import TABS
from nnstudio.gui.panels.protocol import Panel, RevisionWatch


def test_every_panel_of_the_window_keeps_the_protocol(qtbot, main_window):
    for tab in TABS:
        main_window.panel(tab.name)  # build every tab
    panels = main_window.built_panels()
    assert sorted(p.objectName() for p in panels) == sorted(tab.name for tab in TABS)
    for panel in panels:
        assert isinstance(panel, Panel), panel.objectName()
        assert panel.shutdown(5_000) is True, panel.objectName()  # nothing runs: a bool, True


def test_a_hidden_watch_refreshes_only_when_shown_and_only_after_a_change(qtbot):
    document = ProjectDocument()
    panel = QWidget()
    qtbot.addWidget(panel)
    refreshed: list[int] = []
    watch = RevisionWatch(panel, document, lambda: refreshed.append(document.revision),
                          (document.architecture_changed, document.weights_changed))

    panel.show()  # the first show refreshes (nothing shown yet)
    qtbot.waitUntil(lambda: len(refreshed) == 1)
    panel.hide()
    document.set_architecture(copy.deepcopy(document.project.architecture))
    document.set_architecture(copy.deepcopy(document.project.architecture))
    qtbot.wait(20)
    assert len(refreshed) == 1 and watch.stale  # hidden: no work, however many changes
    panel.show()
    qtbot.waitUntil(lambda: len(refreshed) == 2)
    assert refreshed[-1] == document.revision and not watch.stale  # once, for the latest revision
    panel.hide()
    panel.show()  # shown again with no change in between: nothing to do
    qtbot.wait(20)
    assert len(refreshed) == 2

    document.set_training(document.project.training.copy())  # a change this panel does not listen to
    panel.hide()
    panel.show()
    qtbot.wait(20)
    assert len(refreshed) == 2

    document.set_trained({}, {})  # visible: one refresh at the next turn
    document.set_trained({}, {})
    qtbot.waitUntil(lambda: len(refreshed) == 3)
    qtbot.wait(20)
    assert len(refreshed) == 3


def test_a_refresh_that_cannot_run_now_stays_due(qtbot):
    document = ProjectDocument()
    panel = QWidget()
    qtbot.addWidget(panel)
    busy = [True]
    refreshed: list[int] = []

    def refresh() -> bool:
        if busy[0]:
            return False  # a job of the panel is still ending
        refreshed.append(document.revision)
        return True

    watch = RevisionWatch(panel, document, refresh, (document.architecture_changed,))
    panel.show()
    qtbot.wait(20)
    assert refreshed == [] and watch.stale
    busy[0] = False
    watch.check()  # the job ended: the panel checks again
    qtbot.waitUntil(lambda: refreshed == [document.revision])


def test_the_interpret_tab_reloads_a_changed_project_only_when_shown(qtbot, main_window):
    panel = main_window.interpret_panel
    main_window.show_tab("architecture")
    qtbot.waitUntil(lambda: not panel.isVisible())
    seen = panel.watch.seen
    main_window.document.set_architecture(copy.deepcopy(main_window.document.project.architecture))
    qtbot.wait(20)
    assert panel.watch.seen == seen and panel.watch.stale  # hidden: not reloaded
    main_window.show_tab("interpret")
    qtbot.waitUntil(lambda: not panel.watch.stale)
    assert panel.watch.seen == main_window.document.revision
