"""The Qt-free heart of nnstudio: specs, data, models, training, evaluation.

Nothing under ``nnstudio.core`` may import PySide6, pyqtgraph or ``nnstudio.gui``; a test enforces it.
"""
