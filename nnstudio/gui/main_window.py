"""The main window: tabs, menus, status bar, file handling and remembered geometry."""

from __future__ import annotations

import importlib
import platform
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar, cast

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QMessageBox, QWidget

from nnstudio import __version__
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.files import MissingFileError, rebase_paths
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.document import ProjectDocument
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.file_actions import FileActions, SaveProjectDialog, read_project_file, show_notes
from nnstudio.gui.lessons.actions import LessonActions
from nnstudio.gui.network_follows_data import NetworkFollowsData
from nnstudio.gui.panels.protocol import Panel
from nnstudio.gui.presentation import PresentationMode
from nnstudio.gui.settings_store import SettingsStore
from nnstudio.gui.shortcuts import unique_shortcuts
from nnstudio.gui.threads import ThreadRunner
from nnstudio.gui.widgets.lazy_tabs import LazyTabWidget
from nnstudio.gui.widgets.plot_defaults import configure_plots
from nnstudio.gui.window_host import make_action

if TYPE_CHECKING:  # the panels themselves are imported when their tab is first needed
    from nnstudio.gui.panels.architecture.panel import ArchitecturePanel
    from nnstudio.gui.panels.data.panel import DataPanel
    from nnstudio.gui.panels.evaluation import EvaluationPanel
    from nnstudio.gui.panels.inside import InsidePanel
    from nnstudio.gui.panels.interpret import InterpretPanel
    from nnstudio.gui.panels.playground.panel import PlaygroundPanel
    from nnstudio.gui.panels.runs import RunsPanel
    from nnstudio.gui.panels.training.panel import TrainingPanel

IDLE_RETRY_MS = 100  # how often start-up's idle tab building looks again while a background job runs
PROJECT_FILTER = "nnstudio projects (*.nnstudio *.json);;All files (*)"


class Tab(NamedTuple):
    name: str  # the panel's objectName
    title: str
    tip: str
    panel: str  # "module:Class", imported when the tab is first needed


TABS = (
    Tab("architecture", "Architecture", "Stack layers and watch shapes and parameter counts",
        "nnstudio.gui.panels.architecture.panel:ArchitecturePanel"),
    Tab("data", "Data", "Choose the dataset and how it is prepared", "nnstudio.gui.panels.data.panel:DataPanel"),
    Tab("training", "Training", "Train the network and watch it learn", "nnstudio.gui.panels.training.panel:TrainingPanel"),
    Tab("inside", "Inside", "Look inside the network while it learns: boundaries, neurons, gradients",
        "nnstudio.gui.panels.inside:InsidePanel"),
    Tab("runs", "Runs", "Compare runs, go back to earlier epochs, find a learning rate, sweep",
        "nnstudio.gui.panels.runs:RunsPanel"),
    Tab("evaluation", "Evaluation", "How good is the trained network?", "nnstudio.gui.panels.evaluation:EvaluationPanel"),
    Tab("interpret", "Interpretability", "Why did the network decide that?", "nnstudio.gui.panels.interpret:InterpretPanel"),
    Tab("playground", "Playground", "Data, network, every neuron and the boundary on one screen, learning live",
        "nnstudio.gui.panels.playground.panel:PlaygroundPanel"),
    Tab("diffusion", "Diffusion", "A diffusion model on 2-D points: the noise steps and the walk back from noise",
        "nnstudio.gui.panels.diffusion.panel:DiffusionPanel"),
)
# Tabs that watch every run through callbacks or its outcome: built (if not yet) when a run starts.
RUN_WATCHERS = ("runs", "inside", "interpret")

P = TypeVar("P", bound=QWidget)


class TabPanel(Generic[P]):
    """``window.training_panel`` and the like: that tab's panel, built the first time anyone asks for it."""

    def __init__(self, tab: str) -> None:
        self.tab = tab

    def __get__(self, window: MainWindow | None, owner: type | None = None) -> P:
        if window is None:  # looked up on the class
            return self  # type: ignore[return-value]
        return window.tabs.panel(self.tab)  # type: ignore[return-value]


SAVE_FILTER = "nnstudio project (*.nnstudio)"


