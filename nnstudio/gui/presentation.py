"""Presentation mode (View > Presentation mode, F11): the whole app readable from the back of a room.

On: every font scaled (1.5x unless the View menu says otherwise; remembered), the projector palette with
thicker lines and larger markers in every plot (``palette.set_presentation``: views that draw later read
it, plots already drawn are restyled here), full screen, the side panels and docks folded away. Off: exactly
what was there before: window geometry and state, docks, fonts, splitter sizes, and every restyled plot
item's pens, brushes and sizes.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMenu, QSplitter, QWidget

from nnstudio.gui import palette
from nnstudio.gui.settings_store import SettingsStore

SCALES = (1.25, 1.5, 1.75, 2.0)
DEFAULT_SCALE = 1.5
SCALE_KEY = "view/presentation_scale"
RESIZE_WAIT_MS = 500  # how long after leaving full screen a resize still counts as the window going back
KEEP_DOCK = "presentation_keep"  # dock property: stays open while presenting (the others are folded away)
SIDE_PANEL = "presentation_side_panel"  # splitter property: the index of the pane presentation mode collapses
TITLE_OVER_TEXT = 1.1  # a presenting plot title is at most this much larger than the body text
LEGEND_SCALE = 1.25  # and legend entries grow at most this much
FONT_SIZE = re.compile(r"(font-size:\s*)(\d+(?:\.\d+)?)(px|pt)")  # in a style sheet


def mark_side_panel(splitter: QSplitter, index: int) -> None:
    """Let presentation mode collapse pane ``index`` of ``splitter`` (a list or settings pane beside the view)."""
    splitter.setProperty(SIDE_PANEL, index)


def presentation_scale(settings: SettingsStore) -> float:
    try:
        value = float(settings.value(SCALE_KEY, DEFAULT_SCALE))
    except (TypeError, ValueError):
        return DEFAULT_SCALE
    return value if value in SCALES else DEFAULT_SCALE


@dataclass
class _Before:
    """What presentation mode changed, to put back exactly."""

    geometry: QRect
    state: Qt.WindowState
    app_font: QFont
    # held strongly: a wrapper Qt made for one of its own children would vanish from a weak reference
    fonts: list[tuple[QWidget, QFont | None]] = field(default_factory=list)  # scaled one by one (None: inherited)
    splitters: list[tuple[QSplitter, list[int]]] = field(default_factory=list)
    sheets: list[tuple[QWidget, str]] = field(default_factory=list)  # style sheets with a font size, as they were
    collapsible: list[tuple[QSplitter, int, bool]] = field(default_factory=list)
    docks: QByteArray = field(default_factory=QByteArray)


class PresentationMode(QObject):
    toggled = Signal(bool)

    def __init__(self, window: QMainWindow, settings: SettingsStore) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.scale = presentation_scale(settings)
        self._before: _Before | None = None
        self._panes_after_resize: list[tuple[QSplitter, list[int]]] = []
        window.installEventFilter(self)
        self.action = QAction("&Presentation mode", window)
        self.action.setObjectName("presentationAction")
        self.action.setCheckable(True)
        self.action.setShortcut("F11")
        tip = "Large text, thick lines and a projector palette, full screen, side panels folded (F11 again to go back)"
        self.action.setStatusTip(tip)
        self.action.setToolTip(tip)
        self.action.toggled.connect(self.set_active)
        self.scale_menu = QMenu("Presentation &text size", window)
        self.scale_menu.setObjectName("presentationScaleMenu")
        group = QActionGroup(self.scale_menu)
        for scale in SCALES:
            item = self.scale_menu.addAction(f"{scale:.0%}".replace("%", " %"))
            item.setCheckable(True)
            item.setChecked(scale == self.scale)
            item.setData(scale)
            group.addAction(item)
        group.triggered.connect(lambda item: self.set_scale(float(item.data())))

    @property
    def active(self) -> bool:
        return self._before is not None

    @Slot(float)
    def set_scale(self, scale: float) -> None:
        """A new text size for presentation mode; remembered, and applied at once when the mode is on."""
        self.settings.set_value(SCALE_KEY, scale)
        if self.active:
            self.set_active(False)
            self.scale = scale
            self.set_active(True)
        self.scale = scale

    @Slot(bool)
    def set_active(self, on: bool) -> None:
        if on == self.active:
            return
        if on:
            self._enter()
        else:
            self._leave()
        if self.action.isChecked() != on:
            self.action.setChecked(on)  # toggled -> set_active again: a no-op now
        self.toggled.emit(on)

    # ------------------------------------------------------------------ on
    def _enter(self) -> None:
        self._panes_after_resize = []  # a quick F11 F11 F11: the last leave's late pane sizes no longer apply
        app = QApplication.instance()
        window = self.window
        before = _Before(window.geometry(), window.windowState(), QFont(app.font()))
        # Every widget gets its own font, scaled: Qt does not pass an application font change on to a widget
        # with a style sheet, and a font set on a widget for boldness follows it, so scaling only the
        # application's font left some text small and scaled some twice. Widgets built later inherit it.
        widgets = [(w, QFont(w.font()), w.testAttribute(Qt.WidgetAttribute.WA_SetFont)) for w in window.findChildren(QWidget)]
        app.setFont(_scaled(app.font(), self.scale))
        for widget, old, own in widgets:
            before.fonts.append((widget, old if own else None))
            widget.setFont(_scaled(old, self.scale))
        self._scale_sheets(window, before)
        self._fold(window, before)
        before.docks = window.saveState()  # docks and their sizes, put back whole on leaving
        for dock in window.findChildren(QDockWidget):
            if dock.isVisible() and not dock.property(KEEP_DOCK):
                dock.hide()
        self._before = before
        restyle_plots(window, True, self.scale)  # what is drawn now; then views that redraw themselves hear the palette
        palette.set_presentation(True)
        restyle_plots(window, True, self.scale, text_only=True)  # and the titles they set again
        window.showFullScreen()

    @Slot(str, QWidget)
    def adopt(self, _name: str, panel: QWidget) -> None:
        """A tab built while presenting: it inherited the large font and drew in the projector palette; fold its
        side panel and scale its plots' titles and legends (sized in points) as the others were."""
        if self._before is None:
            return
        self._fold(panel, self._before)
        self._scale_sheets(panel, self._before)
        restyle_plots(panel, True, self.scale, text_only=True)

    def _scale_sheets(self, root: QWidget, before: _Before) -> None:
        """A size in a style sheet ("font-size: 14px") beats any font set on the widget: scale it there."""
        for widget in [root, *root.findChildren(QWidget)]:
            sheet = widget.styleSheet()
            if "font-size" in sheet:
                before.sheets.append((widget, sheet))
                widget.setStyleSheet(FONT_SIZE.sub(lambda m: f"{m[1]}{float(m[2]) * self.scale:g}{m[3]}", sheet))

    def _fold(self, root: QWidget, before: _Before) -> None:
        for splitter in root.findChildren(QSplitter):
            index = splitter.property(SIDE_PANEL)
            if isinstance(index, int) and 0 <= index < splitter.count():
                before.splitters.append((splitter, splitter.sizes()))
                # isCollapsible says True for a pane left at the splitter's default: the default decides
                folds = splitter.isCollapsible(index) and splitter.childrenCollapsible()
                before.collapsible.append((splitter, index, folds))
                splitter.setCollapsible(index, True)  # a pane the user may not fold away, folded while presenting
                sizes = splitter.sizes()
                freed, sizes[index] = sizes[index], 0
                sizes[index + 1 if index + 1 < len(sizes) else index - 1] += freed
                splitter.setSizes(sizes)

    # ------------------------------------------------------------------ off
    def _leave(self) -> None:
        before, self._before = self._before, None
        assert before is not None
        window = self.window
        restyle_plots(window, False)
        palette.set_presentation(False)
        QApplication.instance().setFont(before.app_font)
        for widget, sheet in before.sheets:
            if shiboken6.isValid(widget):
                widget.setStyleSheet(sheet)
        for widget, font in reversed(before.fonts):  # children first: a cleared font inherits the parent's
            if shiboken6.isValid(widget):
                widget.setFont(font if font is not None else QFont())  # an empty font: inherit again
        for splitter, sizes in before.splitters:
            if shiboken6.isValid(splitter):
                splitter.setSizes(sizes)
        for splitter, index, collapsible in before.collapsible:
            if shiboken6.isValid(splitter):
                splitter.setCollapsible(index, collapsible)
        window.restoreState(before.docks)
        if before.state & (Qt.WindowState.WindowFullScreen | Qt.WindowState.WindowMaximized):
            window.setWindowState(before.state)
        else:
            window.showNormal()
            window.setGeometry(before.geometry)  # as it was: restoreGeometry would fit it to the screen first
        # The window shrinks back when the window system says so, and each splitter then shares out its new
        # width again: put the panes back once more at that resize.
        self._panes_after_resize = before.splitters
        QTimer.singleShot(RESIZE_WAIT_MS, self, self._forget_panes)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Type.Resize and self._panes_after_resize:
            QTimer.singleShot(0, self, self._restore_panes)
        return False

    def _restore_panes(self) -> None:
        if self.active:
            return  # presenting again already: its folds win
        for splitter, sizes in self._panes_after_resize:
            if shiboken6.isValid(splitter):
                splitter.setSizes(sizes)

    def _forget_panes(self) -> None:
        self._restore_panes()
        self._panes_after_resize = []


