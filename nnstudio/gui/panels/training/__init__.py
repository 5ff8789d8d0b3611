"""The Training tab (see panel.py)."""
