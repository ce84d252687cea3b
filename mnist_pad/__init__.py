"""mnist-pad: draw a digit, watch a ConvNet read it, and see how brush width changes its mind."""
from .drawing import Drawing
from .recognizer import Recognizer

__version__ = "0.1.0"
__all__ = ["Drawing", "Recognizer", "__version__"]