# ---------------------------------------------------------------------- plots drawn before the toggle
_originals: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # plot item -> its look before presenting


def restyle_plots(root: QWidget, on: bool, text_scale: float = DEFAULT_SCALE, text_only: bool = False) -> None:
    """Give every pyqtgraph item under ``root`` the look of the new mode: palette colours swapped for their
    counterparts, lines and markers scaled, titles, axis labels and legends ``text_scale`` times larger.
    Going back restores each item's own pens and fonts exactly; items drawn while presenting are converted
    back the same way."""
    import pyqtgraph as pg

    for view in root.findChildren(pg.GraphicsView):
        scene = view.scene()
        if scene is None:
            continue
        for item in scene.items():
            if isinstance(item, (pg.LabelItem, pg.AxisItem, pg.LegendItem)):
                _restyle_text(item, on, text_scale)
            if text_only:
                continue
            if isinstance(item, (pg.PlotCurveItem, pg.ScatterPlotItem)) and isinstance(item.parentItem(), pg.PlotDataItem):
                continue  # the data item restyles its own curve and symbols
            if isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem, pg.ScatterPlotItem, pg.InfiniteLine, pg.BarGraphItem)):
                _restyle(item, on)


_text_originals: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # title/legend label or axis -> its size


def _restyle_text(item, on: bool, scale: float) -> None:
    """A plot's title or legend entry (sized in points by its owner), a legend's size for entries to come, or
    an axis's label and tick font. Titles grow only to a little above the new body text: at 1.5x their 11pt
    ran past a half-window plot ("mean AP 0")."""
    import pyqtgraph as pg

    if isinstance(item, pg.LegendItem):
        size = item.opts.get("labelTextSize")
        if on and isinstance(size, str) and size.endswith("pt") and item not in _text_originals:
            _text_originals[item] = size
            item.opts["labelTextSize"] = f"{_legend_pt(float(size[:-2]), scale):.1f}pt"
        elif not on and item in _text_originals:
            item.opts["labelTextSize"] = _text_originals.pop(item)
        return
    if isinstance(item, pg.LabelItem):
        size = item.opts.get("size")
        legend = _legend_of(item)
        if on and legend is not None and legend in _text_originals and size == legend.opts.get("labelTextSize"):
            return  # an entry added while presenting: made at the presenting size already
        # (a title its view set again while presenting, as it redrew for the new palette, is scaled again)
        if on and isinstance(size, str) and size.endswith("pt") and _text_originals.get(item, size) == size:
            _text_originals[item] = size
            new = float(size[:-2]) * scale
            if isinstance(item.parentItem(), pg.PlotItem):  # a title
                new = min(new, QApplication.font().pointSizeF() * TITLE_OVER_TEXT)
            elif legend is not None:
                new = _legend_pt(float(size[:-2]), scale)
            item.setText(item.text, size=f"{new:.1f}pt")
        elif not on and item in _text_originals:
            item.setText(item.text, size=_text_originals.pop(item))
        _remeasure_legend(item)
        return
    if on and item not in _text_originals:
        tick = item.style.get("tickFont")
        _text_originals[item] = (QFont(item.label.font()), QFont(tick) if tick is not None else None)
        item.label.setFont(_scaled(item.label.font(), scale))
        if tick is not None:
            item.setStyle(tickFont=_scaled(tick, scale))
        item._updateLabel()  # pyqtgraph's own re-layout of the label (no public call does it)
    elif not on and item in _text_originals:
        label, tick = _text_originals.pop(item)
        item.label.setFont(label)
        if tick is not None:
            item.setStyle(tickFont=tick)
        item._updateLabel()


