"""The Architecture tab: a palette of layers, the editable stack with live shapes, a property form and a diagram.

Every edit goes through the undo stack as a core command; the panel redraws from the document whenever
the architecture or the data changes, so the shapes and counts are always those of the current network.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.arch.adapt import needed_outputs, plan_adaptation
from nnstudio.core.arch.builder import BuiltModel, OutputShapeError, build_partial
from nnstudio.core.arch.commands import (
    EditCommand,
    InsertLayer,
    LayerPath,
    MoveLayer,
    RemoveLayer,
    ReplaceArchitecture,
    SetParams,
    SetPinned,
    duplicate,
    layer_at,
    move_target,
    new_layer,
    sibling_list,
)
from nnstudio.core.arch.spec_file import load_architecture, save_architecture
from nnstudio.core.arch.validation import fit_to_data, fix_command
from nnstudio.core.base.errors import NNStudioError, ShapeError, format_shape
from nnstudio.core.base.registry import LAYERS
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.network_follows_data import sentence
from nnstudio.gui.panels.architecture.networks import NetworkSelector
from nnstudio.gui.panels.architecture.palette import LayerPalette
from nnstudio.gui.panels.architecture.stack import LayerStackView
from nnstudio.gui.panels.architecture.transfer import TransferControls
from nnstudio.gui.panels.architecture.undo import ArchitectureUndoCommand
from nnstudio.gui.presentation import mark_side_panel
from nnstudio.gui.widgets.network_diagram import NetworkDiagram
from nnstudio.gui.widgets.param_form import ParamForm

ARCH_FILTER = "Architecture (*.json);;All files (*)"


class ArchitecturePanel(QWidget):
    # The user picked a template here; the window replaces the project (it owns New/Open).
    template_requested = Signal(str)
    project_requested = Signal(object, object)  # a ready Project (the EMNIST variant), opened like a template, and its PreparedData or None

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("architecture")
        self.ctx = ctx
        self.document = ctx.document
        self.built: BuiltModel | None = None
        self.shape_error: ShapeError | None = None
        self.bundle: DataBundle | None = None
        self._selected: LayerPath | None = None

        self.networks = NetworkSelector(self.document)  # a GAN's generator / discriminator
        self.networks.changed.connect(self.refresh)
        self.palette = LayerPalette()
        self.palette.add_requested.connect(self.add_layer)
        self.stack = LayerStackView()
        self.stack.itemSelectionChanged.connect(self._on_selection_changed)
        self.stack.kind_dropped.connect(self._on_kind_dropped)
        self.stack.layer_dropped.connect(self._on_layer_dropped)

        self._make_actions()
        self._build_layout()

        # New data also adapts the network's sizes (nnstudio.gui.network_follows_data), which redraws us again.
        for signal in (self.document.project_replaced, self.document.architecture_changed, self.document.data_changed):
            signal.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _make_actions(self) -> None:
        def action(text: str, shortcut: str | QKeySequence, slot, tip: str) -> QAction:
            a = QAction(text, self)
            a.setShortcut(shortcut)
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.setToolTip(f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
            a.triggered.connect(slot)
            self.stack.addAction(a)
            return a

        self.delete_action = action("Delete", QKeySequence(Qt.Key.Key_Delete), self.delete_selected, "Remove the selected layer")
        self.duplicate_action = action("Duplicate", "Ctrl+D", self.duplicate_selected, "Insert a copy of the selected layer below it")
        self.move_up_action = action("Move up", "Alt+Up", self.move_selected_up, "Move the selected layer one place up")
        self.move_down_action = action("Move down", "Alt+Down", self.move_selected_down, "Move the selected layer one place down")
        # No shortcut: the menu and the settings pane's checkbox are where a teacher looks for it.
        self.pin_action = QAction("Pin sizes", self)
        self.pin_action.setCheckable(True)
        self.pin_action.setToolTip("Keep this layer's sizes when the dataset changes (otherwise the first layer's inputs "
                                   "and the last layer's outputs follow the data)")
        self.pin_action.triggered.connect(self.set_selected_pinned)
        self.stack.addAction(self.pin_action)
        self.transfer = TransferControls(self)  # the Frozen checkbox and action, Load weights from project
        self.stack.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)  # right-click: these actions

    def _tool(self, action: QAction, name: str) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setObjectName(name)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def _build_layout(self) -> None:
        # Left: the palette.
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        palette_title = QLabel("<b>Layers</b> — double-click or drag onto the stack")
        palette_title.setWordWrap(True)
        left_layout.addWidget(palette_title)
        left_layout.addWidget(self.palette, 1)

        # Centre: data line, tool row, stack / diagram, error banner, totals.
        self.input_label = QLabel()
        self.input_label.setObjectName("inputShapeLabel")
        self.input_label.setWordWrap(True)
        self.input_label.setTextFormat(Qt.TextFormat.RichText)
        self.fit_button = QPushButton("Fit to data")
        self.fit_button.setObjectName("fitButton")
        self.fit_button.setToolTip("Set the first layer's inputs and the last layer's outputs to the current dataset "
                                   "(done by itself when the dataset changes; pinned layers keep their sizes)")
        self.fit_button.clicked.connect(self.fit_to_data)
        data_row = QHBoxLayout()
        data_row.addWidget(self.networks)
        data_row.addWidget(self.input_label, 1)
        data_row.addWidget(self.fit_button)

        tools = QHBoxLayout()
        self.delete_button = self._tool(self.delete_action, "deleteButton")
        self.duplicate_button = self._tool(self.duplicate_action, "duplicateButton")
        self.move_up_button = self._tool(self.move_up_action, "moveUpButton")
        self.move_down_button = self._tool(self.move_down_action, "moveDownButton")
        for b in (self.delete_button, self.duplicate_button, self.move_up_button, self.move_down_button):
            tools.addWidget(b)
        tools.addStretch(1)
        # Push buttons, not tool buttons: Qt's Fusion style draws a tool button's menu arrow over its text.
        self.templates_button = QPushButton("Templates")
        self.templates_button.setObjectName("templatesButton")
        self.templates_button.setToolTip("Start a new project from a ready-made network and its dataset")
        self.templates_menu = QMenu(self.templates_button)
        self.templates_button.setMenu(self.templates_menu)
        self._fill_templates_menu()
        self.file_button = QPushButton("Save / export")
        self.file_button.setObjectName("archFileButton")
        self.file_button.setToolTip("Save or load the network alone as JSON, or export the diagram as PNG or SVG")
        file_menu = QMenu(self.file_button)
        self.save_arch_action = file_menu.addAction("Save architecture as JSON…", self.save_architecture_dialog)
        self.load_arch_action = file_menu.addAction("Load architecture from JSON…", self.load_architecture_dialog)
        self.load_weights_action = file_menu.addAction("Load weights from project…", self.transfer.load_weights_dialog)
        file_menu.addSeparator()
        self.export_code_action = file_menu.addAction("Export as PyTorch code…", self.export_code_dialog)
        file_menu.addSeparator()
        self.export_png_action = file_menu.addAction("Export diagram as PNG…", self.export_png_dialog)
        self.export_svg_action = file_menu.addAction("Export diagram as SVG…", self.export_svg_dialog)
        self.file_button.setMenu(file_menu)
        tools.addWidget(self.templates_button)
        tools.addWidget(self.file_button)

        self.views = QTabWidget()
        self.views.setObjectName("architectureViews")
        self.views.addTab(self.stack, "Stack")
        self.diagram = NetworkDiagram()
        self.views.addTab(self.diagram, "Diagram")

        self.error_frame = QFrame()
        self.error_frame.setObjectName("shapeErrorFrame")
        self.error_frame.setStyleSheet("#shapeErrorFrame { background: #ffe5e5; border: 1px solid #d33; border-radius: 4px; }")
        self.error_label = QLabel()
        self.error_label.setObjectName("shapeErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #8b0000;")
        self.fix_button = QPushButton("Apply fix")
        self.fix_button.setObjectName("applyFixButton")
        self.fix_button.clicked.connect(self.apply_fix)
        error_layout = QHBoxLayout(self.error_frame)
        error_layout.addWidget(self.error_label, 1)
        error_layout.addWidget(self.fix_button)
        self.error_frame.hide()

        self.totals = QLabel()
        self.totals.setObjectName("totalsLabel")
        self.totals.setWordWrap(True)
        self.totals.setTextFormat(Qt.TextFormat.RichText)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addLayout(data_row)
        centre_layout.addLayout(tools)
        centre_layout.addWidget(self.views, 1)
        centre_layout.addWidget(self.error_frame)
        centre_layout.addWidget(self.totals)

        # Right: the selected layer's settings and explanation.
        self.form_box = QGroupBox("Selected layer")
        self.form_box.setObjectName("propertiesBox")
        self.form = ParamForm()
        self.form.param_edited.connect(self._on_param_edited)
        self.explanation = QTextBrowser()
        self.explanation.setObjectName("layerExplanation")
        self.explanation.setOpenLinks(False)
        self.pin_check = QCheckBox("Pin sizes (keep them when the dataset changes)")
        self.pin_check.setObjectName("pinCheck")
        self.pin_check.setToolTip(self.pin_action.toolTip())
        self.pin_check.clicked.connect(self.set_selected_pinned)
        self.pin_check.hide()
        form_layout = QVBoxLayout(self.form_box)
        form_layout.addWidget(self.pin_check)
        form_layout.addWidget(self.transfer.check)
        form_layout.addWidget(self.form)
        form_layout.addWidget(self.explanation, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("architectureSplitter")
        mark_side_panel(splitter, 0)  # presentation mode folds the layer palette: the network gets the room
        splitter.addWidget(left)
        splitter.addWidget(centre)
        splitter.addWidget(self.form_box)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([200, 700, 300])
        splitter.setChildrenCollapsible(False)
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)

    def _fill_templates_menu(self) -> None:
        try:
            from nnstudio.core.project.templates import catalogue
        except ImportError:  # templates arrive with their own module
            self.templates_button.setEnabled(False)
            return
        for template in catalogue().values():  # the templates, then the examples that ship weights
            action = self.templates_menu.addAction(template.title, lambda name=template.name: self.template_requested.emit(name))
            action.setToolTip(template.description)
            action.setStatusTip(template.description)
        self.templates_menu.addSeparator()
        self.emnist_action = self.templates_menu.addAction("SimpleNN on my EMNIST folder (784 → 128 → 47)…", self.emnist_template_dialog)
        self.emnist_action.setStatusTip("The lecture's network on EMNIST balanced, read from a folder you already have (nothing is downloaded)")
        self.transfer.add_template_action(self.templates_menu, self.emnist_action)

    @Slot()
    def emnist_template_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the EMNIST idx files", self._folder())
        if folder:
            self.open_emnist_template(folder)

    def open_emnist_template(self, folder: str) -> bool:
        """Switch to the lecture's SimpleNN on the EMNIST files in ``folder``; on a bad folder, explain and keep
        the current project."""
        from nnstudio.core.data.assemble import prepare
        from nnstudio.core.project.templates import simple_nn_emnist

        project = simple_nn_emnist(folder)
        try:
            prepared = prepare(project.data)  # checks every file before the project is replaced; the document keeps it
        except NNStudioError as exc:
            show_error(self, "Cannot use this EMNIST folder", exc)
            return False
        self.project_requested.emit(project, prepared)
        return True

    # ------------------------------------------------------------------ redraw
    @property
    def spec(self):
        return self.networks.spec()

    @Slot()
    def refresh(self) -> None:
        """Rebuild the network for the current data and show every layer's facts (or the first misfit)."""
        self.built, self.shape_error, infos = None, None, []
        data_problem = ""
        try:
            self.bundle = self.document.bundle()
        except NNStudioError as exc:
            self.bundle = None
            data_problem = str(exc)
        if self.bundle is not None:
            self.built, infos, self.shape_error = build_partial(
                self.spec, self.networks.input_shape(self.bundle), batch_size=self.document.project.training.batch_size,
                need=self.networks.need(self.bundle),
            )
        # Signals stay blocked while the rows are rebuilt: a transient "nothing selected" would tear down
        # the property form, possibly the very spin box whose key press caused this refresh.
        self.stack.blockSignals(True)
        try:
            self.stack.show_layers(self.spec.layers, infos, self.shape_error)
            self.diagram.show_network(self.networks.input_shape(self.bundle) if self.bundle else None, self.spec.layers, infos, self.shape_error)
            keep = self._selected if self._selected is not None and self.stack.item_at_path(self._selected) else None
            self.stack.select_path(keep)
        finally:
            self.stack.blockSignals(False)
        self._show_input()
        self._show_error(data_problem)
        self._show_totals()
        self._on_selection_changed()
        self._update_actions()

    def _needed_outputs(self) -> int | None:
        return None if self.bundle is None else needed_outputs(self.bundle)

    def _show_input(self) -> None:
        b = self.bundle
        if b is None:
            self.input_label.setText("<b>No data loaded.</b> Choose a dataset on the Data tab.")
            self.fit_button.setEnabled(False)
            return
        if (gan_text := self.networks.input_text(b, self.built)) is not None:  # a GAN's networks: noise or a sample in
            return self.input_label.setText(gan_text), self.fit_button.setEnabled(False)
        needed = self._needed_outputs()
        what = f"{b.num_classes} classes" if b.task == CLASSIFICATION else f"regression, {needed} target(s)"
        text = f"<b>Input {format_shape(b.input_shape)}</b> ({html.escape(b.input_kind)}) · {what} · {html.escape(b.description)}"
        plan = plan_adaptation(self.spec, b.input_shape, needed)
        if self.built is not None and needed and self.built.output_shape and self.built.output_shape[-1] != needed:
            text += (f"<br><span style='color:#a15c00'>The network ends with {self.built.output_shape[-1]} outputs but the data "
                     f"needs {needed}" + (": press <i>Fit to data</i>.</span>" if plan.command else ".</span>"))
        for kept in plan.kept:  # a pin is why the network does not follow the data: say so where the sizes are
            text += f"<br><span style='color:#a15c00'>{html.escape(sentence(kept))}.</span>"
        self.input_label.setText(text)
        self.fit_button.setEnabled(plan.command is not None)

    def _show_error(self, data_problem: str) -> None:
        if data_problem:
            self.error_label.setText(f"<b>The data cannot be loaded:</b> {html.escape(data_problem)}")
            self.fix_button.hide()
            self.error_frame.show()
        elif self.shape_error is not None:
            exc = self.shape_error
            fix = ", ".join(f"{k} = {v}" for k, v in exc.fix.items())
            text = f"<b>{html.escape(str(exc))}</b>"
            if fix:
                text += f"<br>Suggested fix: set {html.escape(fix)}."
            self.error_label.setText(text)
            # An output that does not fit the task is fixed by a layer, not by a value: offered, never applied by itself.
            flatten = isinstance(exc, OutputShapeError) and fix_command(exc) is not None
            self.fix_button.setText("Insert Flatten" if flatten else "Apply fix")
            self.fix_button.setVisible(bool(exc.fix) or flatten)
            self.fix_button.setToolTip(
                f"Insert a Flatten layer before layer {exc.index} (undo with Ctrl+Z)" if flatten
                else f"Set {fix} on layer {exc.index}" if fix else ""
            )
            self.error_frame.show()
        else:
            self.error_label.clear()
            self.error_frame.hide()

    def _show_totals(self) -> None:
        b = self.built
        if b is None:
            self.totals.setText("<b>Totals:</b> — (the network does not fit the data yet)" if self.bundle is not None else "")
            return
        self.totals.setText(
            f"<span style='font-size:large'><b>{b.total_params:,}</b> parameters · <b>{b.trainable_params:,}</b> trainable / "
            f"<b>{b.frozen_params:,}</b> frozen · "
            f"<b>{b.size_kb:,.1f} KB</b> · <b>{b.macs:,}</b> multiply-accumulates per sample · "
            f"output {format_shape(b.output_shape)}</span>"
        )

    # ------------------------------------------------------------------ selection and form
    def selected_path(self) -> LayerPath | None:
        return self.stack.selected_path()

    def select(self, path: LayerPath | None) -> None:
        self._selected = path
        self.stack.select_path(path)

    @Slot()
    def _on_selection_changed(self) -> None:
        path = self.stack.selected_path()
        if path is not None:
            self._selected = path
        self._update_actions()
        self.pin_check.setVisible(path is not None)
        self.transfer.show_for(path)
        if path is None:
            self.form_box.setTitle("Selected layer")
            self.form.set_entry(None)
            self.explanation.setHtml(
                "<p>Select a layer to see its settings and what it does.</p>"
                "<p>Double-click a layer in the palette to add it below the selected one (inside it, for a residual "
                "block), or drag it to a place in the stack. Drag rows to reorder them.</p>"
            )
            return
        layer = layer_at(self.spec, path)
        entry = LAYERS.get(layer.kind)
        self.pin_check.setChecked(layer.pinned)
        self.form_box.setTitle(f"Layer {'.'.join(str(i + 1) for i in path)}: {entry.title}")
        self.form.set_entry(entry, layer.params)
        params = "".join(f"<li><b>{html.escape(p.title)}</b>: {html.escape(p.help)}</li>" for p in entry.params)
        self.explanation.setHtml(
            f"<h3>{html.escape(entry.title)}</h3><p>{html.escape(entry.help)}</p>" + (f"<ul>{params}</ul>" if params else "")
        )

    def _update_actions(self) -> None:
        path = self.stack.selected_path()
        has = path is not None
        self.delete_action.setEnabled(has)
        self.duplicate_action.setEnabled(has)
        self.move_up_action.setEnabled(has and path[-1] > 0)
        self.move_down_action.setEnabled(has and path[-1] < len(sibling_list(self.spec, path)) - 1)
        self.pin_action.setEnabled(has)
        pinned = has and layer_at(self.spec, path).pinned
        self.pin_action.setChecked(pinned)
        self.pin_action.setText("Unpin sizes" if pinned else "Pin sizes")

    @Slot(str, object)
    def _on_param_edited(self, name: str, value: object) -> None:
        path = self.stack.selected_path()
        if path is None:
            return
        if layer_at(self.spec, path).params.get(name) == value:
            return
        self.push(SetParams(path, {name: value}))

    # ------------------------------------------------------------------ edits
    def push(self, command: EditCommand) -> bool:
        """Apply ``command`` through the undo stack; a command that cannot apply is explained, not pushed."""
        try:
            command.apply(self.spec.copy())  # dry run: a failing edit never reaches the stack
        except NNStudioError as exc:
            show_error(self, "Cannot change the network", exc)
            return False
        self.ctx.undo_stack.push(ArchitectureUndoCommand(self.document, command, self.select, self.networks.network))
        return True

    def insertion_point(self) -> LayerPath:
        """Where a new layer goes: below the selected one, inside a selected block, or at the end."""
        path = self.stack.selected_path()
        if path is None:
            return (len(self.spec.layers),)
        layer = layer_at(self.spec, path)
        if layer.children is not None:
            return (*path, len(layer.children))
        return (*path[:-1], path[-1] + 1)

    @Slot(str)
    def add_layer(self, kind: str, path: LayerPath | None = None) -> None:
        self.push(InsertLayer(self.insertion_point() if path is None else tuple(path), new_layer(kind)))

    @Slot()
    def delete_selected(self) -> None:
        path = self.stack.selected_path()
        if path is not None:
            self._selected = None
            self.push(RemoveLayer(path))

    @Slot()
    def duplicate_selected(self) -> None:
        path = self.stack.selected_path()
        if path is not None:
            self.push(duplicate(self.spec, path))

    @Slot()
    def move_selected_up(self) -> None:
        path = self.stack.selected_path()
        if path is not None and path[-1] > 0:
            self.push(MoveLayer(path, (*path[:-1], path[-1] - 1)))

    @Slot()
    def move_selected_down(self) -> None:
        path = self.stack.selected_path()
        if path is not None and path[-1] < len(sibling_list(self.spec, path)) - 1:
            self.push(MoveLayer(path, (*path[:-1], path[-1] + 1)))

    @Slot(str, tuple, int)
    def _on_kind_dropped(self, kind: str, parent: tuple, row: int) -> None:
        self.add_layer(kind, (*parent, row))

    @Slot(tuple, tuple, int)
    def _on_layer_dropped(self, source: tuple, parent: tuple, row: int) -> None:
        if parent[: len(source)] == tuple(source):
            self.ctx.status_message.emit("A block cannot be dropped inside itself", 4000)
            return
        target = move_target(tuple(source), tuple(parent), row)
        if target != tuple(source):
            self.push(MoveLayer(tuple(source), target))

    @Slot()
    def fit_to_data(self) -> None:
        if self.bundle is None:
            return
        command = fit_to_data(self.spec, self.bundle.input_shape, self._needed_outputs())
        if command is not None:
            self.push(command)

    @Slot(bool)
    def set_selected_pinned(self, pinned: bool) -> None:
        path = self.stack.selected_path()
        if path is not None and layer_at(self.spec, path).pinned != pinned:
            self.push(SetPinned(path, pinned))

    @Slot()
    def apply_fix(self) -> None:
        if self.shape_error is not None and (command := fix_command(self.shape_error)) is not None:
            self.push(command)

    def replace_architecture(self, spec, label: str) -> None:
        self.push(ReplaceArchitecture(spec, label))

    # ------------------------------------------------------------------ files
    def _folder(self) -> str:
        return self.ctx.settings.last_folder()

    @Slot()
    def save_architecture_dialog(self) -> None:
        start = str(Path(self._folder()) / f"{self.spec.name}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save architecture", start, ARCH_FILTER)
        if path:
            try:
                save_architecture(self.spec, path)
            except NNStudioError as exc:
                show_error(self, "Cannot save the architecture", exc)
                return
            self.ctx.status_message.emit(f"Saved the architecture to {Path(path).name}", 4000)

    @Slot()
    def load_architecture_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load architecture", self._folder(), ARCH_FILTER)
        if path:
            try:
                spec = load_architecture(path)
            except NNStudioError as exc:
                show_error(self, "Cannot load the architecture", exc)
                return
            self.replace_architecture(spec, f"Load {Path(path).name}")

    def _export_diagram(self, suffix: str) -> None:
        start = str(Path(self._folder()) / f"{self.spec.name or 'network'}.{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, f"Export diagram as {suffix.upper()}", start, f"{suffix.upper()} image (*.{suffix})")
        if not path:
            return
        target = Path(path) if Path(path).suffix.lower() == f".{suffix}" else Path(path).with_suffix(f".{suffix}")
        try:
            if suffix == "png":
                self.diagram.export_png(target)
            else:
                self.diagram.export_svg(target, self.spec.name)
        except OSError as exc:
            show_error(self, "Cannot export the diagram", f"{exc}; choose another folder or name")
            return
        self.ctx.status_message.emit(f"Saved the diagram as {target.name}", 4000)

    @Slot()
    def export_png_dialog(self) -> None:
        self._export_diagram("png")

    @Slot()
    def export_svg_dialog(self) -> None:
        self._export_diagram("svg")

    @Slot()
    def export_code_dialog(self) -> None:
        from nnstudio.core.export.codegen import export_project
        from nnstudio.gui import code_export_dialog

        start = str(Path(self._folder()) / f"{self.spec.name.replace(' ', '_').lower() or 'network'}.py")
        chosen = code_export_dialog.ask_code_export(self, start)  # the file, and idiomatic or exact
        if chosen is None:
            return
        path, exact = chosen
        try:
            written = export_project(self.document.project, Path(path), self.document.base_dir, exact=exact)
        except NNStudioError as exc:
            show_error(self, "Cannot export the code", exc)
            return
        names = ", ".join(p.name for p in written)
        self.ctx.status_message.emit(f"Exported {names}: run it with python {Path(path).name}", 6000)

    def shutdown(self, timeout_ms: int | None = 30_000) -> bool:
        """The Panel protocol: this tab runs no thread of its own."""
        return True
