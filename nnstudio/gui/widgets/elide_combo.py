"""Combo boxes that may shorten their current text to fit a narrow pane; the open list shows every item whole.

Sized to its longest item (Qt's default), a combo of long titles (a layer, a data source, a split) widened its
pane past the window or its scroll area and cut the text beside it. Here it asks for room for
``min_chars`` characters; Qt elides the rest of the current text ("Last conv la…"), and the open list, which
grows to its widest item, names it whole.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

ELIDES = "nnstudio_elides"  # property: this combo elides on purpose (the clipping check allows it)


def narrow_combo(combo: QComboBox, min_chars: int = 10) -> QComboBox:
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(min_chars)
    combo.setProperty(ELIDES, True)
    return combo


def elides(combo: QComboBox) -> bool:
    return bool(combo.property(ELIDES))
