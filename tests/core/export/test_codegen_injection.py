"""Exported code never runs text from the project: every name, column and path comes back as the same string.

The vectors are every place codegen writes project text: the project and architecture names (module and class
docstrings, the class name), the CSV file and target column names (the data description in the module
docstring), and the script's and its sidecar's file names (docstrings and the ``np.load`` path). Every test
runs on both variants: the default (idiomatic) script and the ``exact`` one.
"""

from __future__ import annotations

import ast
import csv
import io
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.export.codegen import export_project, generate
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec


def payload(marker: str, quote: str = '"""') -> str:
    """Text that, spliced into a docstring, closes it and runs ``touch marker``."""
    return f'x{quote}; __import__("os").system("touch {marker}"); {quote}'


def tiny_project(name="Tiny", arch_name="Tiny", target="label", file_name="tiny.csv") -> Project:
    """A 12-row embedded CSV (no file to read) and a 3-layer network: built in milliseconds."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["a", "b", target])
    writer.writerows([[i, i % 3, i % 2] for i in range(12)])
    params = {"path": file_name, "embedded": buf.getvalue(), "target": target, "delimiter": "comma", "task": "classification"}
    arch = ArchitectureSpec([layer("linear", out_features=4), layer("relu"), layer("linear", out_features=2)], name=arch_name)
    return Project(name, arch, DataSpec("csv", params), TrainSpec(batch_size=4, epochs=1, device="cpu"))


def calls(tree: ast.AST) -> set[str]:
    """The names of everything the script calls (``os.system`` -> "system", ``__import__`` -> "__import__")."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            out.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
    return out


# ----------------------------------------------------------------------------- each vector, one payload
VECTORS = {
    "project name": lambda p: tiny_project(name=p),
    "architecture name": lambda p: tiny_project(arch_name=p),
    "CSV target column": lambda p: tiny_project(target=p),
    "CSV file name": lambda p: tiny_project(file_name=p),
}


VARIANTS = pytest.mark.parametrize("exact", [False, True], ids=["idiomatic", "exact"])


@VARIANTS
@pytest.mark.parametrize("quote", ['"""', "'''", '"', "\\"])
@pytest.mark.parametrize("vector", list(VECTORS))
def test_payload_in_project_text_stays_text(vector, quote, exact):
    text = payload("INJECTED", quote)
    script, arrays = generate(VECTORS[vector](text), sidecar_name="tiny_data.npz", script_name="tiny.py", exact=exact)
    tree = ast.parse(script)  # before the fix: the code ran, or the script did not even parse
    assert not calls(tree) & {"__import__", "system"}
    assert text in ast.get_docstring(tree, clean=False)  # the very string, read back from the script


@VARIANTS
@pytest.mark.parametrize("quote", ['"""', "'''"])
def test_payload_in_output_file_names_stays_text(quote, exact):
    script_name = payload("INJECTED", quote) + ".py"
    sidecar = payload("INJECTED", quote) + "_data.npz"
    tree = ast.parse(generate(tiny_project(), sidecar_name=sidecar, script_name=script_name, exact=exact)[0])
    assert not calls(tree) & {"__import__", "system"}
    assert f"python {script_name}" in ast.get_docstring(tree, clean=False)
    assert _sidecar_literal(tree) == sidecar


def _sidecar_literal(tree: ast.Module) -> str:
    (call,) = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "with_name"]
    return call.args[0].value


@VARIANTS
def test_exported_script_with_payloads_everywhere_runs_without_running_them(tmp_path, exact):
    """The CLI reproduction: every vector holds a payload at once; the script trains and no marker appears."""
    project = tiny_project(
        name=payload("INJECTED_project"), arch_name=payload("INJECTED_arch", "'''"),
        target=payload("INJECTED_column"), file_name=payload("INJECTED_file"),
    )
    target = tmp_path / (payload("INJECTED_script") + ".py")
    written = export_project(project, target, exact=exact)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(target), "--epochs", "1"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ("FINAL " if exact else "test accuracy ") in done.stdout  # it trained, and scored
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)  # no INJECTED_*