def _legend_of(label):
    import pyqtgraph as pg

    parent = label.parentItem()
    while parent is not None and not isinstance(parent, pg.LegendItem):
        parent = parent.parentItem()
    return parent


def _legend_pt(size: float, scale: float) -> float:
    """Legend entries grow less than the text: ten class names beside a half-window plot must still fit."""
    return size * min(scale, LEGEND_SCALE)


def _remeasure_legend(label) -> None:
    """A legend entry changed size: its legend's box follows (pyqtgraph sizes it when an entry is added)."""
    legend = _legend_of(label)
    if legend is not None:
        legend.updateSize()
        import pyqtgraph as pg

        plot = legend.parentItem()
        if isinstance(plot, pg.PlotItem):  # a legend beside the plot, in its layout: the row shares out again
            plot.layout.invalidate()
            plot.layout.activate()


def _scaled(font: QFont, scale: float) -> QFont:
    out = QFont(font)
    if out.pointSizeF() > 0:
        out.setPointSizeF(out.pointSizeF() * scale)
    return out


def _restyle(item, on: bool) -> None:
    import pyqtgraph as pg

    if not on and item in _originals:
        _apply(item, _originals.pop(item))
        return
    look = _look(item)
    if on and not isinstance(item, pg.ScatterPlotItem):  # a scatter's points change: convert them both ways
        _originals[item] = look
    k = palette.LINE_SCALE if on else 1 / palette.LINE_SCALE
    m = palette.MARKER_SCALE if on else 1 / palette.MARKER_SCALE
    _apply(item, {key: _convert(key, value, on, k, m) for key, value in look.items()})


