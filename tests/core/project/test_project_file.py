"""The .nnstudio file: what it holds, how older files migrate, and every bad file refused with a reason."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest
import torch

from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.base.errors import NNStudioError, ProjectFileError, SpecError
from nnstudio.core.project import file_format as project_io
from nnstudio.core.project.file_format import (
    PickleRefusedError,
    estimate_size,
    load_project,
    pipeline_state,
    restore_pipeline,
    save_project,
)
from nnstudio.core.project.spec import (
    PROJECT_JSON,
    SCHEMA_VERSION,
    WEIGHTS,
    Project,
    default_project,
    record_run,
)
from nnstudio.core.workspace.document import check_weights_fit, load_model


@pytest.fixture(scope="module")
def trained():
    """The default project after a (fake, instant) run: real weights, curves, two snapshots, fitted preprocessing."""
    project = default_project()
    project.data.preprocessing = []
    prepared = load_model(project)
    weights = snapshot_weights(prepared.built.module)
    later = {k: v + 1 for k, v in weights.items()}
    history = {"epoch": [1.0, 2.0], "train_loss": [1.2, 0.7], "val_loss": [1.3, 0.9], "val_accuracy": [0.5, 0.75]}
    record_run(project, history, later, snapshots={1: weights, 2: later}, seconds=1.5,
               fitted_preprocessing=pipeline_state(prepared.bundle.pipeline))
    return project


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _project_json(**changes) -> bytes:
    data = default_project().to_dict()
    data.update(changes)
    return json.dumps(data).encode()


# ---------------------------------------------------------------------------- round trips
def test_everything_round_trips_without_snapshots_unless_asked(tmp_path, trained):
    path = tmp_path / "p.nnstudio"
    save_project(trained, path)
    loaded = load_project(path)
    assert loaded.to_dict()["runs"][0]["snapshot_epochs"] == []  # not asked for: not written
    run = loaded.runs[0]
    assert (run.id, run.name, run.epochs, run.seconds) == (1, "Run 1", 2, 1.5)
    assert run.history == trained.runs[0].history
    assert run.metrics == {"train_loss": 0.7, "val_loss": 0.9, "val_accuracy": 0.75}
    assert run.training.to_dict() == trained.training.to_dict()
    for name, tensor in trained.weights.items():
        assert torch.equal(loaded.weights[name], tensor)
        assert torch.equal(run.weights[name], tensor)
    assert loaded.history == trained.history

    with_snaps = tmp_path / "s.nnstudio"
    save_project(trained, with_snaps, include_snapshots=True)
    snaps = load_project(with_snaps).runs[0].snapshots
    assert sorted(snaps) == [1, 2]
    assert all(torch.equal(snaps[1][k], v) for k, v in trained.runs[0].snapshots[1].items())
    with zipfile.ZipFile(with_snaps) as zf:
        names = zf.namelist()
        assert all(zf.getinfo(n).compress_type == zipfile.ZIP_STORED for n in names if n.endswith(".safetensors"))
    assert {"project.json", "weights.safetensors", "runs/run-1.safetensors", "runs/run-1-snapshots.safetensors"} <= set(names)
    assert not any(n.endswith((".pkl", ".pt")) for n in names)


def test_fitted_preprocessing_round_trips_with_arrays(tmp_path):
    from nnstudio.core.data.spec import StepSpec

    project = default_project()
    project.data.preprocessing = [StepSpec("standardize", {})]
    prepared = load_model(project)
    project.fitted_preprocessing = pipeline_state(prepared.bundle.pipeline)
    path = tmp_path / "p.nnstudio"
    save_project(project, path)
    loaded = load_project(path)
    pipeline = restore_pipeline(loaded.fitted_preprocessing)
    x = np.random.default_rng(0).normal(size=(5, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(pipeline.transform(x), prepared.bundle.pipeline.transform(x))
    with zipfile.ZipFile(path) as zf:
        assert "preprocessing.safetensors" in zf.namelist()


def test_expected_size_matches_the_written_file(tmp_path, trained):
    for snaps in (False, True):
        path = tmp_path / f"p{snaps}.nnstudio"
        written = save_project(trained, path, include_snapshots=snaps)
        assert written == path.stat().st_size
        assert abs(estimate_size(trained, include_snapshots=snaps) - written) < 512
    assert estimate_size(trained, include_snapshots=True) > estimate_size(trained) + 60_000  # two snapshots of ~35 KB


# ---------------------------------------------------------------------------- versions
def test_format_1_file_is_migrated(tmp_path):
    v1 = default_project().to_dict()
    for key in ("runs", "options", "saved_by"):
        v1.pop(key)
    v1["schema_version"] = 1
    v1["history"] = {"epoch": [1.0, 2.0, 3.0], "train_loss": [1.0, 0.8, 0.5]}
    weights = snapshot_weights(load_model(default_project()).built.module)
    from safetensors.torch import save

    path = tmp_path / "old.nnstudio"
    path.write_bytes(_zip({PROJECT_JSON: json.dumps(v1).encode(), WEIGHTS: save(weights)}))
    project = load_project(path)
    assert project.to_dict()["schema_version"] == SCHEMA_VERSION
    assert len(project.runs) == 1 and project.runs[0].epochs == 3 and project.runs[0].metrics == {"train_loss": 0.5}
    assert project.runs[0].weights is project.weights
    save_project(project, path)  # and it is written back in the new format
    assert json.loads(zipfile.ZipFile(path).read(PROJECT_JSON))["schema_version"] == SCHEMA_VERSION


def test_newer_format_names_the_version_needed(tmp_path):
    path = tmp_path / "future.nnstudio"
    path.write_bytes(_zip({PROJECT_JSON: _project_json(schema_version=SCHEMA_VERSION + 1, saved_by="nnstudio 7.3.0")}))
    with pytest.raises(ProjectFileError, match=r"Install nnstudio 7\.3\.0 or later"):
        load_project(path)


# ---------------------------------------------------------------------------- bad files
BAD_FILES = {
    "truncated zip": (lambda good: good[: len(good) // 2], "damaged or truncated"),
    "not a zip": (lambda good: b"hello, I am a text file", "not a zip archive"),
    "no project.json": (lambda good: _zip({"readme.txt": b"hi"}), "holds no project.json"),
    "bad JSON": (lambda good: _zip({PROJECT_JSON: b'{"name": "x",\n "architecture": ]'}), "not valid JSON"),
    "not UTF-8": (lambda good: _zip({PROJECT_JSON: b"\xff\xfe\x00"}), "not UTF-8"),
    "missing field": (lambda good: _zip({PROJECT_JSON: b'{"name": "x", "data": {"source": "digits"}}'}), "architecture: is missing"),
    "wrong type": (lambda good: _zip({PROJECT_JSON: _project_json(runs={"a": 1})}), "runs: must be a list"),
    "wrongly typed run": (lambda good: _zip({PROJECT_JSON: _project_json(runs=[{"id": "one"}])}), r"runs\[0\]\.id"),
    "unknown layer kind": (
        lambda good: _zip({PROJECT_JSON: _project_json(architecture={"layers": [{"kind": "quantum"}]})}),
        r"architecture\.layers\[0\]\.kind: is not a known layer kind",
    ),
    "damaged weights": (lambda good: _zip({PROJECT_JSON: _project_json(), WEIGHTS: b"\x08\x00\x00\x00\x00\x00\x00\x00{}garbage"}), "weights are damaged"),
    "run weights missing": (
        lambda good: _zip({PROJECT_JSON: _project_json(runs=[{"id": 1, "has_weights": True}])}),
        "weights of Run 1 are missing",
    ),
    "not nnstudio JSON": (lambda good: _zip({PROJECT_JSON: b'{"format": "keras"}'}), "format: must be 'nnstudio-project'"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_with_a_specific_message(tmp_path, case):
    good_path = tmp_path / "good.nnstudio"
    project = default_project()
    project.weights = {"w": torch.randn(50, 50)}
    save_project(project, good_path)
    make, message = BAD_FILES[case]
    path = tmp_path / "bad.nnstudio"
    path.write_bytes(make(good_path.read_bytes()))
    before = path.read_bytes()
    with pytest.raises(NNStudioError, match=message):  # SpecError (a field) or ProjectFileError (the file)
        load_project(path)
    assert path.read_bytes() == before


def test_weights_of_the_wrong_shape_name_every_tensor(tmp_path):
    project = default_project()
    good = snapshot_weights(load_model(project).built.module)
    project.weights = {**good, "linear2.weight": torch.zeros(5, 64), "extra.bias": torch.zeros(3)}
    del project.weights["linear4.bias"]
    path = tmp_path / "p.nnstudio"
    save_project(project, path)
    opened = load_project(path)  # the file itself is sound ...
    with pytest.raises(ProjectFileError, match="do not fit this architecture") as info:  # ... but the weights do not fit its architecture
        check_weights_fit(opened, tmp_path)
    text = str(info.value)
    assert "linear2.weight has shape (5, 64) but the network needs (128, 64)" in text
    assert "linear4.bias is missing" in text and "extra.bias is not part of this network" in text


def test_zip_bomb_member_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.nnstudio"
    zeros = b"\0" * (64 * 1024 * 1024)  # 64 MB of zeros deflates to ~64 KB: ratio ~1000
    path.write_bytes(_zip({PROJECT_JSON: _project_json(), "runs/run-1.safetensors": zeros}))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ProjectFileError, match="zip bomb"):
        load_project(path)


def test_member_that_lies_about_its_size_is_refused(tmp_path):
    """A header may claim a small size; inflation stops at the claim instead of trusting it."""
    text = _project_json()
    path = tmp_path / "liar.nnstudio"
    path.write_bytes(_zip({PROJECT_JSON: text}, zipfile.ZIP_STORED))
    raw = bytearray(path.read_bytes())
    declared = len(text).to_bytes(4, "little")
    smaller = (len(text) - 10).to_bytes(4, "little")
    # patch both the local header and the central directory's uncompressed size
    raw = bytes(raw).replace(declared + declared, declared + smaller)
    path.write_bytes(raw)
    with pytest.raises(ProjectFileError, match=r"liar\.nnstudio is damaged or truncated"):
        load_project(path)


def test_project_json_over_the_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(project_io, "MAX_JSON_BYTES", 10_000)
    big = _project_json(name="x" * 20_000)
    path = tmp_path / "big.nnstudio"
    path.write_bytes(_zip({PROJECT_JSON: big}))
    with pytest.raises(ProjectFileError, match="more than the"):
        load_project(path)
    json_path = tmp_path / "big.json"
    json_path.write_bytes(big)
    with pytest.raises(ProjectFileError, match="more than the"):
        load_project(json_path)


def test_too_many_members_and_total_size_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "many.nnstudio"
    path.write_bytes(_zip({PROJECT_JSON: _project_json(), **{f"junk/{i}": b"" for i in range(1100)}}))
    with pytest.raises(ProjectFileError, match="1101 files"):
        load_project(path)
    monkeypatch.setattr(project_io, "MAX_TOTAL_BYTES", 1000)
    small = tmp_path / "small.nnstudio"
    save_project(default_project(), small)
    with pytest.raises(ProjectFileError, match="more than the"):
        load_project(small)


def test_pickles_are_refused_by_name_without_unpickling(tmp_path):
    plain = tmp_path / "plain.nnstudio"
    plain.write_bytes(pickle.dumps({"a": 1}, protocol=4))
    torch_zip = tmp_path / "model.nnstudio"
    torch.save({"w": torch.zeros(2)}, torch_zip)
    legacy = tmp_path / "legacy.json"
    torch.save({"w": torch.zeros(2)}, legacy, _use_new_zipfile_serialization=False)
    for path in (plain, torch_zip, legacy):
        with pytest.raises(PickleRefusedError, match="never opens pickles"):
            load_project(path)


def test_failed_open_raises_only_project_errors(tmp_path):
    path = tmp_path / "dir.nnstudio"
    path.mkdir()
    with pytest.raises(ProjectFileError, match="not a file"):
        load_project(path)
    assert issubclass(PickleRefusedError, NNStudioError) and issubclass(SpecError, NNStudioError)


def test_record_run_numbers_runs_and_keeps_weights(trained):
    project = default_project()
    w = {"a": torch.ones(2)}
    first = record_run(project, {"epoch": [1.0], "train_loss": [0.3]}, w)
    second = record_run(project, {"epoch": [1.0, 2.0], "train_loss": [0.3, 0.2]}, {"a": torch.zeros(2)}, status="stopped")
    assert [r.id for r in project.runs] == [1, 2] and second.status == "stopped" and second.epochs == 2
    assert torch.equal(project.weights["a"], torch.zeros(2)) and torch.equal(first.weights["a"], torch.ones(2))
    assert project.history["train_loss"] == [0.3, 0.2]
    assert Project.from_dict(project.to_dict()).runs[1].name == "Run 2"


def test_epoch_snapshots_recorded_in_training_round_trip(tmp_path):
    from nnstudio.core.workspace.runs import Run, RunRecorder
    from nnstudio.core.workspace.session import train_project

    project = default_project()
    project.training.epochs = 3
    recorder = RunRecorder(Run(1, "Run 1", project.training.copy()))
    train_project(project, callbacks=[recorder])
    snapshots = recorder.run.snapshots
    assert sorted(snapshots) == [0, 1, 2, 3]
    assert all(torch.equal(snapshots[3][k], v) for k, v in project.weights.items())  # the last epoch is the final one
    project.runs = [recorder.run.to_record()]
    path = tmp_path / "p.nnstudio"
    save_project(project, path, include_snapshots=True)
    loaded = load_project(path).runs[0].snapshots
    assert all(torch.equal(loaded[2][k], v) for k, v in snapshots[2].items())
    save_project(project, path)  # without asking, snapshots stay out of the file
    assert not load_project(path).runs[0].snapshots
