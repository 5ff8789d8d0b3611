"""Training: settings, the loop, its callbacks and the thread-safe controls a GUI or CLI drives it with."""
