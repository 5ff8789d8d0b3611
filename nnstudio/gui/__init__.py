"""The Qt views. The only package that imports PySide6 or pyqtgraph; it renders core objects and sends
commands back to them."""
