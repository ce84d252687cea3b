"""NumPy arrays to QImages: the one place the UI wraps pixel buffers for Qt."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def gray_image(pixels: np.ndarray) -> QImage:
    """A uint8 (H, W) array as a Grayscale8 QImage that owns its pixels (the array may go)."""
    pixels = np.ascontiguousarray(pixels, np.uint8)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, pixels.strides[0], QImage.Format.Format_Grayscale8).copy()


def rgba_image(pixels: np.ndarray) -> QImage:
    """A uint8 (H, W, 4) array as an RGBA8888 QImage that owns its pixels."""
    pixels = np.ascontiguousarray(pixels, np.uint8)
    height, width = pixels.shape[:2]
    return QImage(pixels.data, width, height, pixels.strides[0], QImage.Format.Format_RGBA8888).copy()
