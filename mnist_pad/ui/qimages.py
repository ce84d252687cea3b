"""NumPy arrays to QImages: the one place the UI wraps pixel buffers for Qt."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def gray_image(pixels: np.ndarray) -> QImage:
    """A uint8 (H, W) array as a Grayscale8 QImage that owns its pixels (the array may go)."""
    pixels = np.ascontiguousarray(pixels, np.uint8)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, pixels.strides[0], QImage.Format.Format_Grayscale8).copy()


def argb_image(pixels: np.ndarray) -> QImage:
    """A uint32 (H, W) array of premultiplied 0xAARRGGBB pixels as a QImage that owns them: the format
    Qt paints fastest (an 800 px canvas under a scaled 280 px map: ~0.7 ms, against ~1.8 ms from RGBA8888)."""
    pixels = np.ascontiguousarray(pixels, np.uint32)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, pixels.strides[0], QImage.Format.Format_ARGB32_Premultiplied).copy()
