"""The projector variant of the one palette: darker hues that hold up on a washed-out projector and for
colour-blind students, thicker lines, larger markers, and a call-back for views that paint themselves."""

from __future__ import annotations

import itertools

import pytest

from nnstudio.gui import palette

CVD = ("deuteranopia", "protanopia", "tritanopia")


@pytest.fixture(autouse=True)
def normal_palette_after():
    yield
    palette.set_presentation(False)


def test_colour_blindness_simulation_matches_reference_values():
    # Pure red through Machado et al.'s matrices, worked by hand: the first column in linear light, back to
    # sRGB (protanopia 0.1523, 0.1145, 0 -> 109, 95, 0): a dark olive, and a brighter one for deuteranopia.
    assert palette.simulate_cvd("#FF0000", "protanopia") == "#6D5F00"
    assert palette.simulate_cvd("#FF0000", "deuteranopia") == "#A39000"
    assert palette.simulate_cvd("#FFFFFF", "tritanopia") == "#FFFFFF"
    assert palette.contrast_ratio("#000000") == pytest.approx(21.0)
    assert palette.contrast_ratio("#777777") == pytest.approx(4.48, abs=0.01)  # WCAG's textbook grey


def test_every_presentation_hue_stands_out_on_white_and_from_the_others():
    hues = palette.PRESENTATION_PALETTE
    assert len(hues) == len(palette.PALETTE) == 10
    assert min(palette.contrast_ratio(c) for c in hues) >= 3.0  # WCAG's minimum for lines and large text
    assert min(palette.delta_e76(a, b) for a, b in itertools.combinations(hues, 2)) >= 38
    # The normal palette's sky blue and orange would not pass on a projector's white.
    assert min(palette.contrast_ratio(c) for c in palette.PALETTE) < 2.5


@pytest.mark.parametrize("kind", CVD)
def test_the_first_six_presentation_hues_stay_apart_with_colour_blindness(kind):
    seen = [palette.simulate_cvd(c, kind) for c in palette.PRESENTATION_PALETTE]
    assert min(palette.delta_e76(a, b) for a, b in itertools.combinations(seen[:6], 2)) >= 24
    assert min(palette.delta_e76(a, b) for a, b in itertools.combinations(seen, 2)) >= 18


def test_colours_widths_and_sizes_follow_the_mode_and_subscribers_hear_each_toggle():
    heard = []

    class View:
        def redraw(self) -> None:
            heard.append(palette.presenting())

    view = View()
    palette.subscribe(view.redraw)
    assert (palette.color(0), palette.line_width(2), palette.marker_size(5)) == (palette.PALETTE[0], 2, 5)
    assert palette.pen(3, width=2).widthF() == 2
    palette.set_presentation(True)
    assert palette.color(0) == palette.PRESENTATION_PALETTE[0] and palette.color(12) == palette.PRESENTATION_PALETTE[2]
    assert palette.role("accent") == palette.PRESENTATION_ROLES["accent"]
    pen = palette.pen(3, width=2)
    assert pen.widthF() == 4 and pen.color().name().upper() == palette.PRESENTATION_PALETTE[3]
    assert palette.role_pen("highlight", 1.5, dashed=True).widthF() == 3
    assert palette.marker_size(5) == pytest.approx(8)
    palette.set_presentation(True)  # no change: nobody is told
    palette.set_presentation(False)
    assert heard == [True, False]
    del view  # held weakly: a closed view is not called
    palette.set_presentation(True)
    assert heard == [True, False]


def test_each_palette_colour_has_one_counterpart_and_back():
    for normal, projected in zip(palette.PALETTE, palette.PRESENTATION_PALETTE, strict=True):
        if "#000000" in (normal, projected):
            assert palette.counterpart("#000000", True) is palette.counterpart("#000000", False) is None
            continue  # black stays black: text, rims and markers are black far more often than a class
        assert palette.counterpart(normal, True) == projected
        assert palette.counterpart(projected, False) == normal
    for name in palette.ROLES:
        assert palette.counterpart(palette.ROLES[name], True) == palette.PRESENTATION_ROLES[name]
        assert palette.counterpart(palette.PRESENTATION_ROLES[name], False) == palette.ROLES[name]
    assert palette.counterpart("#123456", True) is None
    colours = [c.upper() for c in (*palette.PALETTE, *palette.PRESENTATION_PALETTE, *palette.ROLES.values(),
                                    *palette.PRESENTATION_ROLES.values()) if c != "#000000"]
    assert len(colours) == len(set(colours))  # no colour means two things


def test_a_view_whose_qt_object_is_gone_is_not_called(qtbot):
    """A closed window's plot can outlive its C++ side in Python (the test suite freezes the collector): calling
    its redraw reached freed memory and crashed the next window's F11."""
    import shiboken6
    from PySide6.QtWidgets import QWidget

    heard = []

    class View(QWidget):
        def redraw(self) -> None:
            heard.append(self.width())

    gone, alive = View(), View()
    palette.subscribe(gone.redraw)
    palette.subscribe(alive.redraw)
    shiboken6.delete(gone)  # the C++ widget deleted, the Python wrapper still referenced here
    palette.set_presentation(True)
    assert len(heard) == 1
    alive.deleteLater()
