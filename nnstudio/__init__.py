"""nnstudio: build, train and explain neural networks in a desktop studio."""

__version__ = "0.1.0"
