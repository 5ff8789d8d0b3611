"""Cheap checks of the standalone build's inputs: the spec, scripts, desktop entry, icons and resources.

The real build (`make package`, minutes and gigabytes) runs on demand; these run in every CI pass and
need neither PyInstaller nor a display.
"""

from __future__ import annotations

import ast
import configparser
import shutil
import struct
import subprocess
import sys
import types
from pathlib import Path

import pytest
from repo_paths import ROOT

from nnstudio import __version__
from nnstudio import resources as res

PACKAGING = ROOT / "packaging"


def _load_spec() -> dict:
    """Run the spec with PyInstaller's build classes and hook helpers replaced by recorders."""
    calls: dict = {}

    def recorder(name):
        def record(*args, **kwargs):
            calls[name] = (args, kwargs)
            return types.SimpleNamespace(pure=[], datas=[], binaries=[], scripts=[], args=args, kwargs=kwargs)

        return record

    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_data_files = lambda package, **kw: [(f"<{package} data>", package.replace(".", "/"))]
    hooks.collect_submodules = lambda package, **kw: [f"{package}.<all>"]
    fake = {"PyInstaller": types.ModuleType("PyInstaller"), "PyInstaller.utils": types.ModuleType("PyInstaller.utils"), "PyInstaller.utils.hooks": hooks}
    saved = {k: sys.modules.get(k) for k in fake}
    sys.modules.update(fake)
    try:
        namespace = {"SPECPATH": str(PACKAGING), "__file__": str(PACKAGING / "nnstudio.spec")}
        namespace.update({name: recorder(name) for name in ("Analysis", "PYZ", "EXE", "COLLECT")})
        exec(compile((PACKAGING / "nnstudio.spec").read_text(), "nnstudio.spec", "exec"), namespace)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return {"calls": calls, "ns": namespace}


def test_spec_parses_and_points_at_real_files():
    ast.parse((PACKAGING / "nnstudio.spec").read_text())
    spec = _load_spec()
    args, kwargs = spec["calls"]["Analysis"]
    assert Path(args[0][0]).is_file()  # the entry script
    resources = [src for src, dest in kwargs["datas"] if dest == "resources"]
    assert resources and Path(resources[0]) == ROOT / "resources"
    assert "nnstudio.<all>" in kwargs["hiddenimports"]  # CLI commands are imported by name
    exe_kwargs = spec["calls"]["EXE"][1]
    assert Path(spec["ns"]["ICON"]).is_file()
    assert exe_kwargs["name"] == "nnstudio" and spec["calls"]["COLLECT"][1]["name"] == "nnstudio"
    assert exe_kwargs["upx"] is False


def test_spec_filters_test_suites():
    is_test_path = _load_spec()["ns"]["is_test_path"]
    assert is_test_path("sklearn.tests.test_base")
    assert is_test_path("scipy/stats/tests/data/x.npz")
    assert not is_test_path("torch.testing")  # torch imports it at start-up
    assert not is_test_path("sklearn.datasets.data")


def test_spec_excludes_nothing_the_app_imports(tmp_path):
    # Open the window offscreen, compute an attribution, run the CLI parser: nothing imported may be excluded.
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM']='offscreen'\n"
        "import torch\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from nnstudio.gui.app import configure_app, create_main_window\n"
        "from nnstudio.gui.settings_store import SettingsStore\n"
        "import nnstudio.cli, captum.attr, sklearn.datasets, sklearn.model_selection\n"
        "app = QApplication([]); configure_app(app)\n"
        f"w = create_main_window(SettingsStore({str(tmp_path / 'settings.ini')!r})); w.show(); app.processEvents(); app.processEvents()\n"
        "nnstudio.cli.make_parser()\n"
        "w.document.set_modified(False); w.close()\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = set(proc.stdout.split())
    excluded = _load_spec()["calls"]["Analysis"][1]["excludes"]
    clash = sorted(m for m in imported for ex in excluded if m == ex or m.startswith(ex + "."))
    assert clash == [], f"the spec excludes modules the app imports: {clash}"


def test_build_scripts_are_valid_bash():
    for script in ("build.sh", "smoke_test.sh", "install-desktop-entry.sh"):
        subprocess.run(["bash", "-n", str(PACKAGING / script)], check=True)
    assert "bash packaging/build.sh" in (ROOT / "Makefile").read_text()


