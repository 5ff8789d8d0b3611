"""Choosing the data: any built-in dataset with its parameters, or the user's own file or folder.

The form is generated from the dataset registry's Params; a CSV's target and feature columns are offered from
the file's header. Loading runs in a thread with progress and Cancel, then goes to the document with
``set_data``; on failure the error is shown and the previous data stays loaded.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import NNStudioError, format_shape
from nnstudio.core.base.registry import DATASETS, Entry, Param
from nnstudio.core.data import files, tables
from nnstudio.core.data.assemble import PreparedData
from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.data.drawn import decode_points
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.workspace.document import DataPendingError
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.data.worker import DataPreparer
from nnstudio.gui.threads import Completion
from nnstudio.gui.widgets.param_form import CheckedDoubleSpinBox, CheckedSpinBox, RefusalNote

FILE_CATEGORY = "Your files"
MAX_CLASSES_SHOWN = 24
KIND_LABELS = {tables.NUMERIC: "number", tables.CATEGORICAL: "text → categories"}


def ask_open_path(parent: QWidget, entry: Entry, start: str) -> str:
    """Ask for the file or folder a file source reads; '' when cancelled. Tests replace QFileDialog's calls."""
    title = f"Open {entry.title}"
    if entry.extra.get("file_mode") == "folder":
        return QFileDialog.getExistingDirectory(parent, title, start)
    path, _ = QFileDialog.getOpenFileName(parent, title, start, entry.extra.get("file_filter", "All files (*)"))
    return path


