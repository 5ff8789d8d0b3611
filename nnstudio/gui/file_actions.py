"""The File menu's newer half: import/export of weights and models, Preferences, drag and drop,
autosave to a recovery copy and the offer to restore it after a crash.

Kept out of ``main_window.py`` so the window stays a thin assembly of panels and menus. Exports run in a
worker thread (ONNX takes seconds) behind a progress dialog whose Cancel discards the result.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QLabel,
    QMenu,
    QMenuBar,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from nnstudio.core.base.errors import NNStudioError, ProjectFileError
from nnstudio.core.base.jobs import JobToken
from nnstudio.core.data.assemble import PreparedData
from nnstudio.core.project.file_format import estimate_size, format_size, load_project, pipeline_state
from nnstudio.core.project.recovery import RecoveryStore
from nnstudio.core.project.spec import Project, record_run
from nnstudio.core.project.weights_io import (
    ONNX_HELP,
    WEIGHT_SUFFIXES,
    ExportError,
    example_input,
    export_onnx,
    export_program,
    export_safetensors,
    import_weights,
    onnx_available,
)
from nnstudio.core.workspace.document import check_weights_fit
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.preferences import PreferencesDialog, apply_appearance
from nnstudio.gui.save_dialog import OptionsSaveDialog
from nnstudio.gui.threads import Report, ThreadRunner
from nnstudio.gui.window_host import WindowHost, make_action

log = logging.getLogger("nnstudio")

PROJECT_SUFFIXES = (".nnstudio", ".json")
SAVE_FILTER = "nnstudio project (*.nnstudio)"
WEIGHTS_FILTER = "Weights (*.safetensors *.pt *.pth *.bin *.ckpt *.nnstudio);;All files (*)"


# ---------------------------------------------------------------------------- opening
def read_project_file(path: Path) -> tuple[Project, PreparedData | None]:
    """The project in ``path`` with its weights checked against the architecture, for the window to open, and
    the data the check prepared (None when it prepared none): hand it to ``document.replace``, not to read twice.

    Every failure is a ProjectFileError, even one the loader did not foresee (its traceback goes to the
    log): the window then says why in a dialog and keeps the open project, instead of doing nothing."""
    try:
        project = load_project(path)
        prepared = check_weights_fit(project, path.resolve().parent)
    except NNStudioError:
        raise
    except Exception as exc:  # noqa: BLE001 - File > Open must answer every failure with a dialog
        log.error("opening %s failed", path, exc_info=exc)
        raise ProjectFileError(
            f"{path.name} could not be opened ({type(exc).__name__}: {exc}); the file may be damaged: "
            "open a backup or the recovery copy"
        ) from None
    return project, prepared


def show_notes(parent: QWidget, project: Project) -> None:
    """What opening the file changed (weights dropped or converted), in one non-blocking dialog."""
    if not project.notes:
        return
    box = QMessageBox(QMessageBox.Icon.Information, "Opened with changes", "\n\n".join(project.notes),
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("openNotes")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


# ---------------------------------------------------------------------------- save dialog
class SaveProjectDialog(OptionsSaveDialog):
    """Qt's own save dialog plus the file's expected size and the per-epoch snapshots choice."""

    def __init__(self, parent: QWidget | None, project: Project, start: str) -> None:
        super().__init__(parent, "Save project", start, SAVE_FILTER, "nnstudio")
        self.setObjectName("saveProjectDialog")
        has_snapshots = any(run.snapshots for run in project.runs)
        self.base_size = estimate_size(project)
        self.snapshot_size = estimate_size(project, include_snapshots=True) if has_snapshots else self.base_size
        self.snapshots = QCheckBox("Include per-epoch snapshots")
        self.snapshots.setObjectName("includeSnapshots")
        self.snapshots.setEnabled(has_snapshots)
        self.snapshots.setChecked(has_snapshots and project.keep_snapshots)
        self.snapshots.setToolTip(
            "Keep every epoch's weights so a reopened project can scrub back through training"
            if has_snapshots else "No run of this project recorded per-epoch snapshots"
        )
        self.size_label = QLabel()
        self.size_label.setObjectName("expectedSize")
        self.snapshots.toggled.connect(self._update_size)
        self.add_options(self.snapshots, self.size_label)
        self._update_size()

    def expected_size(self) -> int:
        return self.snapshot_size if self.snapshots.isChecked() else self.base_size

    @Slot()
    def _update_size(self) -> None:
        text = f"Expected file size: {format_size(self.expected_size())}"
        if self.snapshots.isEnabled() and not self.snapshots.isChecked():
            text += f" (with snapshots: {format_size(self.snapshot_size)})"
        self.size_label.setText(text)

    def chosen(self) -> tuple[Path, bool] | None:
        path = self.chosen_path()
        return (path, self.snapshots.isChecked()) if path is not None else None


# ---------------------------------------------------------------------------- background job
def _export(work: Callable[[], object], token: JobToken, report: Report) -> None:
    """The job, in the worker thread: done once the file is written."""
    work()


class _ExportRunner(ThreadRunner):
    """One export at a time; ``completed`` carries its error, if any (see :mod:`nnstudio.gui.threads`)."""

    what = "Export"
    thread_name = "nnstudio-export"

    def start(self, work: Callable[[], object]) -> None:
        self.start_job(partial(_export, work))


class FileActions(QObject):
    export_finished = Signal(str)  # '' when the file was written, else the message shown

    def __init__(self, window: WindowHost) -> None:
        super().__init__(window)  # the host is the main window, a QObject too: this lives as long as it
        self.window = window
        self.settings = window.settings
        self.document = window.document
        self.recovery = RecoveryStore(self.settings.recovery_folder())
        self.exporter = _ExportRunner(self)
        self.exporter.completed.connect(lambda done: self._on_export_done(done.error))
        self._progress: QProgressDialog | None = None
        self._export_target: Path | None = None
        self._cancelled = False
        self.last_export_error = ""
        self._pending: list = []
        self.recovery_box: QMessageBox | None = None

        def act(text: str, slot, shortcut=None, tip: str = "") -> QAction:
            return make_action(window, text, slot, shortcut, tip)

        self.new_action = act("&New", window.new_project, QKeySequence.StandardKey.New, "Start again from the default project")
        self.open_action = act("&Open…", window.open_dialog, QKeySequence.StandardKey.Open, "Open a .nnstudio or .json project")
        self.save_action = act("&Save", window.save, QKeySequence.StandardKey.Save, "Save the project")
        self.save_as_action = act("Save &As…", window.save_as, QKeySequence.StandardKey.SaveAs, "Save the project under a new name")
        self.quit_action = act("&Quit", window.close, QKeySequence.StandardKey.Quit, "Close nnstudio")
        self.import_weights_action = act("&Import Weights…", self.import_weights_dialog, None,
                                         "Load weights from a .safetensors file or a PyTorch state_dict (.pt/.pth)")
        # Named apart from the Training tab's Resume (which ends a pause): this one carries on a run that was cut off.
        self.resume_checkpoint_action = act("Resume from &Checkpoint…", self.resume_checkpoint_dialog, None,
                                            "Carry on an interrupted training run from the last checkpoint kept "
                                            "beside its project file (Training tab: Checkpoint every N epochs)")
        self.export_weights_action = act("Export &Weights (safetensors)…", self.export_weights_dialog, None,
                                         "Save the trained weights as a .safetensors file")
        onnx_tip = "Save the trained network as an ONNX model" if onnx_available() else ONNX_HELP
        self.export_onnx_action = act("Export Model as &ONNX…", self.export_onnx_dialog, None, onnx_tip)
        self.export_program_action = act("Export Model as torch.&export Program…", self.export_program_dialog, None,
                                         "Save the trained network as a torch.export program (.pt2) that PyTorch can load and run")
        self.preferences_action = act("&Preferences…", self.show_preferences, "Ctrl+,",
                                      "Device, autosave, font size, theme, recent files, folders")
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.export_code_action: QAction | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setObjectName("autosaveTimer")
        self.autosave_timer.timeout.connect(self.autosave)

    def build_menu(self, bar: QMenuBar, more: Callable[[QMenu], None] | None = None) -> QMenu:
        """The whole File menu: projects, templates and recent files, import, resume, export, preferences
        (``more`` adds its own entries before Quit)."""
        menu = bar.addMenu("&File")
        menu.addActions([self.new_action, self.open_action])
        self.template_menu = menu.addMenu("New from &template")
        self.fill_template_menu()
        self.recent_menu = menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        menu.addSeparator()
        menu.addActions([self.save_action, self.save_as_action])
        menu.addSeparator()
        menu.addAction(self.import_weights_action)
        menu.addAction(self.resume_checkpoint_action)
        self.export_menu = menu.addMenu("&Export")
        self.export_menu.addActions([self.export_weights_action, self.export_onnx_action, self.export_program_action])
        if importlib.util.find_spec("nnstudio.core.export.codegen") is not None:
            self._add_export_code(self.export_menu)
        menu.addSeparator()
        menu.addAction(self.preferences_action)
        if more is not None:
            more(menu)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        return menu

    def fill_template_menu(self) -> None:
        from nnstudio.core.project.templates import catalogue

        for template in catalogue().values():  # the templates, then the examples that ship weights
            action = self.template_menu.addAction(template.title, lambda _=False, n=template.name: self.window.new_from_template(n))
            action.setStatusTip(template.description)
            action.setToolTip(template.description)

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        if not files:
            empty = self.recent_menu.addAction("No recent projects")
            empty.setEnabled(False)
            return
        for path in files:
            self.recent_menu.addAction(Path(path).name, lambda p=path: self.window.open_path(Path(p))).setToolTip(path)

    def _add_export_code(self, menu: QMenu) -> None:
        """Export code is the architecture editor's feature; offered here when its module is present."""
        from nnstudio.core.export import codegen

        if not hasattr(codegen, "export_project"):
            return
        self.export_code_action = make_action(self.window, "Export as PyTorch &Code…", self.export_code_dialog, None,
                                                      "Save the network, data and training loop as a runnable PyTorch script")
        menu.addAction(self.export_code_action)

    def start(self) -> None:
        """Called once the window is built: autosave, run hooks, preferences, and the recovery offer."""
        self.window.ctx.run_finished.connect(self.on_run_finished)
        self.apply_preferences(startup=True)
        QTimer.singleShot(0, self, self.offer_recovery)  # context: never fires after the window is gone

    # ------------------------------------------------------------------ preferences
    @Slot()
    def show_preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self.window)
        dialog.applied.connect(self.apply_preferences)
        dialog.open()
        self.preferences_dialog = dialog

    @Slot()
    def apply_preferences(self, startup: bool = False) -> None:
        minutes = self.settings.autosave_minutes()
        if minutes > 0:
            self.autosave_timer.start(minutes * 60_000)
        else:
            self.autosave_timer.stop()
        theme, scale = self.settings.theme(), self.settings.font_scale()
        if not startup or theme != "light" or abs(scale - 1.0) > 1e-6:
            apply_appearance(theme, scale)

    # ------------------------------------------------------------------ drag and drop
    @staticmethod
    def dropped_file(urls: list[QUrl]) -> Path | None:
        """The first local file a drop holds that nnstudio can open (a project or weights)."""
        for url in urls:
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if path.suffix.lower() in PROJECT_SUFFIXES + WEIGHT_SUFFIXES:
                    return path
        return None

    def open_dropped(self, path: Path) -> None:
        if path.suffix.lower() in PROJECT_SUFFIXES:
            self.window.open_path(path)
        else:
            self.import_weights_from(path)

    # ------------------------------------------------------------------ import
    @Slot()
    def import_weights_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Import weights", self.settings.default_folder("exports"), WEIGHTS_FILTER)
        if path:
            self.import_weights_from(Path(path))

    def import_weights_from(self, path: Path) -> bool:
        """Load weights into the current architecture; on any problem say why and change nothing."""
        if self.window.busy_training():
            return False
        notes: list[str] = []
        try:
            module = self.document.fresh_model()  # loaded into: not the document's shared module
            weights = import_weights(path, module, notes)
        except Exception as exc:  # noqa: BLE001 - show_error explains ours and logs any other
            show_error(self.window, "Cannot import weights", exc)
            return False
        self.document.set_trained(weights, {})
        said = f" ({'; '.join(notes)})" if notes else ""
        self.window.show_status(f"Imported {len(weights)} tensors from {path.name}{said}", 10000 if notes else 5000)
        return True

    # ------------------------------------------------------------------ resume
    @Slot()
    def resume_checkpoint_dialog(self) -> None:
        start = str(self.document.path or self.settings.default_folder("projects"))
        path, _ = QFileDialog.getOpenFileName(self.window, "Resume training from a checkpoint", start, SAVE_FILTER)
        if path:
            self.resume_checkpoint_from(Path(path))

    def resume_checkpoint_from(self, path: Path) -> bool:
        """Open ``path`` (unless it is the open project) and let the Training tab resume its run's checkpoint."""
        same = self.document.path is not None and self.document.path.resolve() == path.resolve()
        if self.window.busy_training() or (not same and not self.window.open_path(path)):
            return False
        self.window.ctx.show_tab_requested.emit("training")
        return self.window.panel("training").resume_checkpoint()

    # ------------------------------------------------------------------ export
    def _ask_export_path(self, title: str, suffix: str, filter_text: str) -> Path | None:
        start = str(Path(self.settings.default_folder("exports")) / f"{self.document.project.name}{suffix}")
        path, _ = QFileDialog.getSaveFileName(self.window, title, start, filter_text)
        if not path:
            return None
        target = Path(path)
        return target if target.suffix.lower() == suffix else target.with_name(target.name + suffix)

    def _trained(self):
        module = self.document.trained_model()
        if module is None:
            raise ExportError("There is no trained network to export yet; train it (or import weights) first")
        return module, example_input(self.document.bundle().train.x)

    @Slot()
    def export_weights_dialog(self) -> None:
        if not self.document.project.weights:
            show_error(self.window, "Nothing to export", "There are no trained weights yet; train the network (or import weights) first.")
            return
        path = self._ask_export_path("Export weights", ".safetensors", "safetensors (*.safetensors)")
        if path is None:
            return
        try:
            export_safetensors(self.document.project.weights, path)
        except NNStudioError as exc:
            show_error(self.window, "Cannot export weights", exc)
            return
        self._exported(path)

    @Slot()
    def export_onnx_dialog(self) -> None:
        if not onnx_available():
            show_error(self.window, "ONNX export needs an extra", ONNX_HELP)
            return
        self._export_model("Export ONNX model", ".onnx", "ONNX model (*.onnx)", export_onnx)

    @Slot()
    def export_program_dialog(self) -> None:
        self._export_model("Export torch.export program", ".pt2", "torch.export program (*.pt2)", export_program)

    @Slot()
    def export_code_dialog(self) -> None:
        """The architecture editor's own Export code dialog when it has one, else the same export here."""
        panel_dialog = getattr(self.window.panel("architecture"), "export_code_dialog", None)
        if callable(panel_dialog):
            panel_dialog()
            return
        from nnstudio.core.export.codegen import export_project
        from nnstudio.gui import code_export_dialog

        start = str(Path(self.settings.default_folder("exports")) / f"{self.document.project.name}.py")
        chosen = code_export_dialog.ask_code_export(self.window, start, "Export PyTorch code")
        if chosen is None:
            return
        path, exact = chosen
        try:
            export_project(self.document.project, path, self.document.base_dir, exact=exact)
        except NNStudioError as exc:
            show_error(self.window, "Cannot export code", exc)
            return
        self._exported(path)

    def _export_model(self, title: str, suffix: str, filter_text: str, export) -> None:
        if self.exporting:
            return
        try:
            module, example = self._trained()
        except NNStudioError as exc:
            show_error(self.window, "Nothing to export", exc)
            return
        path = self._ask_export_path(title, suffix, filter_text)
        if path is None:
            return
        self._run_export(title, path, lambda: export(module, example, path))

    @property
    def exporting(self) -> bool:
        return self.exporter.running

    def _run_export(self, title: str, path: Path, work: Callable[[], object]) -> None:
        self._export_target, self._cancelled = path, False
        progress = QProgressDialog(f"{title}: tracing the network…", "Cancel", 0, 0, self.window)
        progress.setObjectName("exportProgress")
        progress.setWindowTitle(title)
        progress.setMinimumDuration(300)
        progress.canceled.connect(self.cancel_export)
        self._progress = progress
        self.exporter.start(work)

    @Slot()
    def cancel_export(self) -> None:
        # An exporter cannot be interrupted midway; the result is thrown away when it returns.
        self._cancelled = True
        self.window.show_status("Export cancelled; finishing the current step…", 4000)

    @Slot(str)
    def _on_export_done(self, error: str) -> None:
        if self._progress is not None:
            self._progress.reset()
            self._progress.deleteLater()
            self._progress = None
        target = self._export_target
        if self._cancelled:
            if target is not None and not error:
                target.unlink(missing_ok=True)
            error = "cancelled"
        elif error:
            show_error(self.window, "Export failed", error)
        elif target is not None:
            self._exported(target)
        self.last_export_error = error
        self.export_finished.emit(error)

    def _exported(self, path: Path) -> None:
        self.settings.set_last_folder(str(path.resolve().parent))
        self.window.show_status(f"Exported {path.name}", 5000)

    # ------------------------------------------------------------------ runs and autosave
    @Slot(object)
    def on_run_finished(self, outcome) -> None:
        """Keep the run in the project's history (with its weights), then autosave a recovery copy."""
        result = getattr(outcome, "result", None)
        project = self.document.project
        if result is not None and outcome.history:
            already = project.runs and project.runs[-1].history == outcome.history  # another view kept it
            if not already:
                fitted = None
                with contextlib.suppress(NNStudioError):  # the run trained on this bundle: it exists
                    fitted = pipeline_state(self.document.bundle().pipeline)
                # Per-epoch snapshots come through the Runs tab's recorder, which keeps its runs in project.runs.
                record_run(project, outcome.history, outcome.weights, status=result.status, seconds=result.seconds,
                           fitted_preprocessing=fitted)
        self.autosave(force=True)

    @Slot()
    def autosave(self, force: bool = False) -> bool:
        """Write the recovery copy when there is unsaved work. Never interrupts the user with a dialog."""
        if not (force or self.document.modified):
            return False
        try:
            self.recovery.save(self.document.project, self.document.path)
        except NNStudioError as exc:
            log.warning("autosave failed: %s", exc)
            self.window.show_status(f"Autosave failed: {exc}", 6000)
            return False
        return True

    @Slot()
    def offer_recovery(self) -> None:
        """After an unclean exit: offer each leftover recovery copy, newest first.

        The question is window-modal but non-blocking (``open()``), so start-up never stalls on it."""
        self._pending = self.recovery.leftovers()
        self._offer_next()

    def _offer_next(self) -> None:
        if not self._pending:
            self.recovery_box = None
            return
        entry = self._pending[0]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Restore unsaved work?",
            "nnstudio did not close properly last time. An autosaved copy of your work exists:\n\n"
            f"{entry.describe()}\n\nRestore it? (No deletes the copy.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.setObjectName("recoveryOffer")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(self._on_recovery_answer)
        self.recovery_box = box
        box.open()

    @Slot(object)
    def _on_recovery_answer(self, button) -> None:
        box, entry = self.recovery_box, self._pending.pop(0)
        restore = box is not None and box.standardButton(button) == QMessageBox.StandardButton.Yes
        if restore and self.restore_entry(entry):
            self._pending = []  # one project is open at a time; older copies stay for the next launch
        elif not restore:
            self.recovery.remove(entry)
        self._offer_next()

    def restore_entry(self, entry) -> bool:
        try:
            project = self.recovery.restore(entry)
        except Exception as exc:  # noqa: BLE001 - show_error explains ours and logs any other
            show_error(self.window, "Cannot restore", exc)
            self.recovery.remove(entry)  # unusable: do not offer it again
            return False
        self.window.ctx.undo_stack.clear()
        source = entry.source if entry.source and entry.source.suffix.lower() == ".nnstudio" else None
        self.document.replace(project, source)
        self.document.set_modified(True)  # the restored work is not in its file yet
        self.recovery.remove(entry)
        self.autosave(force=True)
        show_notes(self.window, project)
        self.window.show_status(f"Restored {project.name} from the recovery copy; save it to keep it", 8000)
        return True

    def shutdown(self) -> None:
        """Clean exit: stop the timer, finish an export, remove the recovery copy."""
        self.autosave_timer.stop()
        if self.exporter.running:
            self._cancelled = True
            self.exporter.shutdown(timeout_ms=None)  # an exporter cannot be interrupted: let it finish
        self.recovery.discard()
