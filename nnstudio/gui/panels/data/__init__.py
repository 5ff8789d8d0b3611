"""The Data tab: source, preview, preprocessing pipeline and split (see panel.py)."""
