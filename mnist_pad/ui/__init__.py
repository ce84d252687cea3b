"""The PySide6 user interface: the main window and its parts. Only presents and forwards input."""
from .main_window import MainWindow

__all__ = ["MainWindow"]
