"""The PySide6 user interface: the main window and its parts. Only presents and forwards input.

MainWindow is imported on first use, so the inference worker's process (ui/serving.py) can run without Qt.
"""
__all__ = ["MainWindow"]


def __getattr__(name: str):
    if name == "MainWindow":
        from .main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
