"""The open project as an observable document: the one object every view listens to.

Views never poke at each other; they change the document through its methods (or through undoable
commands that call them) and redraw when it emits. What is derived from the project lives here, made once
per change: the prepared data (:class:`~nnstudio.core.data.assemble.PreparedData`: raw rows, split, fitted
preprocessing, tensors, raw view) and the built network. ``revision`` goes up on every change, so a view can
tell whether what it shows is current; until it does, every view gets the very same objects.

The functions at the bottom do the same for the CLI, where there is no document: :func:`load_model` prepares
a project's data (through the preprocessing its saved weights were trained with) and builds its network.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from pathlib import Path

from torch import nn

from nnstudio.core.arch.adapt import adapt_project
from nnstudio.core.arch.builder import BuiltModel, build, output_need
from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.core.arch.weights import apply_weights
from nnstudio.core.base.errors import DataError, NNStudioError, ShapeError
from nnstudio.core.base.events import Event
from nnstudio.core.base.registry import LOSSES
from nnstudio.core.data.assemble import PreparedData, prepare
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle, RawDataset
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.generative.gan import TwoNetworks
from nnstudio.core.project.spec import Project, default_project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.engine import new_model, output_size
from nnstudio.core.workspace.fitted_state import data_for_weights

log = logging.getLogger(__name__)


class DataPendingError(NNStudioError):
    """The data is not loaded yet (start-up paints the window first); views show it and wait."""


class ProjectDocument:
    def __init__(self, project: Project | None = None, path: Path | None = None) -> None:
        self.project = project or default_project()
        self.path = path
        self.modified = False
        self.revision = 0  # goes up on every change of data, architecture, training settings or weights
        self.project_replaced = Event()  # () a new or opened project: every view rebuilds
        self.architecture_changed = Event()  # ()
        self.data_changed = Event()  # () the DataSpec changed; the prepared data is rebuilt lazily
        self.training_changed = Event()  # ()
        self.weights_changed = Event()  # () new trained weights or history
        self.modified_changed = Event()  # (bool)
        self._prepared: PreparedData | None = None
        self._data_error: NNStudioError | None = None
        self._built: BuiltModel | None = None
        self._built_error: ShapeError | None = None
        self._data_deferred = False  # see defer_data

    # ------------------------------------------------------------------ whole project
    def replace(self, project: Project, path: Path | None = None, prepared: PreparedData | None = None) -> None:
        """Open ``project``. ``prepared`` is its data already prepared (by the check on opening), kept when it
        was prepared from this spec and folder, so a large file is not read twice."""
        self.project = project
        self.path = path
        self._data_deferred = False
        self._forget(data=True)
        if prepared is not None and prepared.spec == project.data and prepared.base_dir == self.base_dir:
            self._prepared = prepared
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

    def _forget(self, *, data: bool = False, model: bool = True) -> None:
        """A change: a new revision, and the derived objects it makes stale are made again on first use."""
        self.revision += 1
        if data:
            self._prepared, self._data_error = None, None
        if data or model:
            self._built, self._built_error = None, None

    # ------------------------------------------------------------------ parts
    def set_architecture(self, spec: ArchitectureSpec) -> None:
        self.project.architecture = spec
        self._forget()
        self.architecture_changed.emit()
        self.set_modified(True)

    def set_data(self, spec: DataSpec, prepared: PreparedData | None = None) -> None:
        """Switch data; raise (and keep the old data) when the new spec cannot be loaded.

        ``prepared`` is ``spec`` already prepared (in a loader thread), so it is not prepared twice."""
        prepared = prepared if prepared is not None else prepare(spec, self.base_dir)
        self.project.data = spec
        self._forget(data=True)
        self._prepared = prepared
        self.data_changed.emit()
        self.set_modified(True)

    def set_training(self, spec: TrainSpec) -> None:
        batch_changed = spec.batch_size != self.project.training.batch_size
        self.project.training = spec
        self._forget(model=batch_changed)  # the batch size decides whether the network fits in memory
        self.training_changed.emit()
        self.set_modified(True)

    def set_trained(self, weights: dict, history: dict[str, list[float]]) -> None:
        self.project.weights = weights
        self.project.history = history
        self._forget(model=False)  # same network, new weights: what built() returns stays
        self.weights_changed.emit()
        self.set_modified(True)

    # ------------------------------------------------------------------ derived
    def prepared(self) -> PreparedData:
        """The current data, prepared on first use and then the same object until the data changes; raises
        the loading error again until then."""
        if self._data_deferred:
            raise DataPendingError("The data is still loading; it appears in a moment")
        if self._prepared is None:
            if self._data_error is not None:
                raise self._data_error
            try:
                self._prepared = prepare(self.project.data, self.base_dir)
            except NNStudioError as exc:
                self._data_error = exc
                raise
        return self._prepared

    @property
    def current_prepared(self) -> PreparedData | None:
        """The prepared data held now, without preparing it (None before first use or while deferred)."""
        return None if self._data_deferred else self._prepared

    def bundle(self) -> DataBundle:
        """The current data's tensors (those of :meth:`prepared`)."""
        return self.prepared().bundle

    def reusable_raw(self, spec: DataSpec) -> RawDataset | None:
        """The examples already read when ``spec`` reads the same source as the current data (only its steps or
        split differ), so editing them does not read a large file again; else None."""
        prepared = self._prepared
        return prepared.raw if prepared is not None and prepared.reads_same_source(spec, self.base_dir) else None

    # The app paints its window before loading the first project's data (importing scikit-learn and
    # reading a dataset take seconds); views meanwhile see DataPendingError, then a project_replaced.
    def defer_data(self) -> None:
        """Make :meth:`prepared` raise :class:`DataPendingError` until :meth:`load_deferred_data`."""
        self._data_deferred = True

    @property
    def data_deferred(self) -> bool:
        return self._data_deferred

    def load_deferred_data(self) -> None:
        """End the deferral: every view rebuilds (and so loads the data) as for a new project."""
        if self._data_deferred:
            self._data_deferred = False
            self._forget(data=True)
            self.project_replaced.emit()

    def built(self) -> BuiltModel:
        """The architecture built for the current data, made once per change of architecture, data or training
        settings. Raises ShapeError when it does not fit the data or its output does not fit the task, or
        (ModelTooBigError) when training it with the project's batch size would not fit in memory.

        Every caller gets the same object: read its shapes, counts and layers, never train or load weights into
        its ``module`` (use :meth:`fresh_model` or :meth:`trained_model` for a module of your own)."""
        bundle = self.bundle()
        if self._built is None:
            if self._built_error is not None:
                raise self._built_error
            try:
                self._built = build_for(self.project, bundle)
            except ShapeError as exc:
                self._built_error = exc
                raise
        return self._built

    def fresh_model(self) -> nn.Module:
        """A new module of the current network, initialised from the project's seed, for a run of its own."""
        return new_model(copy.deepcopy(self.built().module), self.project.training.seed)

    def trained_model(self) -> nn.Module | None:
        """A new module holding the project's trained weights, in eval mode, or None before training."""
        if not self.project.weights:
            return None
        module = self.fresh_model()
        apply_weights(module, self.project.weights)
        return module.eval()


