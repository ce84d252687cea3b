"""The PySide6 user interface: the main window and its parts. Only presents and forwards input."""
from . import pyqtgraph_without_cuda  # noqa: F401  (first: see there)
from .main_window import MainWindow

__all__ = ["MainWindow"]
