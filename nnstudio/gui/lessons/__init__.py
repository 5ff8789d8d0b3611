"""Lessons in the window: the lesson panel docked beside the tabs, the start page's lessons, Help that teaches."""