# ----------------------------------------------------------------------------- the model class's name
@VARIANTS
@pytest.mark.parametrize("arch_name, class_name", [
    ("SmallCNN", "SmallCNN"), ("small cnn", "SmallCnn"), ("", "Network"), ("2 layers", "Net2Layers"),
    ("none", "NetNone"), ("true", "NetTrue"), ("F", "NetF"), ("\uff26", "NetF"), ("torch", "Torch"),
    ("Recurrent", "NetRecurrent"), ("seed", "Seed"), ("SEED", "NetSEED"), ("exception", "NetException"),
    ("x\u00b2", "X"), (payload("INJECTED"), "XImportOsSystemTouchINJECTED"),
])
def test_class_name_is_a_safe_identifier(tmp_path, arch_name, class_name, exact):
    written = export_project(tiny_project(arch_name=arch_name), tmp_path / "net.py", exact=exact)
    script = runpy.run_path(str(written[0]), run_name="exported")  # defines, does not train
    assert isinstance(script[class_name](), torch.nn.Module)
    # Nothing the script relies on was shadowed by the class.
    assert script["torch"] is torch and script["SEED"] == 0 and script["nn"] is torch.nn
    assert script.get("F", torch.nn.functional) is torch.nn.functional  # the idiomatic script imports F only when used
    made = f"reset_weights({class_name}(), SEED)" if exact else f"model = {class_name}()"
    assert made in written[0].read_text()


# ----------------------------------------------------------------------------- fuzz: any text round-trips
SPECIALS = ['"""', "'''", '"', "'", "\\", "\\N{BULLET}", "\\x41", "\\u0041", "\x00", "\n", "\r", "\r\n", "\t",
            "\x0c", "\u2028", "\ufeff", "\ud800", "{", "}", "{file}", "%(prog)s", "#", ":", "\U0001f600", " "]
texts = st.lists(
    st.one_of(st.sampled_from(SPECIALS), st.text(st.characters(blacklist_categories=()), max_size=4)), max_size=8,
).map("".join)


def _skeleton(tree: ast.Module, class_name: str) -> str:
    """The script's code with every string emptied and the class renamed: what the project's text cannot change."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
        elif isinstance(node, ast.Name) and node.id == class_name:
            node.id = "MODEL"
        elif isinstance(node, ast.ClassDef) and node.name == class_name:
            node.name = "MODEL"
    return ast.dump(tree)


def _model_class(tree: ast.Module) -> ast.ClassDef:
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and ast.unparse(n.bases[0]) == "nn.Module"]
    return cls


def _baseline_skeleton(exact: bool) -> str:
    tree = ast.parse(generate(tiny_project(), sidecar_name="s.npz", script_name="s.py", exact=exact)[0])
    return _skeleton(tree, _model_class(tree).name)


BASELINE_SKELETONS = {exact: _baseline_skeleton(exact) for exact in (False, True)}


@VARIANTS
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=texts, arch_name=texts, target=texts, file_name=texts, script_name=texts, sidecar=texts)
def test_any_text_round_trips_through_the_script(exact, name, arch_name, target, file_name, script_name, sidecar):
    target = target.strip() or "label"  # the table reader strips header cells
    if target in ("a", "b"):
        target = "label"
    file_name = file_name.replace("/", "") or "tiny.csv"  # only the last part of a path is shown
    script = generate(tiny_project(name, arch_name, target, file_name), sidecar_name=sidecar, script_name=script_name,
                      exact=exact)[0]
    tree = ast.parse(script)
    compile(tree, "exported.py", "exec")
    doc = ast.get_docstring(tree, clean=False)
    assert doc.startswith(f"{name}: {arch_name}, exported from nnstudio as plain PyTorch.\n\nRun it with ``python {script_name}``")
    assert f"the prepared data in {sidecar} beside it." in doc
    assert f"{Path(file_name).name or 'embedded table'}: 12 rows, 2 features, predicting '{target}'." in doc
    cls = _model_class(tree)
    assert cls.name.isidentifier()
    assert ast.get_docstring(cls, clean=False).startswith(f"{arch_name}: 3 layers")
    load_data = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "load_data")
    assert ast.get_docstring(load_data, clean=False) == f"The prepared splits, saved by nnstudio beside this script ({sidecar})."
    assert _sidecar_literal(tree) == sidecar
    assert _skeleton(tree, cls.name) == BASELINE_SKELETONS[exact]  # the text added no code and changed none


@VARIANTS
@pytest.mark.parametrize("name", ["%(prog)s at 100%", "100% sure", "plain"])
def test_help_shows_the_project_name_as_it_is(tmp_path, monkeypatch, capsys, name, exact):
    # argparse %-formats a description holding "%(prog)": a name like this one made --help crash. The
    # idiomatic script describes itself by its class name, which holds nothing but letters and digits.
    written = export_project(tiny_project(name=name), tmp_path / "net.py", exact=exact)
    monkeypatch.setattr(sys, "argv", ["net.py", "--help"])
    with pytest.raises(SystemExit, match="^0$") as info:  # --help exits with code 0
        runpy.run_path(str(written[0]), run_name="__main__")
    assert info.value.code == 0
    shown = f"{name}: Tiny, exported from nnstudio" if exact else "Train Tiny, then score it on the test set."
    assert shown in " ".join(capsys.readouterr().out.split())
