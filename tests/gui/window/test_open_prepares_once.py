"""Opening a project prepares its data once: the data the weights check (File > Open) or the template's folder
check prepared is the one the document keeps, so a large file is not read and fitted twice."""

from __future__ import annotations

from helpers_data_counts import count_data_work, reset
from helpers_idx import write_emnist_balanced

from nnstudio.core.arch.adapt import adapt_project
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.document import ProjectDocument


def _trained_iris_file(path):
    project = default_project()
    project.data = DataSpec("iris")
    doc = ProjectDocument(project)
    adapt_project(project, doc.bundle())
    project.weights = snapshot_weights(doc.fresh_model())
    save_project(project, path)
    return path


def test_opening_a_project_with_weights_reads_and_fits_its_data_once(main_window, monkeypatch, tmp_path):
    path = _trained_iris_file(tmp_path / "iris.nnstudio")
    counts = count_data_work(monkeypatch)
    assert main_window.open_path(path, confirmed=True)
    prepared = main_window.document.prepared()  # what every view reads
    assert prepared.bundle.input_shape == (4,) and main_window.document.project.weights
    assert counts == {"reads": 1, "fits": 1}


def test_a_changed_project_after_open_still_prepares_its_own_data(main_window, monkeypatch, tmp_path):
    """The handed-over data belongs to the opened file: a later data change prepares anew."""
    main_window.open_path(_trained_iris_file(tmp_path / "iris.nnstudio"), confirmed=True)
    counts = count_data_work(monkeypatch)
    spec = main_window.document.project.data.copy()
    spec.source = "wine"
    main_window.document.set_data(spec)
    assert main_window.document.prepared().bundle.input_shape == (13,)
    assert counts["reads"] == 1


def test_the_emnist_template_reads_its_folder_once(main_window, monkeypatch, tmp_path):
    folder = write_emnist_balanced(tmp_path)
    counts = count_data_work(monkeypatch)
    reset(counts)
    assert main_window.architecture_panel.open_emnist_template(str(folder))
    assert main_window.document.project.name == "SimpleNN on EMNIST (balanced)"
    assert main_window.document.prepared().bundle.input_shape == (1, 28, 28)
    assert counts == {"reads": 1, "fits": 1}
