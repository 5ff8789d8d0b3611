"""Draw the nnstudio icon: writes resources/icons/nnstudio.svg, PNGs in several sizes and a Windows .ico.

One SVG is the source; Qt renders it to each PNG size, Pillow packs the .ico (Windows) from those PNGs.
Run again after changing the drawing: ``.venv/bin/python packaging/make_icons.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

# A small network, 2-3-2, on a rounded tile: input nodes left, hidden middle, outputs right.
LAYERS = [[(150, 200), (150, 312)], [(256, 144), (256, 256), (256, 368)], [(362, 200), (362, 312)]]
NODE_COLORS = ["#4fc3f7", "#ffd54f", "#ff8a65"]


def svg_text() -> str:
    edges = []
    for left, right in zip(LAYERS, LAYERS[1:], strict=False):
        for x1, y1 in left:
            for x2, y2 in right:
                edges.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>')
    nodes = []
    for color, layer in zip(NODE_COLORS, LAYERS, strict=True):
        for x, y in layer:
            nodes.append(f'<circle cx="{x}" cy="{y}" r="38" fill="{color}"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">\n'
        '<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0" stop-color="#3949ab"/><stop offset="1" stop-color="#1a237e"/></linearGradient></defs>\n'
        '<rect x="16" y="16" width="480" height="480" rx="96" fill="url(#bg)"/>\n'
        f'<g stroke="#c5cae9" stroke-width="14" stroke-linecap="round" opacity="0.85">{"".join(edges)}</g>\n'
        f'<g stroke="#ffffff" stroke-width="10">{"".join(nodes)}</g>\n'
        "</svg>\n"
    )


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    ICONS.mkdir(parents=True, exist_ok=True)
    text = svg_text()
    (ICONS / "nnstudio.svg").write_text(text, encoding="utf-8")
    renderer = QSvgRenderer(QByteArray(text.encode()))
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(ICONS / f"nnstudio-{size}.png"))
    largest = Image.open(ICONS / "nnstudio-256.png")
    largest.save(ICONS / "nnstudio.ico", sizes=[(s, s) for s in ICO_SIZES])
    print(f"wrote {len(SIZES)} PNGs, nnstudio.svg and nnstudio.ico to {ICONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
