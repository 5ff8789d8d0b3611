"""A VAE's codes plane drawn before presentation mode is switched on recolours its dots and legend in the
projector palette (class 2 and class 6 do not both end up black), and back again."""

from __future__ import annotations

import pytest
from helpers_interpret import open_interpret_page

from nnstudio.core.project.templates import TEMPLATES
from nnstudio.core.workspace.session import train_project
from nnstudio.gui import palette


@pytest.fixture
def pane(main_window, qtbot):
    project = TEMPLATES["vae_digits"].project()
    train_project(project, epochs=1)
    panel, view = open_interpret_page(main_window, qtbot, project, "latent_view")
    qtbot.waitUntil(view.vae.isVisible)
    try:
        yield panel.latent_view.vae
    finally:
        panel.shutdown()


def test_the_codes_take_the_projector_colours_while_presenting(pane, main_window):
    classes = pane.source.bundle.meta["split_classes"]["test"]
    for on, hues in ((True, palette.PRESENTATION_PALETTE), (False, palette.PALETTE)):
        main_window.presentation.set_active(on)
        try:
            seen: dict[int, set[str]] = {}
            for c, brush in zip(classes, pane.codes.data["brush"], strict=True):
                seen.setdefault(int(c), set()).add(brush.color().name().upper())
            assert seen == {c: {hues[c]} for c in range(10)}
            assert [s.item.opts["brush"].color().name().upper() for s, _ in pane.legend.items] == list(hues)
        finally:
            if on:
                main_window.presentation.set_active(False)
