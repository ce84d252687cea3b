"""The PySide6 user interface: the main window and its parts. Only presents and forwards input."""
from . import _refcount_guard  # noqa: F401  (first: see its docstring)
from .main_window import MainWindow

__all__ = ["MainWindow"]
