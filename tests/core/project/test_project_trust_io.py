"""nnstudio opens every project it saved, every read error is a ProjectFileError, unusable weights
are named (dropped or refused, never cast silently), and a killed save's temp file is cleaned up."""

import io
import json
import os
import random
import re
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from repo_paths import TRUST_FIXTURES

from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.base.errors import NNStudioError, ProjectFileError
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.data.tables import MAX_EMBED_BYTES, embed_text
from nnstudio.core.project import file_format as project_io
from nnstudio.core.project.file_format import load_project, save_project
from nnstudio.core.project.spec import MAX_RUNS, PROJECT_JSON, Project, default_project, record_run
from nnstudio.core.project.weights_io import WeightsError, import_weights
from nnstudio.core.workspace.document import load_model

FIXTURES = TRUST_FIXTURES
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def weights():
    return snapshot_weights(load_model(default_project()).built.module)


def _embedded(csv_text: str) -> DataSpec:
    return DataSpec.from_dict({"source": "csv", "params": {"path": "table.csv", "embedded": csv_text}})


# ---------------------------------------------------------------------------- item 2: opens what it saved
def test_a_repetitive_table_embedded_with_the_apps_own_feature_opens_again(tmp_path):
    table = tmp_path / "table.csv"
    table.write_text("a,b,label\n" + "1,2,0\n" * (1_650_000 // 6))
    assert 1.5 * 1024**2 < table.stat().st_size < MAX_EMBED_BYTES
    project = default_project()
    project.data = _embedded(embed_text(table))
    path = tmp_path / "embedded.nnstudio"
    save_project(project, path)
    info = zipfile.ZipFile(path).getinfo(PROJECT_JSON)
    assert info.file_size > 200 * info.compress_size  # what the old ratio guard called a bomb
    assert load_project(path).data.params["embedded"] == table.read_text()


def test_a_long_project_name_opens_again(tmp_path):
    project = default_project()
    project.name = "my network " * 200_000  # 2.2 MB of name, deflating ~1000x
    path = tmp_path / "long.nnstudio"
    save_project(project, path)
    assert load_project(path).name == project.name


names = st.text(st.characters(blacklist_categories=()), max_size=30).flatmap(  # lone surrogates and NUL too
    lambda t: st.integers(1, 30_000 if t else 1).map(lambda n: t * n))
numbers = st.floats(allow_nan=True, allow_infinity=True, width=32)


@st.composite
def projects(draw):
    project = default_project()
    project.name = draw(names)
    if draw(st.booleans()):
        row = draw(st.lists(st.integers(-999, 999), min_size=2, max_size=4))
        rows = draw(st.integers(1, MAX_EMBED_BYTES // (5 * len(row))))
        project.data = _embedded(",".join(f"c{i}" for i in range(len(row))) + "\n" + (",".join(map(str, row)) + "\n") * rows)
    for _ in range(draw(st.integers(0, 3))):
        history = {"epoch": [1.0, 2.0], "train_loss": draw(st.lists(numbers, min_size=2, max_size=2))}
        record_run(project, history, None, seconds=draw(st.floats(0, 1e6)))
    return project


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(project=projects())
def test_property_any_project_the_writer_accepts_the_reader_accepts(project, tmp_path):
    path = tmp_path / "p.nnstudio"
    try:
        save_project(project, path)
    except ProjectFileError as exc:  # the writer may refuse, but then with a reason and nothing written
        assert "save again" in str(exc) and not path.exists()
        return
    loaded = load_project(path)
    assert loaded.name == project.name and loaded.data == project.data and len(loaded.runs) == len(project.runs)


def test_the_writer_refuses_what_the_reader_would_refuse(tmp_path, monkeypatch):
    monkeypatch.setattr(project_io, "MAX_JSON_BYTES", 10_000)
    project = default_project()
    project.name = "x" * 20_000
    for suffix in (".nnstudio", ".json"):
        path = tmp_path / f"big{suffix}"
        with pytest.raises(ProjectFileError, match="more than the 9.8 KB a project file may hold; link large tables"):
            save_project(project, path)
        assert not path.exists()
    assert 0 < project_io.estimate_size(project) < 10_000  # the Save dialog can still show the (compressed) size


def test_runs_beyond_the_cap_drop_the_oldest_so_the_file_opens(tmp_path):
    project = default_project()
    for i in range(MAX_RUNS + 5):
        record_run(project, {"epoch": [1.0], "train_loss": [float(i)]}, None)
    assert len(project.runs) == MAX_RUNS and project.runs[0].history["train_loss"] == [5.0]
    save_project(project, tmp_path / "many.nnstudio")
    assert len(load_project(tmp_path / "many.nnstudio").runs) == MAX_RUNS


def test_a_deflated_weights_member_that_would_fill_the_memory_is_still_a_bomb(tmp_path):
    path = tmp_path / "bomb.nnstudio"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(PROJECT_JSON, json.dumps(default_project().to_dict()))
        zf.writestr("weights.safetensors", b"\0" * (32 * 1024**2))
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ProjectFileError, match="stores weights uncompressed, so that is a zip bomb"):
        load_project(path)


# ---------------------------------------------------------------------------- item 3: the project's own error
def test_damaged_deflate_stream_fixture_is_a_file_error():
    path = FIXTURES / "project_damaged_deflate.nnstudio"
    with pytest.raises(zlib.error):  # the fixture reproduces what the fuzzing found
        zipfile.ZipFile(path).read(PROJECT_JSON)
    with pytest.raises(ProjectFileError, match="is damaged: its compressed data cannot be unpacked .*open a backup"):
        load_project(path)


def test_a_five_thousand_digit_integer_is_a_file_error(tmp_path):
    fixture = FIXTURES / "project_huge_integer.json"
    with pytest.raises(ProjectFileError, match="holds a number with thousands of digits"):
        load_project(fixture)
    zipped = tmp_path / "huge.nnstudio"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(PROJECT_JSON, fixture.read_bytes())
    with pytest.raises(ProjectFileError, match="huge.nnstudio/project.json holds a number with thousands of digits"):
        load_project(zipped)


@pytest.fixture(scope="module")
def saved(weights, tmp_path_factory):
    project = default_project()
    record_run(project, {"epoch": [1.0], "train_loss": [0.5]}, weights)
    path = tmp_path_factory.mktemp("fuzz") / "good.nnstudio"
    save_project(project, path)
    info = zipfile.ZipFile(path).getinfo(PROJECT_JSON)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    return path.read_bytes(), (start, start + info.compress_size)


def _load_only_own_errors(raw: bytes, folder: Path, name: str = "fuzzed.nnstudio") -> str:
    path = folder / name
    path.write_bytes(raw)
    try:
        load_project(path)
    except NNStudioError as exc:
        return str(exc)
    return ""  # some damage leaves a readable project: fine


@FUZZ
@given(data=st.data())
def test_fuzz_damaged_files_raise_only_nnstudio_errors(saved, tmp_path, data):
    raw, (start, end) = saved
    damaged = bytearray(raw)
    how = data.draw(st.sampled_from(["deflate stream", "anywhere", "truncate"]))
    if how == "truncate":
        damaged = damaged[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        lo, hi = (start, end - 1) if how == "deflate stream" else (0, len(raw) - 1)
        for at in data.draw(st.lists(st.integers(lo, hi), min_size=1, max_size=6)):
            damaged[at] ^= data.draw(st.integers(1, 255))
    _load_only_own_errors(bytes(damaged), tmp_path)  # any other exception fails the test


json_junk = st.one_of(
    st.integers().map(lambda n: str(n) + "9" * 4400), st.just("1e999999"), st.just("-Infinity"), st.just("NaN"),
    st.text(max_size=8).map(json.dumps), st.just("[" * 50 + "]" * 50), st.just("{}"), st.just("null"),
)


@FUZZ
@given(data=st.data())
def test_fuzz_project_json_values_raise_only_nnstudio_errors(tmp_path, data):
    text = json.dumps(default_project().to_dict())
    values = [m for m in range(len(text)) if text[m] == ":"]
    for at in sorted(data.draw(st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)), reverse=True):
        rest = text[at + 1:]
        cut = min((i for i in (rest.find(","), rest.find("}")) if i >= 0), default=len(rest))
        text = text[: at + 1] + " " + data.draw(json_junk) + rest[cut:]
    _load_only_own_errors(text.encode(), tmp_path, "p.json")


def test_a_seeded_sweep_of_damaged_zips_finds_zlib_errors_and_maps_every_one(saved, tmp_path):
    """Byte flips inside project.json's deflate stream: several raise zlib.error in zipfile; all are ours here."""
    raw, (start, end) = saved
    rng = random.Random(16)
    zlib_errors = 0
    for _ in range(150):
        damaged = bytearray(raw)
        damaged[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
        try:
            zipfile.ZipFile(io.BytesIO(bytes(damaged))).read(PROJECT_JSON)
        except zlib.error:
            zlib_errors += 1
            assert "compressed data cannot be unpacked" in _load_only_own_errors(bytes(damaged), tmp_path)
        except zipfile.BadZipFile:
            pass
    assert zlib_errors >= 5


# ---------------------------------------------------------------------------- items 5 and 8: unusable weights
def _with_weights(weights, tmp_path: Path) -> Project:
    project = default_project()
    record_run(project, {"epoch": [1.0], "train_loss": [0.5]}, weights)
    path = tmp_path / "w.nnstudio"
    save_project(project, path)
    return load_project(path)


def test_nan_weights_are_dropped_with_a_note_naming_the_tensor_and_the_project_opens(weights, tmp_path):
    bad = {k: v.clone() for k, v in weights.items()}
    bad["linear2.weight"][0, :3] = torch.tensor([float("nan"), float("inf"), float("-inf")])
    loaded = _with_weights(bad, tmp_path)
    assert loaded.weights is None and loaded.runs[0].weights is None
    assert loaded.runs[0].history == {"epoch": [1.0], "train_loss": [0.5]}  # the rest of the project is kept
    assert loaded.notes == [
        "The current weights and the weights of Run 1 were not loaded: linear2.weight holds 3 NaN or infinite values "
        "(of 8,192), as a run that diverged leaves them. The rest of the project is open; lower the learning rate and train again"
    ]


def test_only_the_diverged_snapshots_are_dropped(weights, tmp_path):
    project = default_project()
    nan = {k: torch.full_like(v, float("nan")) for k, v in weights.items()}
    snapshots = {1: weights, **{epoch: nan for epoch in range(2, 8)}}
    record_run(project, {"epoch": [1.0, 2.0], "train_loss": [0.5, 0.4]}, weights, snapshots=snapshots)
    save_project(project, tmp_path / "s.nnstudio", include_snapshots=True)
    loaded = load_project(tmp_path / "s.nnstudio")
    assert sorted(loaded.runs[0].snapshots) == [1] and loaded.weights is not None
    (note,) = loaded.notes
    assert note.startswith("The weights of Run 1 after epoch 2, the weights of Run 1 after epoch 3, the weights of Run 1 "
                           "after epoch 4 and 3 more sets of weights were not loaded: linear2.bias holds 128 NaN")


def test_integer_and_boolean_weights_are_named_not_cast(weights, tmp_path):
    for dtype in (torch.int64, torch.bool, torch.int8):
        bad = {**weights, "linear4.bias": weights["linear4.bias"].to(dtype)}
        loaded = _with_weights(bad, tmp_path)
        assert loaded.weights is None
        name = str(dtype).removeprefix("torch.")
        assert loaded.notes[0].startswith(f"The current weights and the weights of Run 1 were not loaded: linear4.bias is "
                                          f"stored as {name}, but a network's weights are floating-point numbers")


def test_other_float_weights_are_converted_and_the_conversion_is_said(weights, tmp_path):
    for dtype in (torch.float16, torch.float64, torch.bfloat16):
        loaded = _with_weights({k: v.to(dtype) for k, v in weights.items()}, tmp_path)
        assert all(v.dtype == torch.float32 for v in loaded.weights.values())
        name = str(dtype).removeprefix("torch.")
        assert loaded.notes == [f"The current weights and the weights of Run 1 were stored as {name} (all 4 tensors) and "
                                "converted to float32, the precision nnstudio computes in"]


def test_a_batch_counter_may_be_an_integer(weights, tmp_path):
    loaded = _with_weights({**weights, "bn.num_batches_tracked": torch.tensor(7)}, tmp_path)  # BatchNorm's counter
    assert loaded.notes == [] and loaded.weights["bn.num_batches_tracked"].dtype == torch.int64


def test_importing_weights_names_bad_dtypes_and_nan_and_says_when_it_converts(weights, tmp_path):
    module = load_model(default_project()).built.module
    cases = {
        "ints.pt": ({**weights, "linear2.weight": weights["linear2.weight"].to(torch.int64)},
                    "ints.pt: linear2.weight is stored as int64, but a network's weights are floating-point numbers; import floating-point"),
        "flags.pt": ({**weights, "linear4.bias": weights["linear4.bias"] > 0},
                     "flags.pt: linear4.bias is stored as bool"),
        "nan.pt": ({**weights, "linear4.bias": weights["linear4.bias"] * float("nan")},
                   "nan.pt: linear4.bias holds 10 NaN or infinite values (of 10), as a run that diverged leaves them; they would make every prediction NaN"),
    }
    for name, (state, message) in cases.items():
        torch.save(state, tmp_path / name)
        with pytest.raises(WeightsError) as info:
            import_weights(tmp_path / name, module)
        assert str(info.value).startswith(message)
    torch.save({**weights, "linear2.weight": weights["linear2.weight"].half()}, tmp_path / "half.pt")
    notes: list[str] = []
    loaded = import_weights(tmp_path / "half.pt", module, notes)
    assert notes == ["half.pt: weights stored as float16 (linear2.weight) and converted to float32, the precision of this network"]
    assert torch.equal(loaded["linear2.weight"], weights["linear2.weight"].half().float())


# ---------------------------------------------------------------------------- item 6: stale temp files
def _dead_pid() -> int:
    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_a_killed_saves_temp_file_is_removed_by_the_next_save_of_that_file(tmp_path):
    path = tmp_path / "work.nnstudio"
    old_style = tmp_path / ".work.nnstudio.k3j_x9q2.part"  # mkstemp's name before temp names carried the pid
    dead = tmp_path / f".work.nnstudio.{_dead_pid()}-a8f2kq1z.part"
    for part in (old_style, dead):
        part.write_bytes(b"\0" * 4096)
    hour_ago = time.time() - 3600
    os.utime(old_style, (hour_ago, hour_ago))
    live = tmp_path / f".work.nnstudio.{os.getppid()}-zz11yy22.part"  # a save still running elsewhere
    fresh = tmp_path / ".work.nnstudio.abcdefgh.part"  # no pid, seconds old: could be in progress
    other = tmp_path / ".other.nnstudio.k3j_x9q2.part"
    for part in (live, fresh, other):
        part.write_bytes(b"\0")
    os.utime(other, (hour_ago, hour_ago))
    save_project(default_project(), path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([live.name, fresh.name, other.name, "work.nnstudio"])


def test_a_saves_temp_file_carries_the_writers_pid_so_a_later_save_can_tell_it_is_abandoned(tmp_path):
    seen = []

    def write(fh):
        seen.extend(p.name for p in tmp_path.iterdir())
        raise OSError(28, "No space left on device")

    with pytest.raises(ProjectFileError, match="No space left"):
        project_io.atomic_write(tmp_path / "work.nnstudio", write)
    (name,) = seen
    assert name.startswith(f".work.nnstudio.{os.getpid()}-") and name.endswith(".part")
    assert project_io.PART_RE.fullmatch(name.removeprefix(".work.nnstudio.").removesuffix(".part")).group(1) == str(os.getpid())
    assert list(tmp_path.iterdir()) == []  # a failed save removes its own temp file


def test_a_recovery_copys_temp_file_left_by_a_dead_process_is_removed_by_the_next_autosave(tmp_path):
    from nnstudio.core.project.recovery import RecoveryStore

    dead = _dead_pid()
    parts = [tmp_path / f".recovery-{dead}.nnstudio.{dead}-a8f2kq1z.part", tmp_path / f".recovery-{dead}.json.{dead}-q8f2kq1z.part"]
    for part in parts:
        part.write_bytes(b"\0" * 1024)
    RecoveryStore(tmp_path).save(default_project(), None)
    assert not any(p.exists() for p in parts)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"recovery-{os.getpid()}.json", f"recovery-{os.getpid()}.nnstudio"]


def test_a_damaged_legacy_torch_file_is_a_weights_error_not_an_assertion(tmp_path):
    """torch.load of the pre-1.6 format asserts on a storage key the file does not hold (found by fuzzing)."""
    buffer = io.BytesIO()
    torch.save({"linear4.bias": torch.zeros(10)}, buffer, _use_new_zipfile_serialization=False)
    raw = buffer.getvalue()
    key = max(re.findall(rb"\d{6,}", raw), key=len)
    at = raw.rindex(key)  # the storage list after the pickle names the key again
    path = tmp_path / "old.pt"
    path.write_bytes(raw[:at] + (b"1" if raw[at:at + 1] != b"1" else b"2") + raw[at + 1:])
    with pytest.raises(AssertionError):
        torch.load(path, weights_only=True)
    with pytest.raises(WeightsError, match=r"old.pt is not a readable PyTorch file \(AssertionError: storage key"):
        import_weights(path, load_model(default_project()).built.module)
