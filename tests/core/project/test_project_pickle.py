"""A malicious pickle that would create a file when unpickled is never executed, through any path."""

import contextlib
import io
import pickle

import pytest
import torch

from nnstudio import cli
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.project.file_format import load_project
from nnstudio.core.project.recovery import RecoveryStore
from nnstudio.core.project.spec import default_project
from nnstudio.core.project.weights_io import WeightsError, import_weights
from nnstudio.core.workspace.document import load_model


class _Payload:
    """Unpickling this calls open(target, "w"): the file appearing would prove code ran."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


def malicious_files(folder, target):
    """Plain pickle, torch.save zip and legacy torch.save, under the names a student might meet."""
    payload = {"linear2.weight": _Payload(target)}
    files = {}
    for name in ("evil.pt", "evil.pth", "evil.nnstudio", "evil.json"):
        path = folder / name
        path.write_bytes(pickle.dumps(payload, protocol=2))
        files[name] = path
    for name, new_zip in (("zip.pt", True), ("zip.nnstudio", True), ("legacy.pth", False)):
        path = folder / name
        torch.save(payload, path, _use_new_zipfile_serialization=new_zip)
        files[name] = path
    assert not target.exists()
    return files


@pytest.fixture
def evil(tmp_path):
    target = tmp_path / "pwned.txt"
    return malicious_files(tmp_path, target), target


def test_the_payload_really_would_create_the_file(tmp_path):
    target = tmp_path / "proof.txt"
    pickle.loads(pickle.dumps(_Payload(target))).close()
    assert target.exists()


def test_open_refuses_every_variant(evil):
    files, target = evil
    for path in files.values():
        with pytest.raises(NNStudioError, match="is a Python pickle"):
            load_project(path)
    assert not target.exists()


def test_import_weights_refuses_every_variant(evil):
    files, target = evil
    module = load_model(default_project()).built.module
    for path in files.values():
        with pytest.raises(NNStudioError, match="is a Python pickle|was refused: it holds more than tensors") as info:
            import_weights(path, module)
        if path.suffix in (".pt", ".pth"):
            assert isinstance(info.value, WeightsError)
    assert not target.exists()


def test_recovery_refuses_a_planted_pickle(evil, tmp_path):
    files, target = evil
    folder = tmp_path / "recovery"
    folder.mkdir()
    (folder / "recovery-999999.nnstudio").write_bytes(files["evil.nnstudio"].read_bytes())
    store = RecoveryStore(folder, pid=1)
    (entry,) = store.leftovers()
    with pytest.raises(NNStudioError, match="recovery copy cannot be restored"):
        store.restore(entry)
    assert not target.exists()


def _project_commands():
    parser = cli.make_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command_parser in sub.choices.items():
        if any(a.dest == "project" for a in command_parser._actions):
            yield name


def test_every_cli_subcommand_refuses(evil):
    files, target = evil
    commands = list(_project_commands())
    assert {"train", "info"} <= set(commands)
    for name in commands:
        for path in files.values():
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                try:
                    code = cli.main([name, str(path)])
                except SystemExit as exc:  # a subcommand needing more arguments stops in argparse
                    code = exc.code
            assert code != 0, (name, path.name)
    assert not target.exists()
