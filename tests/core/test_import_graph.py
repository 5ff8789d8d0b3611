"""The house's layering, read from the source: no import circles, the core never reaches Qt or the GUI, each
layer imports only the layers below it, and no module grows past 600 lines.

Every import counts, also one inside a function or under ``if TYPE_CHECKING``: a lazy import hides a circle
from Python, not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from repo_paths import ROOT

PACKAGE = ROOT / "nnstudio"
MAX_LINES = 600
QT = ("PySide6", "shiboken6", "pyqtgraph")

# Bottom to top. A module may import its own layer and the layers below it, never one above.
CORE_LAYERS = {
    "base": 0,  # errors, events, registries: import nothing else from nnstudio
    "arch": 1, "data": 1, "training": 1, "evaluate": 1, "interpret": 1, "insight": 1,  # the subject matter
    "generative": 1,  # a GAN's two networks and alternating updates, mode coverage
    "project": 2,  # the project: spec, file format, weights files, recovery, templates
    "workspace": 3, "export": 3, "playground": 3,  # what works on whole projects: the open document, runs, sweeps,
    # code export, the Playground's live network
    "lessons": 3,  # a lesson's format and its experiment, run through the workspace's run session
}
APP_LAYERS = {"cli": 4, "commands": 4, "gui": 5, "__main__": 6}


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The modules ``path`` imports (inside functions too); ``from pkg import mod`` counts as importing ``pkg.mod``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {name: imports_of(path, known) for name, path in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "nnstudio" or len(parts) < 2:
        return None
    if parts[1] == "core":
        return CORE_LAYERS.get(parts[2]) if len(parts) > 2 else 0
    return APP_LAYERS.get(parts[1])


def test_the_checker_finds_a_planted_circle_and_a_lazy_import(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from nnstudio.core.base import errors\n")
    assert "nnstudio.core.base.errors" in imports_of(source, {"nnstudio.core.base.errors"})


def test_no_import_circles():
    assert circles(import_graph()) == []


def test_the_core_never_imports_qt_or_the_gui():
    offenders = [
        f"{name} imports {target}"
        for name, targets in import_graph().items()
        if name.startswith("nnstudio.core")
        for target in targets
        if target.split(".")[0] in QT or target.startswith("nnstudio.gui")
    ]
    assert offenders == []


def test_each_layer_imports_only_the_layers_below():
    # self-test drives the real window when asked to: it imports the GUI inside the command, on purpose
    allowed = {("nnstudio.commands.self_test", "nnstudio.gui")}
    offenders = []
    for name, targets in import_graph().items():
        own = layer(name)
        for target in targets:
            other = layer(target)
            if own is None or other is None or other <= own:
                continue
            if any(name == a and target.startswith(b) for a, b in allowed):
                continue
            offenders.append(f"{name} (layer {own}) imports {target} (layer {other})")
    assert offenders == []


@pytest.mark.parametrize("folder", ["base", "arch", "data", "training", "evaluate", "interpret", "insight", "project", "playground",
                                    "workspace", "export", "lessons"])
def test_every_core_folder_has_a_layer(folder):
    assert (PACKAGE / "core" / folder / "__init__.py").exists()
    assert folder in CORE_LAYERS


def test_every_core_package_is_placed_in_a_layer():
    packages = {p.name for p in (PACKAGE / "core").iterdir() if (p / "__init__.py").exists()}
    assert packages == set(CORE_LAYERS)
    loose = sorted(p.name for p in (PACKAGE / "core").glob("*.py") if p.name != "__init__.py")
    assert loose == [], "core modules live in a layer's folder"


def test_no_module_is_over_600_lines():
    long = {module_name(p): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
