"""Bounds shared by the training format and the registries it names (config.py imports schedules lazily, so
the bound lives here rather than in either)."""

from __future__ import annotations

# Far above any useful rate on purpose: a class must be able to watch what a huge learning rate does.
LR_MAX = 1000.0
