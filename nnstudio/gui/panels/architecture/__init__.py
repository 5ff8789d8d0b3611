"""The Architecture tab (see panel.py)."""