def _convert(key: str, value, on: bool, k: float, m: float):
    """One part of a look in the other mode: sizes scaled, pens thickened and recoloured, brushes recoloured."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_convert(key, v, on, k, m) for v in value]
    kind = key.lower()
    if kind.endswith(("size", "sizes")):
        return float(value) * m
    if kind.endswith(("pen", "pens")):
        return _pen(value, on, k)
    return _brush(value, on)


def _look(item) -> dict:
    """The restylable parts of one item, as pens, brushes and sizes (copies)."""
    import pyqtgraph as pg

    if isinstance(item, pg.PlotDataItem):
        o = item.opts
        look = {"pen": o.get("pen"), "symbolPen": o.get("symbolPen"), "symbolBrush": o.get("symbolBrush")}
        if o.get("symbol") is not None:
            look["symbolSize"] = o.get("symbolSize")
        return {k: _copy(v) for k, v in look.items()}
    if isinstance(item, pg.PlotCurveItem):
        return {"pen": _copy(item.opts.get("pen"))}
    if isinstance(item, pg.InfiniteLine):
        return {"pen": pg.mkPen(item.pen)}
    if isinstance(item, pg.ScatterPlotItem):
        data = item.data
        return {"spotpens": [pg.mkPen(p) if p is not None else pg.mkPen(item.opts["pen"]) for p in data["pen"]],
                "spotbrushes": [pg.mkBrush(b) if b is not None else pg.mkBrush(item.opts["brush"]) for b in data["brush"]],
                "spotsizes": [float(s) if s >= 0 else float(item.opts["size"]) for s in data["size"]],
                "pen": pg.mkPen(item.opts["pen"]), "brush": pg.mkBrush(item.opts["brush"]), "size": float(item.opts["size"])}
    if isinstance(item, pg.BarGraphItem):
        o = item.opts
        look = {k: o.get(k) for k in ("pen", "brush", "pens", "brushes")}
        return {k: _copy(v) for k, v in look.items()}
    return {}


def _apply(item, look: dict) -> None:
    import pyqtgraph as pg

    if isinstance(item, pg.PlotDataItem):
        item.setPen(look["pen"])
        item.setSymbolPen(look["symbolPen"])
        item.setSymbolBrush(look["symbolBrush"])
        if "symbolSize" in look:
            item.setSymbolSize(look["symbolSize"])
    elif isinstance(item, (pg.PlotCurveItem, pg.InfiniteLine)):
        item.setPen(look["pen"])
    elif isinstance(item, pg.ScatterPlotItem):
        item.opts["pen"], item.opts["brush"], item.opts["size"] = look["pen"], look["brush"], look["size"]
        if len(item.data):
            item.setPen(look["spotpens"])
            item.setBrush(look["spotbrushes"])
            item.setSize(look["spotsizes"])
        else:
            item.setPen(look["pen"])
            item.setBrush(look["brush"])
            item.setSize(look["size"])
    elif isinstance(item, pg.BarGraphItem):
        item.setOpts(**{k: v for k, v in look.items() if v is not None})


def _copy(value):
    """A pen, brush or list of them copied (pyqtgraph keeps what it was given); other values as they are."""
    from PySide6.QtGui import QBrush, QPen

    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, QPen):
        return QPen(value)
    if isinstance(value, QBrush):
        return QBrush(value)
    return value


def _pen(value, on: bool, k: float):
    import pyqtgraph as pg

    if value is None:
        return None
    pen = pg.mkPen(value)
    if pen.style() == Qt.PenStyle.NoPen:
        return pen
    pen.setColor(_swap(pen.color(), on))
    pen.setWidthF(max(pen.widthF(), 1.0) * k)  # width 0 is pyqtgraph's one-pixel cosmetic pen
    return pen


def _brush(value, on: bool):
    import pyqtgraph as pg

    if value is None:
        return None
    brush = pg.mkBrush(value)
    if brush.style() != Qt.BrushStyle.NoBrush:
        brush.setColor(_swap(brush.color(), on))
    return brush


def _swap(colour: QColor, on: bool) -> QColor:
    other = palette.counterpart(colour.name(), on)
    if other is None:
        return colour
    swapped = QColor(other)
    swapped.setAlpha(colour.alpha())
    return swapped