# ---------------------------------------------------------------------------- the widget
class DataSourceWidget(QWidget):
    """Pick a dataset (or open a file), set its parameters, load it into the document."""

    data_applied = Signal()  # the document now holds the chosen data
    load_failed = Signal(str)  # the message shown to the user; the old data stays

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataSource")
        self.ctx = ctx
        self.entry: Entry | None = None
        self.editors: dict[str, QWidget] = {}
        self._hidden_values: dict[str, Any] = {}  # parameters edited outside the form, passed through
        self._columns: list[tuple[str, str]] = []  # a table's (name, kind), for the column choices
        self._embedded_text = ""
        self.loader = DataPreparer(self)
        self.loader.progress.connect(self._on_progress)
        self.loader.completed.connect(self._on_loaded)

        self.source_combo = QComboBox()
        self.source_combo.setObjectName("dataSourceCombo")
        self.source_combo.setToolTip("The dataset to learn from: a built-in one, or your own file through Open file…")
        self.source_combo.setMaxVisibleItems(30)
        self.source_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for category, entries in DATASETS.categories().items():
            self.source_combo.addItem(category or "Other")
            header = self.source_combo.model().item(self.source_combo.count() - 1)
            header.setEnabled(False)  # a group heading, not a choice
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            for entry in entries:
                self.source_combo.addItem(entry.title, entry.name)
                self.source_combo.setItemData(self.source_combo.count() - 1, entry.help, Qt.ItemDataRole.ToolTipRole)
        self.source_combo.currentIndexChanged.connect(self._on_source_picked)

        # A push button, not a tool button: Qt's Fusion style draws a tool button's menu arrow over its text.
        self.open_button = QPushButton("Open file…")
        self.open_button.setObjectName("openDataFileButton")
        self.open_button.setToolTip("Open your own table, image folder, MNIST/CIFAR folder or NumPy arrays")
        self.open_menu = QMenu(self.open_button)
        self.open_actions: dict[str, Any] = {}
        for entry in DATASETS.categories().get(FILE_CATEGORY, []):
            action = self.open_menu.addAction(f"{entry.title}…")
            action.setToolTip(entry.help)
            action.triggered.connect(lambda _=False, name=entry.name: self.open_file(name))
            self.open_actions[entry.name] = action
        self.open_button.setMenu(self.open_menu)

        top = QHBoxLayout()
        pick_label = QLabel("&Dataset:")
        pick_label.setBuddy(self.source_combo)
        top.addWidget(pick_label)
        top.addWidget(self.source_combo, 1)
        top.addWidget(self.open_button)

        self.help_label = QLabel()
        self.help_label.setObjectName("dataSourceHelp")
        self.help_label.setWordWrap(True)
        self.help_label.setTextFormat(Qt.TextFormat.PlainText)

        self.params_box = QGroupBox("Settings")
        self.form = QFormLayout(self.params_box)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.apply_button = QPushButton("Load data")
        self.apply_button.setObjectName("applyDataButton")
        self.apply_button.setDefault(True)
        self.apply_button.setToolTip("Load the dataset with these settings; the current data stays if it fails")
        self.apply_button.clicked.connect(self.apply)
        self.progress = QProgressBar()
        self.progress.setObjectName("dataLoadProgress")
        self.progress.setTextVisible(True)
        self.progress.setFormat("Loading… %p%")
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelDataLoadButton")
        self.cancel_button.clicked.connect(self.loader.cancel)
        self.cancel_button.hide()
        actions = QHBoxLayout()
        actions.addWidget(self.apply_button)
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.cancel_button)
        actions.addStretch(0)

        self.missing_frame = QFrame()
        self.missing_frame.setObjectName("missingFileBanner")
        self.missing_frame.setStyleSheet("#missingFileBanner { background: #fff4ce; border: 1px solid #e0c060; border-radius: 4px; }")
        self.missing_label = QLabel()
        self.missing_label.setWordWrap(True)
        self.locate_button = QPushButton("Locate…")
        self.locate_button.setObjectName("locateDataButton")
        self.locate_button.clicked.connect(self.locate_missing)
        banner = QHBoxLayout(self.missing_frame)
        banner.addWidget(self.missing_label, 1)
        banner.addWidget(self.locate_button)
        self.missing_frame.hide()

        self.summary = QLabel()
        self.summary.setObjectName("dataSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.help_label)
        layout.addWidget(self.params_box)
        layout.addLayout(actions)
        layout.addWidget(self.missing_frame)
        layout.addWidget(self.summary)

        doc = ctx.document
        doc.project_replaced.connect(self._on_project_replaced)
        doc.data_changed.connect(self.sync_from_document)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        ctx.training_active_changed.connect(self._on_training_active)
        self._on_training_active(ctx.training_active)  # the tab may first open during a run
        self.sync_from_document()

    # ------------------------------------------------------------------ document -> widget
    def sync_from_document(self) -> None:
        spec = self.ctx.document.project.data
        self._select(spec.source, spec.params)
        self.refresh_summary()

    def _on_project_replaced(self) -> None:
        self.sync_from_document()
        self.point_to_missing_file()

    def point_to_missing_file(self) -> None:
        if self.missing_frame.isVisibleTo(self):
            # A project whose data file moved: bring the user here, where Locate… asks for it.
            self.ctx.show_tab_requested.emit("data")
            self.ctx.status_message.emit("The project's data file is missing; locate it on the Data tab", 0)

    def _select(self, name: str, values: dict[str, Any]) -> None:
        index = self.source_combo.findData(name)
        self.source_combo.blockSignals(True)
        self.source_combo.setCurrentIndex(index)
        self.source_combo.blockSignals(False)
        self._build_form(DATASETS.get(name), values)

    def refresh_summary(self) -> None:
        doc = self.ctx.document
        entry = DATASETS.get(doc.project.data.source)
        self.missing_frame.hide()
        try:
            bundle = doc.bundle()
        except DataPendingError:
            self.summary.setText(f"<b>{html.escape(entry.title)}</b>: loading…")
            return
        except files.MissingFileError as exc:
            self.missing_label.setText(f"<b>The data file is missing.</b> {html.escape(str(exc))}")
            self.missing_frame.show()
            self.summary.setText(f"<b>{html.escape(entry.title)}</b>: not loaded.")
            return
        except NNStudioError as exc:
            self.summary.setText(f"<b>{html.escape(entry.title)}</b><p style='color:#b00020'>{html.escape(str(exc))}</p>")
            return
        self.summary.setText(summary_html(entry, bundle))

    # ------------------------------------------------------------------ the form
    def _on_source_picked(self, index: int) -> None:
        name = self.source_combo.itemData(index)
        if not name:
            return
        current = self.ctx.document.project.data
        entry = DATASETS.get(name)
        self._build_form(entry, current.params if current.source == name else entry.defaults())

    def _build_form(self, entry: Entry, values: dict[str, Any]) -> None:
        self.entry = entry
        self.help_label.setText(" ".join(entry.help.split()))  # the registry text is wrapped for source code
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        self._hidden_values = {}
        values = {**entry.defaults(), **values}
        self._embedded_text = values.get("embedded", "") if entry.name == "csv" else ""
        if entry.name == "csv":
            self._columns = self._csv_columns(values)
        for p in entry.params:
            editor = self._make_editor(entry, p, values[p.name])
            if editor is None:
                continue
            label = QLabel(p.title)
            label.setToolTip(p.help)
            self.form.addRow(label, editor)
        self.note = RefusalNote()  # why a typed number was refused (a plain spin box would clamp it silently)
        for editor in self.editors.values():
            self.note.watch(editor)
        self.form.addRow(self.note)
        if self.form.rowCount() == 1:
            self.form.addRow(QLabel("This dataset has no settings."))

    def _make_editor(self, entry: Entry, p: Param, value: Any) -> QWidget | None:
        if p.name in entry.extra.get("hidden_params", ()):
            # Edited elsewhere (a drawing's points on the preview canvas): a summary, never the raw string.
            self._hidden_values[p.name] = value
            note = QLabel(hidden_param_summary(entry, p, value))
            note.setObjectName(f"param_{p.name}")
            note.setWordWrap(True)
            note.setToolTip(p.help)
            return note
        if p.name == "path" and "file_mode" in entry.extra:
            line = QLineEdit(str(value))
            line.setObjectName("param_path")
            line.setToolTip(p.help)
            line.setPlaceholderText("choose with Browse…")
            browse = QPushButton("Browse…")
            browse.setObjectName("browseDataButton")
            browse.clicked.connect(self._browse)
            box = QWidget()
            box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(line, 1)
            row.addWidget(browse)
            self.editors[p.name] = line
            return box
        if entry.name == "csv" and p.name == "target":
            combo = QComboBox()
            combo.setEditable(True)
            names = [name for name, _ in self._columns]
            combo.addItems(names)
            combo.setCurrentText(value or (names[-1] if names else ""))
            combo.currentTextChanged.connect(self._on_target_changed)
            editor: QWidget = combo
        elif entry.name == "csv" and p.name == "features":
            editor = QListWidget()
            editor.setMaximumHeight(120)
            self.editors[p.name] = editor
            self._fill_features(value)
        elif entry.name == "csv" and p.name == "embedded":
            editor = QCheckBox("Store in the project")
            editor.setChecked(bool(value))
        elif p.type is bool:
            editor = QCheckBox()
            editor.setChecked(bool(value))
        elif p.type is int:
            editor = CheckedSpinBox(p.title)
            editor.setRange(int(p.minimum if p.minimum is not None else -(2**31)), int(p.maximum if p.maximum is not None else 2**31 - 1))
            editor.setValue(int(value))
            if p.minimum == 0 and p.name == "limit":
                editor.setSpecialValueText("all")
        elif p.type is float:
            editor = CheckedDoubleSpinBox(p.title)
            editor.setDecimals(3)
            editor.setSingleStep(0.05 if (p.maximum or 10) <= 2 else 0.1)
            editor.setRange(p.minimum if p.minimum is not None else -1e9, p.maximum if p.maximum is not None else 1e9)
            editor.setValue(float(value))
        elif p.choices:
            editor = QComboBox()
            editor.addItems(list(p.choices))
            editor.setCurrentText(str(value))
        else:
            editor = QLineEdit(str(value))
        editor.setObjectName(f"param_{p.name}")
        editor.setToolTip(p.help)
        self.editors[p.name] = editor
        return editor

    def _csv_columns(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        """(name, kind) of the chosen table's columns from its first lines, or [] while none is readable."""
        if values.get("embedded"):
            return tables.peek_columns(None, values["embedded"], values.get("delimiter", "auto"))
        try:
            path = files.resolve_path(values.get("path", ""), self.ctx.document.base_dir, "table")
        except NNStudioError:
            return []
        return tables.peek_columns(path, delimiter=values.get("delimiter", "auto"))

    def _fill_features(self, value: str) -> None:
        box = self.editors.get("features")
        if not isinstance(box, QListWidget):
            return
        chosen = {f.strip() for f in value.split(",") if f.strip()}
        target = self._target()
        box.clear()
        for name, kind in self._columns:
            if name == target:
                continue
            item = QListWidgetItem(f"{name}  ({KIND_LABELS.get(kind, 'unclear')})")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(item.text())  # the whole name: the settings column is narrow and cuts long ones
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if not chosen or name in chosen else Qt.CheckState.Unchecked)
            box.addItem(item)

    def _target(self) -> str:
        combo = self.editors.get("target")
        return combo.currentText().strip() if isinstance(combo, QComboBox) else ""

    def _on_target_changed(self, _text: str) -> None:
        self._fill_features(self._features_value())

    def _features_value(self) -> str:
        box = self.editors.get("features")
        if not isinstance(box, QListWidget):
            return ""
        items = [box.item(i) for i in range(box.count())]
        checked = [it.data(Qt.ItemDataRole.UserRole) for it in items if it.checkState() == Qt.CheckState.Checked]
        return "" if len(checked) == len(items) else ",".join(checked)

    def values(self) -> dict[str, Any]:
        """The form's parameter values, as the DataSpec stores them."""
        out: dict[str, Any] = dict(self._hidden_values)
        for name, editor in self.editors.items():
            if name == "features" and isinstance(editor, QListWidget):
                out[name] = self._features_value()
            elif name == "embedded" and isinstance(editor, QCheckBox):
                out[name] = self._embedded_text if editor.isChecked() else ""
            elif isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                out[name] = editor.value()
            elif isinstance(editor, QComboBox):
                out[name] = editor.currentText().strip()
            elif isinstance(editor, QLineEdit):
                out[name] = editor.text().strip()
        return out

    # ------------------------------------------------------------------ files
    def _start_folder(self) -> str:
        base = self.ctx.document.base_dir
        return str(base) if base else str(Path.home())

    def _browse(self) -> None:
        if self.entry is not None:
            self.open_file(self.entry.name)

    def open_file(self, source: str) -> None:
        """Ask for a file or folder for ``source``, fill the form from it and load it."""
        entry = DATASETS.get(source)
        chosen = ask_open_path(self, entry, self._start_folder())
        if chosen:
            self.use_path(source, Path(chosen))

    def use_path(self, source: str, path: Path) -> None:
        """Point ``source`` at ``path`` (stored relative to the project where possible) and load it."""
        entry = DATASETS.get(source)
        values = entry.defaults()
        if self.entry is not None and self.entry.name == source:
            values.update(self.values())
        values["path"] = files.project_relative(path, self.ctx.document.base_dir)
        if source == "csv":
            values.update(target="", features="", embedded="")
        if source == "mnist_family" and path.is_dir():
            values["variant"], values["emnist_split"] = files.guess_idx_variant(path)
        self._select(source, values)
        self.apply()

    def locate_missing(self) -> None:
        """The project's data file is missing: ask where it is now and reload."""
        spec = self.ctx.document.project.data
        self._select(spec.source, spec.params)
        self.open_file(spec.source)

    # ------------------------------------------------------------------ applying
    def spec_for(self, source: str, params: dict[str, Any]) -> DataSpec:
        """The DataSpec to load: the split and seed stay; preprocessing stays only for the same source,
        since steps fitted for one kind of input (columns, images) rarely fit another."""
        current = self.ctx.document.project.data
        steps = [s for s in current.preprocessing] if source == current.source else []
        return DataSpec(source, params, steps, current.split, current.seed).copy()

    def apply(self) -> None:
        if self.entry is None or self.loader.running:
            return
        if self.ctx.training_active:
            show_error(self, "Training in progress", "Stop the current run on the Training tab before changing the data.")
            return
        params = self.values()
        if self.entry.name == "csv" and params.get("embedded") == "" and self._embed_checked():
            try:
                params["embedded"] = self._embedded_text = tables.embed_text(
                    files.resolve_path(params["path"], self.ctx.document.base_dir, "table")
                )
            except NNStudioError as exc:
                self._fail(exc)
                return
        try:
            params = self.entry.validate(params, "data.params")
        except NNStudioError as exc:
            self._fail(exc)
            return
        self._set_busy(True)
        self.loader.start(self.spec_for(self.entry.name, params), self.ctx.document.base_dir)

    def _embed_checked(self) -> bool:
        box = self.editors.get("embedded")
        return isinstance(box, QCheckBox) and box.isChecked()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    @Slot(object)
    def _on_loaded(self, completion: Completion) -> None:
        self._set_busy(False)
        if completion.cancelled:
            self.ctx.status_message.emit(completion.error, 5000)
            self.sync_from_document()
            # said on the tab too: the status bar's message is gone in 5 s and easy to miss on a projector
            self.summary.setText(f"<p style='color:#8a5a00'><b>{html.escape(completion.error)}</b></p>{self.summary.text()}")
            return
        if completion.exception is not None:
            self._fail(completion.exception)
            return
        prepared: PreparedData = completion.result
        try:
            self.ctx.document.set_data(prepared.spec, prepared)
        except NNStudioError as exc:  # a view refusing the new data; the document keeps the old
            self._fail(exc)
            return
        shape = format_shape(prepared.bundle.input_shape)
        self.ctx.status_message.emit(f"Loaded {DATASETS.get(prepared.spec.source).title}: {shape} inputs", 5000)
        self.data_applied.emit()

    def _fail(self, error: BaseException) -> None:
        message = str(error) if isinstance(error, NNStudioError) else f"{type(error).__name__}: {error}"
        show_error(self, "Cannot load the data", error)
        self.load_failed.emit(message)

    def _set_busy(self, busy: bool) -> None:
        if busy:
            self.refresh_summary()  # a note of the last load (it was cancelled) must not stand beside the next one
        self.progress.setRange(0, 0)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        for w in (self.apply_button, self.source_combo, self.open_button, self.params_box):
            w.setEnabled(not busy)

    def _on_training_active(self, active: bool) -> None:
        self.apply_button.setEnabled(not active)
        self.open_button.setEnabled(not active)

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Join a load in progress (the window is closing)."""
        return self.loader.shutdown(timeout_ms)


def hidden_param_summary(entry: Entry, p: Param, value: Any) -> str:
    """What a parameter edited outside the form holds, in words (a drawing: its points and classes)."""
    if entry.name == "drawn" and p.name == "points":
        try:
            _xy, labels = decode_points(str(value))
        except NNStudioError:
            return "The drawing cannot be read; clear it and draw again on the canvas."
        classes = len(set(labels.tolist()))
        return (f"{len(labels)} point{'s' if len(labels) != 1 else ''} in {classes} class{'es' if classes != 1 else ''}"
                " — edit them on the canvas")
    return "Edited outside this form."


def summary_html(entry: Entry, bundle: DataBundle) -> str:
    """What the chosen data holds, in a few lines a class can read from the projector."""
    sizes = f"{len(bundle.train)} train / {len(bundle.validation)} validation / {len(bundle.test)} test"
    extra = "".join(f" / {len(s)} {html.escape(name)}" for name, s in bundle.extra.items())
    total = len(bundle.train) + len(bundle.validation) + len(bundle.test) + sum(len(s) for s in bundle.extra.values())
    if bundle.class_names:
        shown = ", ".join(bundle.class_names[:MAX_CLASSES_SHOWN])
        more = f" … ({len(bundle.class_names) - MAX_CLASSES_SHOWN} more)" if len(bundle.class_names) > MAX_CLASSES_SHOWN else ""
        classes = f"<b>{len(bundle.class_names)} classes:</b> {html.escape(shown)}{more}"
    else:
        classes = "<b>Target:</b> a number (regression)"
    missing = bundle.meta.get("missing") or {}
    hint = ""
    if missing:
        cols = ", ".join(f"{html.escape(k)} ({v})" for k, v in list(missing.items())[:6])
        hint = (
            f"<p style='color:#8a5a00'><b>Missing values</b> in {cols}: add an imputation step under "
            f"preprocessing; until then Train is refused.</p>"
        )
    # what the reader noticed (an image folder: unreadable files left out, read from the decoded cache)
    notes = "".join(f"<p style='color:#555'>{html.escape(n)}</p>" for n in bundle.meta.get("notes") or [])
    return (
        f"<h3 style='margin:0'>Loaded: {html.escape(entry.title)}</h3>"
        f"<p>{html.escape(bundle.description)}</p>"
        f"<p><b>Samples:</b> {total:,} ({sizes}{extra}) · <b>Input shape:</b> {format_shape(bundle.input_shape)} · "
        f"<b>Task:</b> {bundle.task}</p><p>{classes}</p>{hint}{notes}"
    )
