"""pyqtgraph, imported with NVIDIA's CUDA bindings kept out: `from .pyqtgraph_without_cuda import pg`.

pyqtgraph's package imports its RawImageWidget, which loads the CUDA bindings when they are
installed (PyTorch's wheels bring them, for training): ~0.15 s and ~11 MB at start-up for a widget
the app never uses. While the module is marked absent that import fails and pyqtgraph takes its
no-CUDA path; the mark is removed afterwards, so nothing else in the process is affected.
"""
import sys

_CUDA_RUNTIME = "cuda.bindings.runtime"

if _CUDA_RUNTIME in sys.modules or "pyqtgraph" in sys.modules:
    import pyqtgraph as pg
else:
    sys.modules[_CUDA_RUNTIME] = None
    try:
        import pyqtgraph as pg
    finally:
        del sys.modules[_CUDA_RUNTIME]

__all__ = ["pg"]
