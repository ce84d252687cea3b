"""mnist-pad: draw a digit, watch a ConvNet read it, and see how brush width changes its mind."""
from .drawing import Drawing

__version__ = "0.1.0"
__all__ = ["Drawing", "Recognizer", "__version__"]


def __getattr__(name: str):
    # Recognizer imports ONNX Runtime (a few tenths of a second): load it on first use, so the GUI shows first.
    if name == "Recognizer":
        from .recognizer import Recognizer

        return Recognizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
