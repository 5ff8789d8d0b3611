"""A plain autoencoder with a 2-number code (the Latent space lesson's network) in Interpretability > Latent
space: the map starts on the code's layer and draws the codes as they are, coloured by the digit each test
image shows, and a click on the plane shows what the decoder draws at that code."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers_interpret import open_interpret_page
from PySide6.QtCore import QPointF, Qt
from torch import nn

from nnstudio.core.lessons.format import find_lesson
from nnstudio.core.workspace.session import train_project
from nnstudio.gui import palette
from nnstudio.gui.widgets.image_grid import to_pixmap

LONG = 60_000


@pytest.fixture
def autoencoder_view(main_window, qtbot):
    project = find_lesson("latent_space").start_project()
    train_project(project, epochs=2)  # a few steps: the decoder only has to be a fixed function here
    panel, view = open_interpret_page(main_window, qtbot, project, "latent_view")
    try:
        yield view
    finally:
        panel.shutdown()


def test_clicking_the_code_plane_shows_the_decoders_drawing_there(autoencoder_view, qtbot):
    view = autoencoder_view
    model = view.source.model
    layers = list(model.children())  # flatten, linear 64, relu, linear 2 | linear 64, relu, linear 64, sigmoid
    encoder, decoder = nn.Sequential(*layers[:4]).eval(), nn.Sequential(*layers[4:]).eval()
    assert view.layer.currentData() == list(model.named_children())[3][0]  # the code's layer, chosen for us
    assert not view.method.isEnabled()  # two numbers need no projection
    with qtbot.waitSignal(view.runner.completed, timeout=LONG):
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    x, _ = view.source.test_xy()
    with torch.no_grad():
        codes = encoder(torch.as_tensor(x)).numpy()
    assert view.result.points == pytest.approx(codes.astype(np.float64), abs=1e-5)
    assert "drawn as they are (no projection)" in view.status.text()
    assert "Colour: the class each example shows." in view.status.text()

    # A point of the plane between the dots, not any example's code: the decoder draws there too.
    z0 = (float(np.percentile(codes[:, 0], 30)), float(np.percentile(codes[:, 1], 70)))
    box = view.plot.plotItem.vb
    pixel = view.plot.mapFromScene(box.mapViewToScene(QPointF(*z0)))
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
    assert view.decoded_at is not None, "the click did not reach the plane"
    size = box.viewPixelSize()
    assert abs(view.decoded_at[0] - z0[0]) <= 1.5 * size[0] and abs(view.decoded_at[1] - z0[1]) <= 1.5 * size[1]
    with torch.no_grad():
        drawn = decoder(torch.tensor([view.decoded_at], dtype=torch.float32)).numpy().reshape(x.shape[1:])
    assert view.decoded_output == pytest.approx(drawn, abs=1e-6)
    shown = view.decoded.pixmap().toImage()
    assert view.decoded.isVisible() and shown == to_pixmap(drawn, shown.width()).toImage()
    z1, z2 = view.decoded_at
    assert view.decoded_text.text() == f"<b>The decoder at ({z1:.2f}, {z2:.2f})</b>"
    assert [tuple(p) for p in view.probe.getData()] == [pytest.approx((z1,)), pytest.approx((z2,))]

    # Hovering a dot still shows its test image, and which digit it is.
    view.show_example(4)
    classes = view.source.bundle.meta["split_classes"]["test"]
    assert f"shows {int(classes[4])}" in view.preview_text.text()


def _dot_colours(view) -> dict[int, set[str]]:
    classes = view.source.bundle.meta["split_classes"]["test"]
    brushes = view.scatter.data["brush"]
    seen: dict[int, set[str]] = {}
    for c, brush in zip(classes[: len(brushes)], brushes, strict=True):
        seen.setdefault(int(c), set()).add(brush.color().name().upper())
    return seen


def test_presenting_gives_every_digit_its_own_projector_colour_in_dots_and_legend(autoencoder_view, main_window, qtbot):
    view = autoencoder_view
    with qtbot.waitSignal(view.runner.completed, timeout=LONG):
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    view.decode_at(0.0, 0.0)
    for on, hues in ((True, palette.PRESENTATION_PALETTE), (False, palette.PALETTE)):
        main_window.presentation.set_active(on)
        try:
            assert _dot_colours(view) == {c: {hues[c]} for c in range(10)}  # ten classes, ten colours
            legend = [sample.item.opts["brush"].color().name().upper() for sample, _ in view.legend.items]
            assert legend == list(hues)
            assert view.decoded_at == (0.0, 0.0) and view.decoded.isVisible()  # the decoder's drawing stays
        finally:
            if on:
                main_window.presentation.set_active(False)
