"""Lessons: teacher-written walks through an experiment (format.py), the figures read off each run
(figures.py) and the headless replay that checks a lesson's outcome (experiments.py)."""
