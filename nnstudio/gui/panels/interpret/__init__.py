"""The Interpretability tab: which inputs drove a decision."""

from nnstudio.gui.panels.interpret.panel import InterpretPanel

__all__ = ["InterpretPanel"]
