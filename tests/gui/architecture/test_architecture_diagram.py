"""The network diagram: boxes with shapes, the skip connection, PNG and SVG export from the tab's menu."""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from nnstudio.core.arch.commands import SetParams
from nnstudio.core.arch.spec import ArchitectureSpec, layer


def test_diagram_follows_edits_and_exports(main_window, monkeypatch, tmp_path):
    panel = main_window.architecture_panel
    panel.views.setCurrentWidget(panel.diagram)
    assert panel.diagram.box_texts[0] == "Input | 1x8x8"
    assert panel.diagram.box_texts[-1] == "Output | 10"
    spec = ArchitectureSpec([
        layer("flatten"), layer("linear", out_features=32),
        layer("residual", children=[layer("linear", out_features=32), layer("relu")]),
        layer("linear", out_features=10),
    ], name="ResNetish")
    panel.replace_architecture(spec, "Load")
    texts = panel.diagram.box_texts
    assert "2  Linear  ·  auto → 32 | → 32   (2,080 params)" in texts
    assert any(t.startswith("3.1  Linear") for t in texts)
    assert panel.diagram.skip_count == 1
    # A misfit shows in the diagram too.
    panel.push(SetParams((3,), {"in_features": 5}))
    assert any("does not fit" in t for t in panel.diagram.box_texts)
    main_window.undo_action.trigger()
    for suffix, action in (("png", panel.export_png_action), ("svg", panel.export_svg_action)):
        target = tmp_path / f"net.{suffix}"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, t=target, **k: (str(t), ""))
        action.trigger()
        assert target.exists() and target.stat().st_size > 0
    image = QImage(str(tmp_path / "net.png"))
    assert image.width() > 200 and image.height() > 400
    svg = (tmp_path / "net.svg").read_text()
    assert "<svg" in svg and "ResNetish" in svg


def test_export_code_from_the_tab(main_window, monkeypatch, tmp_path):
    panel = main_window.architecture_panel
    target = tmp_path / "simple.py"
    monkeypatch.setattr("nnstudio.gui.code_export_dialog.ask_code_export", lambda *a, **k: (target, False))
    panel.export_code_action.trigger()
    assert "class SimpleNN(nn.Module)" in target.read_text()
