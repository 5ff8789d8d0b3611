"""The open project as an observable document: the one object every view listens to.

Views never poke at each other; they change the document through its methods (or through undoable
commands that call them) and redraw when it emits. The data bundle and the trained model are derived
and cached here, so each tab sees the same tensors and the same weights.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from nnstudio.core.arch.builder import BuiltModel, build, output_need
from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.events import Signal
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.spec import Project, default_project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.engine import new_model
from nnstudio.core.workspace.session import apply_weights


class DataPendingError(NNStudioError):
    """The data is not loaded yet (start-up paints the window first); views show it and wait."""


class ProjectDocument:
    def __init__(self, project: Project | None = None, path: Path | None = None) -> None:
        self.project = project or default_project()
        self.path = path
        self.modified = False
        self.project_replaced = Signal()  # () a new or opened project: every view rebuilds
        self.architecture_changed = Signal()  # ()
        self.data_changed = Signal()  # () the DataSpec changed; the bundle is rebuilt lazily
        self.training_changed = Signal()  # ()
        self.weights_changed = Signal()  # () new trained weights or history
        self.modified_changed = Signal()  # (bool)
        self._bundle: DataBundle | None = None
        self._bundle_error: NNStudioError | None = None
        self._data_deferred = False  # see defer_data

    # ------------------------------------------------------------------ whole project
    def replace(self, project: Project, path: Path | None = None) -> None:
        self.project = project
        self.path = path
        self._data_deferred = False
        self._bundle, self._bundle_error = None, None
        self.project_replaced.emit()
        self.set_modified(False)

    def set_modified(self, modified: bool) -> None:
        if modified != self.modified:
            self.modified = modified
            self.modified_changed.emit(modified)

    @property
    def base_dir(self) -> Path | None:
        """Where relative data paths start: the project file's folder."""
        return self.path.resolve().parent if self.path else None

    # ------------------------------------------------------------------ parts
    def set_architecture(self, spec: ArchitectureSpec) -> None:
        self.project.architecture = spec
        self.architecture_changed.emit()
        self.set_modified(True)

    def set_data(self, spec: DataSpec, bundle: DataBundle | None = None) -> None:
        """Switch data; raise (and keep the old data) when the new spec cannot be loaded.

        ``bundle`` is ``spec`` already built (e.g. in a loader thread), so it is not built twice."""
        bundle = bundle if bundle is not None else build_data(spec, self.base_dir)
        self.project.data = spec
        self._bundle, self._bundle_error = bundle, None
        self.data_changed.emit()
        self.set_modified(True)

    def set_training(self, spec: TrainSpec) -> None:
        self.project.training = spec
        self.training_changed.emit()
        self.set_modified(True)

    def set_trained(self, weights: dict, history: dict[str, list[float]]) -> None:
        self.project.weights = weights
        self.project.history = history
        self.weights_changed.emit()
        self.set_modified(True)

    # ------------------------------------------------------------------ derived
    def bundle(self) -> DataBundle:
        """The current data, built on first use; raises the loading error again until the data changes."""
        if self._data_deferred:
            raise DataPendingError("The data is still loading; it appears in a moment")
        if self._bundle is None:
            if self._bundle_error is not None:
                raise self._bundle_error
            try:
                self._bundle = build_data(self.project.data, self.base_dir)
            except NNStudioError as exc:
                self._bundle_error = exc
                raise
        return self._bundle

    # The app paints its window before loading the first project's data (importing scikit-learn and
    # reading a dataset take seconds); views meanwhile see DataPendingError, then a project_replaced.
    def defer_data(self) -> None:
        """Make :meth:`bundle` raise :class:`DataPendingError` until :meth:`load_deferred_data`."""
        self._data_deferred = True

    @property
    def data_deferred(self) -> bool:
        return self._data_deferred

    def load_deferred_data(self) -> None:
        """End the deferral: every view rebuilds (and so loads the data) as for a new project."""
        if self._data_deferred:
            self._data_deferred = False
            self.project_replaced.emit()

    def built(self) -> BuiltModel:
        """The architecture built for the current data (fresh weights); raises ShapeError when it does not fit
        the data or its output does not fit the task, or (ModelTooBigError) when training it with the project's
        batch size would not fit in memory, as :func:`nnstudio.core.workspace.session.build_model` checks."""
        bundle = self.bundle()
        return build(self.project.architecture, bundle.input_shape, need=output_need(bundle),
                     batch_size=self.project.training.batch_size)

    def trained_model(self) -> nn.Module | None:
        """A new module holding the project's trained weights, in eval mode, or None before training."""
        if not self.project.weights:
            return None
        module = new_model(self.built().module, self.project.training.seed)
        apply_weights(module, self.project.weights)
        return module.eval()