# ---------------------------------------------------------------------------- without a document (CLI)
def build_for(project: Project, bundle: DataBundle) -> BuiltModel:
    """The project's architecture for this data, checked against its task and (at the project's batch size)
    against the free memory; weights as the layers initialise them."""
    if project.gan is not None:  # two networks: GanSession builds them
        raise TwoNetworks()
    return build(project.architecture, bundle.input_shape, need=output_need(bundle), batch_size=project.training.batch_size)


def build_model(project: Project, bundle: DataBundle, *, load_weights: bool = True) -> BuiltModel:
    """The project's network for this data, freshly seeded, or with the project's saved weights."""
    built = build_for(project, bundle)
    new_model(built.module, project.training.seed)
    if load_weights and project.weights:
        apply_weights(built.module, project.weights)
    return built


@dataclass
class LoadedModel:
    """A project's prepared data and its network, ready to train, evaluate or explain."""

    data: PreparedData
    built: BuiltModel
    notes: list[str] = field(default_factory=list)  # what the user should know (also logged as warnings)

    @property
    def bundle(self) -> DataBundle:
        return self.data.bundle


def load_model(project: Project, base_dir: Path | None = None, *, load_weights: bool = True) -> LoadedModel:
    """The project's data and network; with saved weights, the data goes through the preprocessing they were
    trained with (stored in the project), so changed data is scored as the weights expect."""
    with_stored = load_weights and bool(project.weights)
    data, notes = data_for_weights(project, base_dir, use_stored=with_stored)
    if not load_weights:  # fresh weights (training): the sizes follow the data, as in the window and in info
        notes += adapt_project(project, data.bundle)
    built = build_model(project, data.bundle, load_weights=load_weights)
    if with_stored:
        _check_classes_fit(project, data.bundle, built.module)
    for note in notes:  # only once the data is usable: a refusal is the one thing to read
        log.warning(note)
    return LoadedModel(data, built, notes)


def check_weights_fit(project: Project, base_dir: Path | None) -> PreparedData | None:
    """Refuse weights that do not fit the architecture, naming each tensor. When the data or the
    architecture cannot be built yet (a moved data file, a shape to fix) the check waits for training.

    Returns the data it prepared (None without weights or when it could not), for the document to keep."""
    if not project.weights:
        return None
    try:
        prepared = prepare(project.data, base_dir)
    except (DataError, ShapeError):
        return None
    try:
        module = build(project.architecture, prepared.bundle.input_shape).module
    except ShapeError:
        return prepared
    apply_weights(module, project.weights)
    return prepared


def _check_classes_fit(project: Project, bundle: DataBundle, module: nn.Module) -> None:
    """Trained weights on data whose classes changed (a CSV that gained a class) would fail deep inside the
    metrics; name the mismatch here, in the loss's own words."""
    if bundle.task != CLASSIFICATION or len(bundle.train) == 0:
        return
    try:
        n_outputs = output_size(module, bundle.train.x[:2])
    except Exception:  # noqa: BLE001 - a network that cannot run this data is reported where it runs
        return
    entry = LOSSES.get(project.training.loss)
    problem = entry.obj.problem(entry.validate(project.training.loss_params, "training.loss_params"),
                                bundle.task, n_outputs, bundle.num_classes)
    if problem:
        classes = ", ".join(repr(c) for c in bundle.class_names[:8]) + (" ..." if len(bundle.class_names) > 8 else "")
        raise DataError(f"The trained weights do not fit this data ({bundle.num_classes} classes: {classes}): {problem}; "
                        "restore the data they were trained on, or train again")
