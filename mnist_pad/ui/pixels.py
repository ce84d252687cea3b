"""Pixels the views show, made with NumPy and OpenCV only (no Qt): the inference worker makes them off the
UI thread, in its own process, and the UI only wraps them in QImages (ui/qimages.py)."""
from __future__ import annotations

import cv2
import numpy as np

SUPPORTS = (215, 48, 31)    # red: hiding this part lowers the network's belief in its answer
OPPOSES = (33, 102, 172)    # blue: hiding it raises that belief
MAX_ALPHA = 190


def _premultiplied(rgb: tuple[int, int, int]) -> np.ndarray:
    """The colour at each alpha 0-255 as premultiplied 0xAARRGGBB pixels (uint32), a table to look alpha up in."""
    alpha = np.arange(256, dtype=np.uint32)
    red, green, blue = ((value * alpha + 127) // 255 for value in rgb)
    return alpha << 24 | red << 16 | green << 8 | blue


_SUPPORTS_PIXELS, _OPPOSES_PIXELS = _premultiplied(SUPPORTS), _premultiplied(OPPOSES)


def heat_pixels(heat: np.ndarray) -> np.ndarray:
    """A heat map as translucent premultiplied 0xAARRGGBB pixels, uint32 (H, W): red where the pixels
    support the answer, blue where they oppose it."""
    heat = np.asarray(heat, np.float32)
    peak = float(np.abs(heat).max()) if heat.size else 0.0
    if peak <= 0:
        return np.zeros(heat.shape, np.uint32)
    # Whole pixels at once, looked up by alpha: the canvas-sized map is redrawn as the pen moves.
    alpha = (np.abs(heat) / peak * MAX_ALPHA).astype(np.uint8)
    return np.where(heat >= 0, _SUPPORTS_PIXELS[alpha], _OPPOSES_PIXELS[alpha])


def resized_pixels(pixels: np.ndarray, width: int, height: int, out: np.ndarray | None = None) -> np.ndarray:
    """Premultiplied ARGB32 pixels, uint32 (H, W) or their bytes (H, W, 4), resized bilinearly by OpenCV to
    (height, width, 4) bytes, into `out` when it has that shape."""
    if pixels.ndim == 2:
        pixels = np.ascontiguousarray(pixels, np.uint32).view(np.uint8).reshape(*pixels.shape, 4)
    if out is None or out.shape != (height, width, 4):
        out = np.empty((height, width, 4), np.uint8)
    cv2.resize(pixels, (width, height), dst=out, interpolation=cv2.INTER_LINEAR)
    return out