class MainWindow(QMainWindow):
    def __init__(self, settings: SettingsStore | None = None, document: ProjectDocument | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings or SettingsStore()
        self.ctx = AppContext(document or ProjectDocument(), self.settings, self)
        self.document = self.ctx.document
        self.resize(1280, 820)
        self.setMinimumSize(960, 600)

        self.tabs = LazyTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        for tab in TABS:
            self.tabs.add_lazy_tab(tab.name, lambda tab=tab: self._create_panel(tab), tab.title, tab.tip)
        self.ctx.run_starting.connect(self._build_run_watchers)
        self.ctx.example_sent.connect(self._example_before_interpret_built)
        self.document.project_replaced.connect(self._data_tab_if_data_missing)
        self.document.project_replaced.connect(self._place_playground)
        self._place_playground()
        for event in (self.document.project_replaced, self.document.architecture_changed):
            event.connect(self._offer_diffusion)
        self._offer_diffusion()
        self.setCentralWidget(self.tabs)
        self.ctx.show_tab_requested.connect(self.show_tab)
        self.ctx.status_message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self.network_follows_data = NetworkFollowsData(self.ctx)  # new data adapts the network's sizes (undoable)

        self._build_menus()
        self.statusBar().showMessage("Ready", 3000)
        self.document.modified_changed.connect(self._update_title)
        self.document.project_replaced.connect(self._update_title)
        self.ctx.undo_stack.cleanChanged.connect(lambda clean: self.document.set_modified(not clean) if clean else None)
        self._update_title()
        self._restore_state()
        self.setAcceptDrops(True)  # dropping a project (or weights) file opens it
        self.file_actions.start()

    # ------------------------------------------------------------------ panels
    architecture_panel: TabPanel[ArchitecturePanel] = TabPanel("architecture")
    data_panel: TabPanel[DataPanel] = TabPanel("data")
    training_panel: TabPanel[TrainingPanel] = TabPanel("training")
    inside_panel: TabPanel[InsidePanel] = TabPanel("inside")
    runs_panel: TabPanel[RunsPanel] = TabPanel("runs")
    evaluation_panel: TabPanel[EvaluationPanel] = TabPanel("evaluation")
    interpret_panel: TabPanel[InterpretPanel] = TabPanel("interpret")
    playground_panel: TabPanel[PlaygroundPanel] = TabPanel("playground")

    def _create_panel(self, tab: Tab) -> QWidget:
        """Import and build one tab's panel (the plotting tabs pull in pyqtgraph: only when needed)."""
        if tab.name != "architecture":
            configure_plots()
        module, _, cls = tab.panel.partition(":")
        panel = getattr(importlib.import_module(module), cls)(self.ctx)
        if tab.name == "architecture":
            panel.template_requested.connect(self.new_from_template)
            panel.project_requested.connect(self.new_from_ready_project)
        return panel

    @Slot()
    def _build_run_watchers(self) -> None:
        for name in RUN_WATCHERS:
            self.tabs.panel(name)

    @Slot(object)
    def _example_before_interpret_built(self, example: dict) -> None:
        """An example sent to the Interpretability tab before it was ever opened: build it and hand the example
        over. (Qt does not call connections made during an emission, so it arrives exactly once.)"""
        if not self.tabs.is_built("interpret"):
            self.tabs.panel("interpret").receive_example(example)

    @Slot()
    def _data_tab_if_data_missing(self) -> None:
        """A project whose data file moved: the Data tab offers Locate…, so it must exist to say so."""
        if self.tabs.is_built("data"):
            return  # it reacts to the new project itself
        try:
            self.document.bundle()
        except MissingFileError:
            self.data_panel.source.point_to_missing_file()
        except NNStudioError:
            pass  # other data problems are shown where the data is used

    @Slot()
    def _offer_diffusion(self) -> None:
        """The Diffusion tab is shown only for a diffusion model (its first layer a DiffusionNoise layer)."""
        layers = self.document.project.architecture.layers
        index = next(i for i in range(self.tabs.count()) if self.tabs.tabText(i) == "Diffusion")
        self.tabs.setTabVisible(index, bool(layers) and layers[0].kind == "diffusion_noise")

    @Slot()
    def _place_playground(self) -> None:
        """The Playground is the first tab for data of one or two input columns, else the last."""
        from nnstudio.core.playground.data import fits_playground

        index = next(i for i in range(self.tabs.count()) if self.tabs.tabText(i) == "Playground")
        wanted = 0 if fits_playground(self.document.project.data, self.document.current_prepared) else self.tabs.count() - 1
        if index != wanted:
            self.tabs.tabBar().moveTab(index, wanted)

    def build_remaining_panels(self, then: Callable[[], None] | None = None) -> None:
        """Build the tabs not opened yet, one per event-loop turn (the window stays responsive meanwhile and
        the first click on a tab is instant); then call ``then``. While a background job runs (an evaluation
        started right after start-up, a training run) the building waits, so it never slows the user's job."""
        if ThreadRunner.active:
            QTimer.singleShot(IDLE_RETRY_MS, self, lambda: self.build_remaining_panels(then))
        elif self.tabs.build_next():
            QTimer.singleShot(0, self, lambda: self.build_remaining_panels(then))
        elif then is not None:
            then()

    # ------------------------------------------------------------------ menus
    def _action(self, text: str, slot, shortcut: QKeySequence | str | None = None, tip: str = "") -> QAction:
        return make_action(self, text, slot, shortcut, tip)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_actions = FileActions(self)  # the File menu: projects, import/export, preferences, autosave, recovery
        self.lessons = LessonActions(self)  # File > Open lesson, Help > Start page / Concepts / Keyboard shortcuts
        self.file_menu = self.file_actions.build_menu(bar, more=self.lessons.populate_file)

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self.ctx.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.ctx.undo_stack.createRedoAction(self, "&Redo")
        # Each sequence once: on X11 the platform's Redo is Ctrl+Shift+Z too, and a key listed twice is ambiguous to Qt (it fired nothing).
        self.redo_action.setShortcuts(unique_shortcuts(QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo))
        edit_menu.addActions([self.undo_action, self.redo_action])
        self.edit_menu = edit_menu
        edit_menu.addSeparator()
        self.undo_history_action = self._action("Undo &history", self.show_undo_history, None, "Every edit so far; click one to go back to it")
        edit_menu.addAction(self.undo_history_action)
        self.undo_history_dialog = None

        self.view_menu = bar.addMenu("&View")
        for i in range(self.tabs.count()):
            tab = TABS[i]  # by name: the Playground tab moves (see _place_playground)
            action = self._action(tab.title, lambda _=False, name=tab.name: self.show_tab(name), f"Alt+{i + 1}")
            self.view_menu.addAction(action)
        self.view_menu.addSeparator()
        self.presentation = PresentationMode(self, self.settings)  # F11: large text, projector palette, full screen
        self.tabs.panel_built.connect(self.presentation.adopt)
        self.view_menu.addAction(self.presentation.action)
        self.view_menu.addMenu(self.presentation.scale_menu)

        help_menu = bar.addMenu("&Help")
        self.lessons.populate_help(help_menu)
        self.about_action = self._action("&About nnstudio", self.show_about, None, "Versions and credits")
        help_menu.addAction(self.about_action)
        self.help_menu = help_menu

    def _confirm_discard(self) -> bool:
        if not self.document.modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", "The project has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def busy_training(self) -> bool:
        if self.ctx.training_active:
            show_error(self, "Training in progress", "Stop the current run on the Training tab before switching projects.")
            return True
        return False

    @Slot()
    def new_project(self) -> None:
        if self.busy_training() or not self._confirm_discard():
            return
        self.ctx.undo_stack.clear()
        project = default_project()
        project.training.device = self.settings.default_device()
        self.document.replace(project)
        self.statusBar().showMessage("New project", 3000)

    @Slot(str)
    def new_from_template(self, name: str) -> None:
        """A new project from a template: its network, its dataset and its training settings."""
        from nnstudio.core.project.templates import catalogue

        self.new_from_ready_project(catalogue()[name].project())

    @Slot(object, object)
    def new_from_ready_project(self, project, prepared=None) -> None:
        """``prepared`` is the project's data already prepared (a template's folder check), kept by the document."""
        if self.busy_training() or not self._confirm_discard():
            return
        self.ctx.undo_stack.clear()
        self.document.replace(project, prepared=prepared)
        self.statusBar().showMessage(f"New project: {project.name}", 4000)

    @Slot()
    def show_undo_history(self) -> None:
        from PySide6.QtWidgets import QDialog, QUndoView, QVBoxLayout

        if self.undo_history_dialog is None:
            dialog = QDialog(self)
            dialog.setObjectName("undoHistoryDialog")
            dialog.setWindowTitle("Undo history")
            view = QUndoView(self.ctx.undo_stack, dialog)
            view.setObjectName("undoHistoryView")
            view.setEmptyLabel("Opened project")
            QVBoxLayout(dialog).addWidget(view)
            dialog.resize(360, 420)
            self.undo_history_dialog = dialog
        self.undo_history_dialog.show()
        self.undo_history_dialog.raise_()

    @Slot()
    def open_dialog(self) -> None:
        if self.busy_training() or not self._confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self.settings.default_folder("projects"), PROJECT_FILTER)
        if path:
            self.open_path(Path(path), confirmed=True)

    def open_path(self, path: Path, confirmed: bool = False) -> bool:
        """Open ``path``; on a bad file, say why and keep the current project."""
        if not confirmed and (self.busy_training() or not self._confirm_discard()):
            return False
        try:
            project, prepared = read_project_file(path)  # any failure arrives as a ProjectFileError
        except NNStudioError as exc:
            if not path.exists():
                self.settings.remove_recent_file(str(path.resolve()))
            show_error(self, "Cannot open project", exc)
            return False
        self.ctx.undo_stack.clear()
        self.document.replace(project, path if path.suffix.lower() == ".nnstudio" else None, prepared)
        self.settings.add_recent_file(str(path.resolve()))
        self.settings.set_last_folder(str(path.resolve().parent))
        self.statusBar().showMessage(f"Opened {path.name}", 4000)
        show_notes(self, project)  # weights dropped or converted on reading
        return True

    @Slot()
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path, self.document.project.keep_snapshots)

    @Slot()
    def save_as(self) -> bool:
        chosen = self._ask_save_path()
        if chosen is None:
            return False
        target, include_snapshots = chosen
        self.document.project.keep_snapshots = include_snapshots  # a later Save repeats the choice
        if target.suffix.lower() != ".nnstudio":
            target = target.with_name(target.name + ".nnstudio")
        return self.save_to(target, include_snapshots)

    def _ask_save_path(self) -> tuple[Path, bool] | None:
        """The Save dialog (with the expected file size): the path and whether to include snapshots."""
        start = str(Path(self.settings.default_folder("projects")) / f"{self.document.project.name}.nnstudio")
        dialog = SaveProjectDialog(self, self.document.project, start)
        return dialog.chosen() if dialog.exec() else None

    def save_to(self, path: Path, include_snapshots: bool = False) -> bool:
        try:
            # Data paths are stored relative to the project file: re-anchor them to the new folder.
            self.document.project.data = rebase_paths(self.document.project.data, self.document.base_dir, path.resolve().parent)
            save_project(self.document.project, path, include_snapshots=include_snapshots)
        except NNStudioError as exc:
            show_error(self, "Cannot save project", exc)
            return False
        self.file_actions.recovery.discard()  # the saved file now holds everything the copy held
        self.document.path = path
        self.ctx.undo_stack.setClean()
        self.document.set_modified(False)
        self.settings.add_recent_file(str(path.resolve()))
        self.settings.set_last_folder(str(path.resolve().parent))
        self._update_title()
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    # ------------------------------------------------------------------ window
    def _update_title(self, *_: object) -> None:
        name = self.document.path.name if self.document.path else self.document.project.name
        self.setWindowTitle(f"{name}[*] — nnstudio")
        self.setWindowModified(self.document.modified)

    @Slot(str)
    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def show_tab(self, object_name: str) -> None:
        self.tabs.show_panel(object_name)

    def panel(self, object_name: str) -> QWidget | None:
        return self.tabs.panel(object_name) if any(tab.name == object_name for tab in TABS) else None

    @Slot()
    def show_about(self) -> None:
        import torch
        from PySide6 import __version__ as pyside_version

        try:
            from importlib.metadata import version

            captum_version = version("captum")
        except Exception:  # noqa: BLE001 - About must open even with odd installs
            captum_version = "not installed"
        QMessageBox.about(
            self,
            "About nnstudio",
            f"<h3>nnstudio {__version__}</h3><p>Build, train and explain neural networks.</p>"
            f"<p>Python {platform.python_version()} · PyTorch {torch.__version__} · Qt {pyside_version} · Captum {captum_version}</p>",
        )

    def _restore_state(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
        self.tabs.setCurrentIndex(min(max(self.settings.current_tab(), 0), self.tabs.count() - 1))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self._confirm_discard():
            event.ignore()
            return
        self.shutdown_panels()
        self.presentation.set_active(False)  # remember the window as the user sized it, not full screen
        self.settings.set_window_geometry(self.saveGeometry(), self.saveState())
        self.settings.set_current_tab(self.tabs.currentIndex())
        self.settings.sync()
        self.file_actions.shutdown()  # a clean exit leaves no recovery copy behind
        event.accept()

    def shutdown_panels(self) -> None:
        """Stop and join every thread the built panels run (training, LR finder, sweep, attributions, data)."""
        if self.tabs.is_built("training") and self.training_panel.runner.running:
            self.statusBar().showMessage("Finishing the current batch before closing…")
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            QApplication.processEvents()
            try:
                self.training_panel.shutdown()
            finally:
                QApplication.restoreOverrideCursor()
        for panel in self.built_panels():
            panel.shutdown()

    def built_panels(self) -> list[Panel]:
        """The tabs' panels built so far; each keeps the Panel protocol (see gui/panels/protocol.py)."""
        return [cast(Panel, panel) for _, panel in self.tabs.built_panels()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and FileActions.dropped_file(event.mimeData().urls()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        path = FileActions.dropped_file(event.mimeData().urls()) if event.mimeData().hasUrls() else None
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.file_actions.open_dropped(path)
