"""The Evaluation tab (see panel.py)."""

from nnstudio.gui.panels.evaluation.panel import EvaluationPanel

__all__ = ["EvaluationPanel"]