def test_desktop_entry():
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(PACKAGING / "nnstudio.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "nnstudio"
    assert d["Exec"].split()[0] == "nnstudio" and d["Icon"] == "nnstudio"
    assert d["Categories"].endswith(";") and "Education" in d["Categories"].split(";")
    assert d["Terminal"] == "false"
    validator = shutil.which("desktop-file-validate")
    if validator:  # desktop-file-utils, where installed
        proc = subprocess.run([validator, str(PACKAGING / "nnstudio.desktop")], capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout


def test_install_desktop_entry_from_an_unpacked_bundle(tmp_path):
    # The layout build.sh leaves on Linux: the script and entry beside the binary, icons in _internal/resources.
    bundle = tmp_path / "my apps" / "nnstudio"
    shutil.copytree(ROOT / "resources" / "icons", bundle / "_internal" / "resources" / "icons")
    for name in ("install-desktop-entry.sh", "nnstudio.desktop"):
        shutil.copy(PACKAGING / name, bundle / name)
    data = tmp_path / "share"
    proc = subprocess.run(
        ["bash", str(bundle / "install-desktop-entry.sh")], env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(data), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    entry = (data / "applications" / "nnstudio.desktop").read_text()
    assert f'Exec="{bundle}/nnstudio" %f' in entry  # absolute, quoted: the folder name has a space
    for size in res.ICON_SIZES:
        assert (data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "nnstudio.png").is_file()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_icons_in_every_size_and_format():
    files = res.icon_files()
    assert [_png_size(p) for p in files] == [(s, s) for s in res.ICON_SIZES]
    assert (ROOT / "resources" / "icons" / "nnstudio.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    sys.path.insert(0, str(PACKAGING))
    try:
        import make_icons
    finally:
        sys.path.remove(str(PACKAGING))
    # The committed SVG is what the drawing script writes (the PNGs are rendered from it).
    assert (ROOT / "resources" / "icons" / "nnstudio.svg").read_text(encoding="utf-8") == make_icons.svg_text()


def test_resources_found_in_checkout_frozen_bundle_and_override(tmp_path, monkeypatch):
    assert res.resources_dir() == ROOT / "resources"
    assert not res.is_frozen()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert res.is_frozen()
    assert res.resources_dir() == tmp_path / "resources"
    assert res.icon_files() == []  # nothing copied there: missing, not an error
    (tmp_path / "resources" / "examples").mkdir(parents=True)
    (tmp_path / "resources" / "examples" / "b.nnstudio").write_bytes(b"")
    (tmp_path / "resources" / "examples" / "a.json").write_text("{}")
    (tmp_path / "resources" / "examples" / "notes.txt").write_text("")
    assert [p.name for p in res.example_projects()] == ["a.json", "b.nnstudio"]
    monkeypatch.setenv(res.ENV_VAR, str(ROOT / "resources"))
    assert res.resources_dir() == ROOT / "resources"


def test_one_version_number(capsys):
    # pyproject reads the version from nnstudio/__init__.py; the CLI and the About dialog print that one.
    assert "version = { attr = \"nnstudio.__version__\" }" in (ROOT / "pyproject.toml").read_text()
    assert __version__.count(".") == 2
    from nnstudio.cli import main

    with pytest.raises(SystemExit, match="^0$"):  # argparse's version action exits with code 0
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"nnstudio {__version__}"


@pytest.mark.gui
def test_window_has_the_app_icon_and_about_names_all_versions(qtbot, settings_path, monkeypatch):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from nnstudio.gui.app import configure_app, create_main_window
    from nnstudio.gui.settings_store import SettingsStore

    configure_app(QApplication.instance())
    window = create_main_window(SettingsStore(settings_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.document.data_deferred)  # data loads after the first paint
    assert not window.windowIcon().isNull()
    assert window.windowIcon().availableSizes()  # the PNGs, not an empty icon
    shown = {}
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.update(title=title, text=text))
    window.about_action.trigger()
    for name in ("nnstudio", "Python", "PyTorch", "Qt", "Captum"):
        assert name in shown["text"]
    assert __version__ in shown["text"]
    window.training_panel.shutdown()
    window.document.set_modified(False)
